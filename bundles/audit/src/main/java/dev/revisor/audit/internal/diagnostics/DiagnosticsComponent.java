package dev.revisor.audit.internal.diagnostics;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.Diagnostics;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.WhyReportDTO;
import dev.revisor.audit.api.WiringReportDTO;

/**
 * The {@link Diagnostics} service. Each call takes a fresh look at the framework; the only state kept between calls
 * is the weakly held list of classes per wiring ({@link LocalContent}).
 * <p>
 * Concurrent Semantics: thread safe.
 */
@Component(service = Diagnostics.class)
public final class DiagnosticsComponent implements Diagnostics {
    private final BundleContext context;
    private final LocalContent localContent = new LocalContent();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Journal journal;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime scr;

    @Activate
    public DiagnosticsComponent(BundleContext context) {
        this.context = context;
    }

    @Override
    public ConflictReportDTO conflicts() {
        return new ConflictAnalysis(state()).report();
    }

    @Override
    public WiringReportDTO wiring(Bundle bundle) {
        return new WiringAnalysis(state()).report(bundle);
    }

    @Override
    public WhyReportDTO why(Bundle bundle, boolean start) {
        return new WhyAnalysis(context, localContent, journal, scr).why(bundle, start);
    }

    private FrameworkState state() {
        return new FrameworkState(WhyAnalysis.allBundles(context), localContent);
    }
}
