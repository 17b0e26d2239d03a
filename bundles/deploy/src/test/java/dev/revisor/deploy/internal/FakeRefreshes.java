package dev.revisor.deploy.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.StrandedDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * The audit's refreshes over the {@link FakeFramework}: {@link #plan} is the dependency closure as it stands (each
 * bundle with its state, whether it restarts, whether the change removes it); {@link #refresh} asks the framework's
 * {@code refreshBundles} and waits for that call's own listener, at most the timeout ({@link TimeoutException}
 * then, as the real one). The {@link FaultPlan} step {@link Step#AUDIT_REFRESH} throws before the framework is asked
 * (an {@code IllegalStateException} as Felix throws while it stops, a {@code TimeoutException}, ...).
 * {@link #refreshing} is true while the framework has not called the last refresh's listener.
 * Concurrent Semantics: thread safe.
 */
final class FakeRefreshes implements Refreshes {
    private final FakeFramework fw;
    private final FakeJournal journal;
    /** How many refreshes were asked for, for assertions. */
    final List<List<String>> requested = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The last refresh the framework was asked for, until its listener is called. */
    private volatile CountDownLatch running;

    FakeRefreshes(FakeFramework fw, FakeJournal journal) {
        this.fw = fw;
        this.journal = journal;
    }

    @Override
    public RefreshPlanDTO plan(Collection<Bundle> bundles, Change change) {
        fw.faults().check(Step.AUDIT_PLAN, bundles.isEmpty() ? null : bundles.iterator().next().getSymbolicName());
        RefreshPlanDTO plan = new RefreshPlanDTO();
        plan.change = change.name();
        plan.triggers = new ArrayList<>();
        plan.affected = new ArrayList<>();
        plan.servicesInUse = new ArrayList<>();
        for (Bundle b : bundles) {
            plan.triggers.add(BundleRefDTO.of(b));
        }
        for (Bundle b : fw.getDependencyClosure(bundles)) {
            PlannedRestartDTO p = new PlannedRestartDTO();
            p.bundle = BundleRefDTO.of(b);
            p.state = Explain.state(b);
            p.restarts = b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING;
            p.removed = change == Change.UNINSTALL && bundles.contains(b);
            p.reasons = new ArrayList<>();
            p.components = new ArrayList<>();
            p.services = new ArrayList<>();
            p.problems = new ArrayList<>();
            p.stranded = change == Change.UNINSTALL && !bundles.contains(b) ? stranded((FakeBundle) b, bundles) : new ArrayList<>();
            plan.affected.add(p);
        }
        return plan;
    }

    /** @return the imports of the bundle that are wired to a removed bundle and that no other bundle exports, as the planner says */
    private List<StrandedDTO> stranded(FakeBundle b, Collection<Bundle> removed) {
        List<StrandedDTO> out = new ArrayList<>();
        FakeRevision rev = b.current;
        if (rev == null || rev.wires == null) {
            return out;
        }
        for (FakeRevision.Import imp : rev.imports) {
            FakeRevision provider = rev.wires.get(imp.name);
            if (imp.optional || provider == null || !removed.contains(provider.bundle)) {
                continue;
            }
            boolean other = false;
            for (Bundle candidate : fw.getBundles()) {
                FakeRevision c = ((FakeBundle) candidate).current;
                if (!removed.contains(candidate) && c != null && c.exports.stream().anyMatch(imp::accepts)) {
                    other = true;
                }
            }
            if (!other) {
                StrandedDTO s = new StrandedDTO();
                s.namespace = "osgi.wiring.package";
                s.name = imp.name;
                s.range = imp.range == null ? null : imp.range.toString();
                s.provider = BundleRefDTO.of(provider.bundle);
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public RefreshRecordDTO refresh(Collection<Bundle> bundles, long timeoutMillis) throws InterruptedException, TimeoutException {
        List<String> names = new ArrayList<>();
        for (Bundle b : bundles) {
            names.add(Explain.name(b));
        }
        requested.add(names);
        String first = bundles.isEmpty() ? null : bundles.iterator().next().getSymbolicName();
        fw.faults().check(Step.AUDIT_REFRESH, first);
        RefreshRecordDTO record = new RefreshRecordDTO();
        record.start = Instant.now().toString();
        record.requested = true;
        record.triggers = new ArrayList<>();
        for (Bundle b : bundles) {
            record.triggers.add(BundleRefDTO.of(b));
        }
        CountDownLatch done = new CountDownLatch(1);
        running = done;
        try {
            fw.refreshBundles(bundles.isEmpty() ? null : new ArrayList<>(bundles), event -> {
                if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                    done.countDown();
                }
            });
        } catch (RuntimeException e) { // refused: no refresh runs
            done.countDown();
            throw e;
        }
        if (!done.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("the refresh of " + names + " did not end within " + timeoutMillis + " ms");
        }
        record.end = Instant.now().toString();
        record.failures = new ArrayList<>(fw.frameworkErrors);
        journal.record("refresh.done", null, null, new java.util.LinkedHashMap<>(java.util.Map.of("triggers", names)));
        return record;
    }

    @Override
    public boolean refreshing() {
        CountDownLatch last = running;
        return last != null && last.getCount() > 0;
    }
}
