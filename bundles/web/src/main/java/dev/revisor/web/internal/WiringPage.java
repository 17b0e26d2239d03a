package dev.revisor.web.internal;

import dev.revisor.audit.api.BundleNames;
import dev.revisor.audit.api.Diagnostics;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.PrintWriter;
import java.util.NoSuchElementException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The wiring: for a package or a bundle, a graph of exporters and importers with versions; packages with several
 * exporters, split packages and private copies highlighted; what {@code audit:why} says for a bundle that is not
 * active. Endpoints: {@code revisor-wiring.json} = {@code audit:conflicts --json};
 * {@code revisor-wiring/bundle.json?bundle=B} = {@code audit:wiring --json B};
 * {@code revisor-wiring/why.json?bundle=B} = {@code audit:why --json B}.
 */
@Component(service = Servlet.class, property = {"felix.webconsole.label=" + WiringPage.LABEL,
        "felix.webconsole.title=Wiring", "felix.webconsole.category=" + RevisorPage.CATEGORY})
public final class WiringPage extends RevisorPage {
    private static final long serialVersionUID = 1L;
    static final String LABEL = "revisor-wiring";

    private final transient BundleContext context;
    private final transient Diagnostics diagnostics;

    @Activate
    public WiringPage(BundleContext context, @Reference Csrf csrf, @Reference Diagnostics diagnostics) {
        super(LABEL, csrf);
        this.context = context;
        this.diagnostics = diagnostics;
    }

    @Override
    Object read(String route, HttpServletRequest request) {
        switch (route) {
            case "":
                return diagnostics.conflicts();
            case "bundle":
                return diagnostics.wiring(BundleNames.find(context,
                        required(request, "bundle", "an id, a symbolic name or symbolicName/version")));
            case "why":
                return diagnostics.why(BundleNames.find(context,
                        required(request, "bundle", "an id, a symbolic name or symbolicName/version")));
            default:
                throw new NoSuchElementException("no endpoint '" + route + ".json' on " + LABEL);
        }
    }

    @Override
    void body(PrintWriter out) {
        out.println("<div class='rv-bar'><b>Packages and bundles</b> <label>bundle <input id='rv-bundle'"
                + " placeholder='id, name or name/version' size='32'></label> <button id='rv-show' type='button'>Show"
                + "</button></div>");
        out.println("<div class='rv-cols'><div id='rv-packages' class='rv-list'></div>"
                + "<div><svg id='rv-graph' xmlns='http://www.w3.org/2000/svg' width='100%' height='40'></svg>"
                + "<div id='rv-why'></div></div></div>");
    }

    @Override
    String script() {
        return "wiring.js";
    }
}
