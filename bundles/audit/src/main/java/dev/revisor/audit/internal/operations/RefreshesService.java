package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.internal.EventTypes;

/**
 * The {@link Refreshes} service, one instance per using bundle so that a refresh it begins is triggered by
 * {@code api:<that bundle>}. Plans are computed by {@link RefreshPlanner}, refreshes recorded by the
 * {@link OperationTracker}.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@Component(service = Refreshes.class, scope = ServiceScope.BUNDLE)
public final class RefreshesService implements Refreshes {
    private final BundleContext context;
    private final OperationTracker tracker;
    private final Journal journal;
    private final String caller;
    private final Dtos dtos = new Dtos();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime scr;

    @Activate
    public RefreshesService(BundleContext context, ComponentContext component, @Reference OperationTracker tracker,
            @Reference Journal journal) {
        this.context = context;
        this.tracker = tracker;
        this.journal = journal;
        Bundle user = component.getUsingBundle();
        this.caller = user == null || user.getSymbolicName() == null ? "unknown" : user.getSymbolicName();
    }

    @Override
    public RefreshPlanDTO plan(Collection<Bundle> bundles, Change change) {
        RefreshPlanDTO plan = RefreshPlanner.plan(context, scr, bundles, change == null ? Change.REFRESH : change);
        String operation = tracker.currentId();
        if (operation != null) { // shown before, recorded as part of the operation it prepares
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("change", plan.change);
            details.put("triggers", Dtos.ids(plan.triggers));
            List<Long> affected = new ArrayList<>();
            int restarts = 0;
            for (PlannedRestartDTO p : plan.affected) {
                affected.add(p.bundle.id);
                restarts += p.restarts ? 1 : 0;
            }
            details.put("affected", affected);
            details.put("restarts", restarts);
            details.put("plan", dtos.toMap(plan));
            journal.record(EventTypes.REFRESH_PLANNED, operation, null, details);
        }
        return plan;
    }

    @Override
    public RefreshRecordDTO refresh(Collection<Bundle> bundles, long timeoutMillis)
            throws InterruptedException, TimeoutException {
        return tracker.refresh(caller, bundles, timeoutMillis);
    }

    @Override
    public boolean refreshing() {
        return tracker.refreshing();
    }
}
