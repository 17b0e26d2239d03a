package dev.revisor.web.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.osgi.service.component.annotations.Component;

/**
 * Cross-site request forgery checks. The console authenticates with HTTP Basic, which a browser sends along with
 * any request to the console, whichever page made it: so every action of the Revisor pages is a POST that must carry
 * the token of this process in the {@value #HEADER} header (a page of another origin can neither read the token nor
 * send a custom header without a CORS preflight, which the console never grants), and any unsafe request to the
 * console (its own pages too) that says it comes from another origin ({@code Origin}, else {@code Referer}) is refused.
 * One token per activation (a process): a DS component that the security provider and the pages share.
 * Immutable; thread safe.
 */
@Component(service = Csrf.class)
public final class Csrf {
    static final String HEADER = "X-Revisor-CSRF";

    private final String token;

    public Csrf() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        this.token = HexFormat.of().formatHex(bytes);
    }

    String token() {
        return token;
    }

    /** Whether the request carries this process's token in the header. */
    boolean hasToken(HttpServletRequest request) {
        String sent = request.getHeader(HEADER);
        return sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    /** GET, HEAD, OPTIONS and TRACE change nothing. */
    static boolean safeMethod(String method) {
        return "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method) || "TRACE".equals(method);
    }

    /**
     * @return whether the request's Origin (or, without one, its Referer) names the host and port the request was
     *         sent to; a request with neither (a script, curl) passes
     */
    static boolean sameOrigin(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin == null || origin.isEmpty()) {
            origin = request.getHeader("Referer");
        }
        if (origin == null || origin.isEmpty()) {
            return true;
        }
        String host = request.getHeader("Host");
        if (host == null) {
            return false;
        }
        try {
            URI uri = URI.create(origin.trim());
            String authority = uri.getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host.trim())
                    && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
