package dev.revisor.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The console's security provider (id {@value #ID}; {@code felix.webconsole.security.providers = revisor} in
 * {@code etc/config.properties} keeps the console down until it is registered, so the console's built-in admin/admin
 * never answers). Every page and endpoint of the console asks for HTTP Basic credentials: 401 without them or with
 * wrong ones. Unsafe requests from another origin are refused (403, {@link Csrf}). Runs on the HTTP server's threads;
 * immutable after activation, thread safe.
 */
@Component(service = SecurityProvider.class, property = {SecurityProvider.PROPERTY_ID + "=" + WebSecurity.ID,
        "service.ranking:Integer=1000"})
public final class WebSecurity implements SecurityProvider {
    static final String ID = "revisor";
    static final String REALM = "Revisor";

    private final Credentials credentials;

    @Activate
    public WebSecurity(BundleContext context, @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        String data = context.getProperty("revisor.data");
        Path dataDirectory = data != null ? Path.of(data) : context.getDataFile("").toPath();
        try {
            this.credentials = Credentials.load(context.getProperty(Credentials.USER_PROPERTY),
                    context.getProperty(Credentials.PASSWORD_PROPERTY), dataDirectory);
        } catch (IOException | RuntimeException e) {
            logger.error("web console: no password, so no console: {}", e.toString());
            throw e;
        }
        logger.info("web console: user '{}', password from {}", credentials.user(), credentials.source());
        // an etc/config.properties older than the feature: say what is missing instead of serving unguarded
        String providers = context.getProperty("felix.webconsole.security.providers");
        if (providers == null || !java.util.Arrays.asList(providers.split("\\s*,\\s*")).contains(ID)) {
            logger.warn("web console: etc/config.properties lacks felix.webconsole.security.providers = {}: until this"
                    + " bundle runs, Felix's built-in admin/admin answers (docs/web.md, \"Settings\")", ID);
        }
        if (context.getProperty("org.apache.felix.http.host") == null) {
            logger.warn("web console: etc/config.properties sets no org.apache.felix.http.host: the console listens on"
                    + " every address, not on 127.0.0.1 only (docs/web.md, \"Settings\")");
        }
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        if (!Csrf.safeMethod(request.getMethod()) && !Csrf.sameOrigin(request)) {
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "a request from another origin may not change anything here");
            return null;
        }
        String user = check(request.getHeader("Authorization"));
        if (user == null) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
            refuse(response, HttpServletResponse.SC_UNAUTHORIZED, "credentials required (docs/web.md, \"The password\")");
            return null;
        }
        return user;
    }

    /** @return the user when the Authorization header holds the right Basic credentials, else {@code null} */
    String check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String user = decoded.substring(0, colon);
        return credentials.matches(user, decoded.substring(colon + 1)) ? user : null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user != null; // one user, who may do everything
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic credentials live in the browser; the console answers 401 afterwards, which makes the browser forget them
    }

    private static void refuse(HttpServletResponse response, int status, String message) {
        try {
            response.setStatus(status);
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().println(message);
        } catch (IOException | IllegalStateException e) {
            // the client went away: nothing to tell it
        }
    }
}
