package dev.revisor.web.internal;

import dev.revisor.audit.api.BundleNames;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The timeline: operations over time, one bar each from start to end with its outcome; a click opens its events, its
 * refresh record and its plan (both are events of the operation: {@code refresh.record}, {@code refresh.planned}).
 * Endpoints: {@code revisor-timeline.json?n=N} = {@code audit:ops --json -n N}; {@code revisor-timeline/ops/ID.json}
 * = {@code audit:op --json ID}; POST {@code revisor-timeline/refresh.json?bundle=B...} = {@code audit:refresh --json B...}.
 */
@Component(service = Servlet.class, property = {"felix.webconsole.label=" + TimelinePage.LABEL,
        "felix.webconsole.title=Timeline", "felix.webconsole.category=" + RevisorPage.CATEGORY})
public final class TimelinePage extends RevisorPage {
    private static final long serialVersionUID = 1L;
    static final String LABEL = "revisor-timeline";
    private static final long REFRESH_TIMEOUT_MILLIS = 60_000;

    private final transient BundleContext context;
    private final transient Operations operations;
    private final transient Journal journal;
    private final transient Refreshes refreshes;

    @Activate
    public TimelinePage(BundleContext context, @Reference Csrf csrf, @Reference Operations operations,
            @Reference Journal journal, @Reference Refreshes refreshes) {
        super(LABEL, csrf);
        this.context = context;
        this.operations = operations;
        this.journal = journal;
        this.refreshes = refreshes;
    }

    @Override
    Object read(String route, HttpServletRequest request) {
        if (route.isEmpty()) {
            return Map.of("operations", operations.recent(number(request, "n", 100, 10_000)));
        }
        if (route.startsWith("ops/")) {
            String id = route.substring("ops/".length());
            OperationDTO op = operations.find(id);
            if (op == null) {
                throw new NoSuchElementException("no operation '" + id + "' in memory or in the journal");
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("operation", op);
            doc.put("events", journal.events(EventQuery.last(number(request, "n", 200, 10_000)).withOperation(op.id)));
            return doc;
        }
        throw new NoSuchElementException("no endpoint '" + route + ".json' on " + LABEL);
    }

    @Override
    Object act(String route, HttpServletRequest request) {
        if (!route.equals("refresh")) {
            return super.act(route, request);
        }
        String[] names = request.getParameterValues("bundle");
        List<Bundle> targets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String n : names == null ? new String[0] : names) {
            try {
                targets.add(BundleNames.find(context, n.trim()));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        String subject = targets.isEmpty() ? "removal-pending bundles"
                : targets.stream().map(b -> BundleRefDTO.of(b).display()).collect(Collectors.joining(", "));
        try (Operation op = operations.begin("refresh", Operations.TRIGGER_API + "web console refresh", subject)) {
            RefreshRecordDTO record = refreshes.refresh(targets, REFRESH_TIMEOUT_MILLIS);
            if (!record.failures.isEmpty()) {
                op.outcome(Operation.FAILED, record.failures.size() + " bundle(s) did not come back: "
                        + String.join("; ", record.failures));
            }
            return record;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the framework refreshed");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the refresh did not end within " + REFRESH_TIMEOUT_MILLIS + " ms: " + e.getMessage());
        }
    }

    @Override
    void body(PrintWriter out) {
        out.println("<div class='rv-bar'><b>Operations over time</b> <span id='rv-live' class='rv-muted'></span>"
                + " <button id='rv-refresh' type='button' title='audit:refresh: refresh the removal-pending bundles'>"
                + "Refresh removal-pending</button></div>");
        out.println("<div id='rv-legend' class='rv-muted'></div>");
        out.println("<svg id='rv-timeline' xmlns='http://www.w3.org/2000/svg' width='100%' height='60'></svg>");
        out.println("<div id='rv-detail'></div>");
    }

    @Override
    String script() {
        return "timeline.js";
    }
}
