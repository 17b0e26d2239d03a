package dev.revisor.web.internal;

import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.Leaks;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The leaks of old bundle revisions, each with its evidence and, once explained, the chain from a GC root.
 * Endpoints: {@code revisor-leaks.json} = the findings so far and the status ({@code {"findings", "status"}} as
 * {@code audit:leaks --json} prints them); POST {@code revisor-leaks/check.json} = {@code audit:leaks --json} (runs
 * the checks); POST {@code revisor-leaks/explain.json} = {@code audit:leaks --explain --json} (dumps the heap and
 * analyzes it in a separate JVM: seconds; its progress goes to the log).
 */
@Component(service = Servlet.class, property = {"felix.webconsole.label=" + LeaksPage.LABEL,
        "felix.webconsole.title=Leaks", "felix.webconsole.category=" + RevisorPage.CATEGORY})
public final class LeaksPage extends RevisorPage {
    private static final long serialVersionUID = 1L;
    static final String LABEL = "revisor-leaks";

    private final transient Leaks leaks;
    private final transient Logger logger;

    @Activate
    public LeaksPage(@Reference Csrf csrf, @Reference Leaks leaks,
            @Reference(service = LoggerFactory.class) Logger logger) {
        super(LABEL, csrf);
        this.leaks = leaks;
        this.logger = logger;
    }

    @Override
    Object read(String route, HttpServletRequest request) {
        if (!route.isEmpty()) {
            throw new NoSuchElementException("no endpoint '" + route + ".json' on " + LABEL);
        }
        return doc(leaks.findings());
    }

    @Override
    Object act(String route, HttpServletRequest request) {
        switch (route) {
            case "check":
                return doc(leaks.check());
            case "explain":
                return doc(leaks.explain(line -> logger.info("web console, leaks explain: {}", line)));
            default:
                return super.act(route, request);
        }
    }

    private Map<String, Object> doc(List<LeakFindingDTO> findings) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("findings", findings);
        doc.put("status", leaks.status());
        return doc;
    }

    @Override
    void body(PrintWriter out) {
        out.println("<div class='rv-bar'><b>Leaks of old revisions</b> <button id='rv-check' type='button'>Check now"
                + "</button> <button id='rv-explain' type='button' title='audit:leaks --explain: dumps the heap and finds"
                + " the chain from a GC root (seconds)'>Explain (--explain)</button> <span id='rv-status'"
                + " class='rv-muted'></span></div>");
        out.println("<div id='rv-findings'></div>");
    }

    @Override
    String script() {
        return "leaks.js";
    }
}
