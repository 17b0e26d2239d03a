package dev.revisor.web.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * One Revisor page of the console: {@code /system/console/LABEL} is the page (the console draws its frame around
 * it), {@code LABEL.json} and {@code LABEL/ROUTE.json} are its JSON endpoints (GET reads; POST acts, with the CSRF
 * token), {@code LABEL/res/...} its scripts and styles (served by the console from this bundle's {@code res/}). The
 * JSON is the document the matching {@code --json} command prints, in the same style: pretty-printed, nulls left out,
 * no HTML escaping. Runs on the HTTP server's threads; subclasses hold only services.
 */
abstract class RevisorPage extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String CATEGORY = "Revisor";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

    private final String label;
    private final transient Csrf csrf;

    RevisorPage(String label, Csrf csrf) {
        this.label = label;
        this.csrf = csrf;
    }

    /** @return the document of a GET endpoint: {@code route} is "" for {@code LABEL.json}, else the path without .json */
    abstract Object read(String route, HttpServletRequest request);

    /** @return the document of a POST action; by default there is none */
    Object act(String route, HttpServletRequest request) {
        throw new NoSuchElementException("no action '" + route + "' on " + label);
    }

    /** Writes the page's own markup (inside the console's frame). */
    abstract void body(PrintWriter out);

    /** The script of this page, in res/. */
    abstract String script();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String rest = rest(request);
        if (rest.isEmpty() || rest.equals(".html")) {
            page(request, response);
        } else if (rest.endsWith(".json")) {
            answer(response, () -> read(route(rest), request));
        } else {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such page or endpoint: " + request.getRequestURI());
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String rest = rest(request);
        if (!csrf.hasToken(request)) {
            error(response, HttpServletResponse.SC_FORBIDDEN, "an action needs the page's token in the " + Csrf.HEADER
                    + " header (docs/web.md, \"Security\")");
        } else if (!rest.endsWith(".json")) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such action: " + request.getRequestURI());
        } else {
            answer(response, () -> act(route(rest), request));
        }
    }

    private void page(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object pluginRoot = request.getAttribute("felix.webconsole.pluginRoot");
        String root = pluginRoot != null ? pluginRoot.toString() : request.getContextPath() + "/" + label;
        response.setContentType("text/html;charset=UTF-8");
        PrintWriter out = response.getWriter();
        out.println("<meta name='revisor-csrf' content='" + csrf.token() + "'>");
        out.println("<link rel='stylesheet' href='" + root + "/res/revisor.css'>");
        out.println("<div id='revisor' data-root='" + root + "'>");
        body(out);
        out.println("</div>");
        out.println("<script src='" + root + "/res/revisor.js'></script>");
        out.println("<script src='" + root + "/res/" + script() + "'></script>");
    }

    /** The request path after /LABEL: "", ".json", "/ops/op-1.json", ... */
    private String rest(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int at = uri.indexOf("/" + label);
        return at < 0 ? "" : uri.substring(at + 1 + label.length());
    }

    private static String route(String rest) {
        String r = rest.substring(0, rest.length() - ".json".length());
        return r.startsWith("/") ? r.substring(1) : r;
    }

    private interface Document {
        Object get();
    }

    private static void answer(HttpServletResponse response, Document document) throws IOException {
        Object doc;
        try {
            doc = document.get();
        } catch (IllegalArgumentException e) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        } catch (NoSuchElementException e) {
            error(response, HttpServletResponse.SC_NOT_FOUND, e.getMessage());
            return;
        } catch (IllegalStateException e) {
            error(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, e.getMessage());
            return;
        }
        json(response, HttpServletResponse.SC_OK, doc);
    }

    static void error(HttpServletResponse response, int status, String message) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("error", message);
        json(response, status, doc);
    }

    private static void json(HttpServletResponse response, int status, Object doc) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().println(GSON.toJson(doc));
    }

    /** @return the integer parameter, {@code absent} when it is missing; a clear error when it is not a number in range */
    static int number(HttpServletRequest request, String name, int absent, int max) {
        String value = request.getParameter(name);
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1 || n > max) {
                throw new IllegalArgumentException("parameter " + name + " must be between 1 and " + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter " + name + " must be a number, not '" + value + "'");
        }
    }

    /** @return the required parameter; a clear error when it is missing */
    static String required(HttpServletRequest request, String name, String what) {
        String value = request.getParameter(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("parameter " + name + " is missing: " + what);
        }
        return value.trim();
    }
}
