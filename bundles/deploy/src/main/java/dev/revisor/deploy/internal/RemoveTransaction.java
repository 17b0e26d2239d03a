package dev.revisor.deploy.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;

/**
 * The removal of a file: its bundle is uninstalled (the file is gone: that is the user's intent), the plan is
 * refreshed and restarted, and every dependent that no longer resolves is <em>stranded</em>: named in the removal's
 * record and, when it came from the folder, marked {@code pending} with a {@code .pending} marker that names what it
 * waits for and which file took it away. Who will be stranded is journaled before anything changes.
 * <p>
 * Concurrent Semantics: deploy thread only.
 */
final class RemoveTransaction {
    private final DeployContext ctx;
    private final Outcomes outcomes;
    private final PlanRestarter restarter;
    private final StuckStarts stuck;
    private final Revival revival;

    RemoveTransaction(DeployContext ctx, Outcomes outcomes, PlanRestarter restarter, StuckStarts stuck, Revival revival) {
        this.ctx = ctx;
        this.outcomes = outcomes;
        this.restarter = restarter;
        this.stuck = stuck;
        this.revival = revival;
    }

    void run(String name, FileRecord rec, Bundle bundle) {
        try (Operation op = ctx.begin(name)) {
            Transaction tx = null;
            try {
                RefreshPlanDTO plan = ctx.refreshes.plan(List.of(bundle), Refreshes.Change.UNINSTALL);
                restarter.journalPlan(op, bundle, name, plan);
                List<String> predicted = predictStranded(bundle, plan);
                if (!predicted.isEmpty()) {
                    Map<String, Object> details = DeployContext.details(name, null);
                    details.put("stranded", predicted);
                    ctx.journal.record("deploy.strands", op.id(), bundle, details);
                }
                tx = Transaction.begin(op, name, Transaction.UNINSTALL, bundle);
                restarter.collectStates(plan, bundle, tx);
                ctx.store.writeTransaction(tx);
                String display = Explain.name(bundle);
                restarter.stopAll(tx.activeBefore); // Revisor, not the framework's refresh, starts them again: with the time box
                bundle.uninstall();
                tx.phase = Transaction.APPLIED; // not written: at restart the bundle's absence tells
                ctx.journal.record("deploy.uninstalled", op.id(), bundle, DeployContext.details(name, null));
                PlanRestarter.Verdict verdict = restarter.refreshStartVerify(bundle, tx, name);
                complete(op, name, tx, display, verdict, null);
                ctx.store.clearTransaction();
            } catch (BundleException | IOException | RuntimeException e) {
                ctx.log.error("deploy: removing {} failed: {}", name, e.toString(), e);
                afterFailure(op, name, rec, bundle, tx, e);
            }
        }
    }

    /**
     * The bundle is uninstalled and the plan restarted: names what did not come back, marks the stranded files
     * pending, forgets the removed file.
     *
     * @param failure what went wrong on the way (the refresh threw), or {@code null}
     */
    void complete(Operation op, String name, Transaction tx, String display, PlanRestarter.Verdict verdict, Exception failure) {
        for (Starter.Stuck s : verdict.stuck) {
            stuck.journalStuck(op, name, tx, s);
        }
        List<String> strandedNames = new ArrayList<>();
        List<String> strandedPrefixes = new ArrayList<>();
        Set<Long> ids = new LinkedHashSet<>(tx.activeBefore);
        ids.addAll(tx.resolvedBefore);
        for (long id : ids) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b == null || b.getState() != Bundle.INSTALLED || ctx.wiring.resolveBundles(List.of(b))) {
                continue;
            }
            String waits = Explain.unresolved(b, ctx.wiring);
            strandedNames.add(Explain.name(b) + " (" + waits + ")");
            strandedPrefixes.add(Explain.name(b) + " ");
            FileRecord dependent = outcomes.byBundle(id);
            if (dependent != null && !dependent.file.equals(name)) {
                outcomes.stranded(op, dependent, b, name, "installed " + Explain.name(b) + ", but it waits: " + waits
                        + ", which " + name + " provided until it was removed (operation " + op.id() + "). It starts as soon as"
                        + " a bundle that provides it is deployed.");
            } else {
                revival.strandedOutsideFolder(id);
            }
        }
        List<String> others = new ArrayList<>();
        for (String f : verdict.failures) {
            if (strandedPrefixes.stream().noneMatch(f::startsWith)) {
                others.add(f);
            }
        }
        String reason = "removed " + name + ": uninstalled " + display
                + (failure == null ? "" : "; then Revisor failed: " + failure)
                + (strandedNames.isEmpty() ? "" : "; bundles that used it wait for a provider: " + String.join("; ", strandedNames))
                + (others.isEmpty() ? "" : "; not running: " + String.join("; ", others));
        op.outcome(failure == null && others.isEmpty() ? Operation.SUCCEEDED : Operation.FAILED, reason);
        outcomes.forget(name);
    }

    /** Something threw: judge by what happened. Not uninstalled: the plan runs again; uninstalled: complete it. */
    private void afterFailure(Operation op, String name, FileRecord rec, Bundle bundle, Transaction tx, Exception e) {
        String cause = "removing " + name + " failed: " + e;
        if (tx == null) {
            op.outcome(Operation.FAILED, cause + "; nothing in the runtime changed, " + Explain.name(bundle) + " keeps running");
            return;
        }
        if (ctx.frameworkStopping()) {
            op.outcome(Operation.FAILED, cause + ". The runtime is stopping: Revisor completes this removal at its next start");
            return; // transaction.json stays for the recovery
        }
        try {
            if (bundle.getState() == Bundle.UNINSTALLED) {
                PlanRestarter.Verdict verdict = restarter.refreshStartVerify(bundle, tx, name);
                complete(op, name, tx, Explain.name(bundle), verdict, e);
            } else {
                PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, name, Map.of());
                FileRecord r = rec == null ? outcomes.getOrCreate(name) : rec;
                r.bundleId = bundle.getBundleId();
                outcomes.failed(op, r, bundle, cause + ". " + Explain.name(bundle) + " is still installed"
                        + (verdict.ok() ? "; the bundles stopped for the removal run again"
                                : "; not every bundle stopped for the removal runs again: " + String.join("; ", verdict.failures))
                        + ". Put the jar back, or remove it again", null);
            }
            ctx.store.clearTransaction();
        } catch (IOException | RuntimeException again) {
            ctx.log.error("deploy: restoring after the failed removal of {} failed too: {}", name, again.toString(), again);
            op.outcome(Operation.FAILED, cause + "; restoring failed too: " + again
                    + ". Revisor completes this removal at its next start");
        }
    }

    /**
     * @return the bundles of the plan that would no longer resolve once the bundle is gone: each with the requirement
     *         it would miss (wired to the bundle now, and no other bundle provides it)
     */
    List<String> predictStranded(Bundle removed, RefreshPlanDTO plan) {
        List<String> out = new ArrayList<>();
        if (plan == null || plan.affected == null) {
            return out;
        }
        for (PlannedRestartDTO p : plan.affected) {
            Bundle b = p.bundle == null ? null : ctx.bundles.getBundle(p.bundle.id);
            BundleWiring wiring = b == null || b.getBundleId() == removed.getBundleId() ? null : b.adapt(BundleWiring.class);
            if (wiring == null) {
                continue;
            }
            for (BundleWire wire : wiring.getRequiredWires(null)) {
                if (wire.getProvider().getBundle().getBundleId() != removed.getBundleId()) {
                    continue;
                }
                BundleRequirement req = wire.getRequirement();
                boolean other = false;
                for (BundleCapability c : ctx.wiring.findProviders(req)) {
                    if (c.getRevision().getBundle().getBundleId() != removed.getBundleId()) {
                        other = true;
                        break;
                    }
                }
                if (!other) {
                    out.add(Explain.name(b) + " would miss " + Explain.requirement(req));
                }
            }
        }
        return out;
    }
}
