package dev.revisor.web.internal;

import dev.revisor.deploy.api.Configurations;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.PrintWriter;
import java.util.NoSuchElementException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The deploy folder: each file, its bundle and state, how its last change ended and why, its marker; the
 * configuration files of etc/. Endpoint: {@code revisor-deploys.json} = {@code audit:deploys --json}. Present only
 * while the deploy bundle runs.
 */
@Component(service = Servlet.class, property = {"felix.webconsole.label=" + DeployPage.LABEL,
        "felix.webconsole.title=Deploy folder", "felix.webconsole.category=" + RevisorPage.CATEGORY})
public final class DeployPage extends RevisorPage {
    private static final long serialVersionUID = 1L;
    static final String LABEL = "revisor-deploys";

    private final transient DeployFolder folder;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile Configurations configurations;

    @Activate
    public DeployPage(@Reference Csrf csrf, @Reference DeployFolder folder) {
        super(LABEL, csrf);
        this.folder = folder;
    }

    @Override
    Object read(String route, HttpServletRequest request) {
        if (!route.isEmpty()) {
            throw new NoSuchElementException("no endpoint '" + route + ".json' on " + LABEL);
        }
        DeployStatusDTO status = folder.status();
        Configurations c = configurations;
        if (c != null) {
            status.configurations = c.files();
        }
        return status;
    }

    @Override
    void body(PrintWriter out) {
        out.println("<div class='rv-bar'><b>Deploy folder</b> <span id='rv-folder' class='rv-muted'></span></div>");
        out.println("<div id='rv-files'></div><div id='rv-configs'></div>");
    }

    @Override
    String script() {
        return "deploys.js";
    }
}
