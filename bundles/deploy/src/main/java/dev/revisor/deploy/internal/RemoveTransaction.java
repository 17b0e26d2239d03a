package dev.revisor.deploy.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.namespace.PackageNamespace;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.StrandedDTO;

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
                List<String> predicted = predictStranded(plan);
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
    /** @return whether everything but the stranded dependents is back (then the removal succeeded) */
    boolean complete(Operation op, String name, Transaction tx, String display, PlanRestarter.Verdict verdict, Exception failure) {
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
                if (Outcomes.fileBytesDoNotRun(dependent)) {
                    revival.strandedOutsideFolder(id); // its record stays rolled-back or refused: started again as such
                }
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
        // a dependent that was stopped for the removal and does not run for another reason: said beside its own file
        for (long id : tx.activeBefore) {
            Bundle b = ctx.bundles.getBundle(id);
            FileRecord dependent = outcomes.byBundle(id);
            if (b == null || Bundles.isRunning(b) || strandedPrefixes.contains(Explain.name(b) + " ") || dependent == null
                    || dependent.file.equals(name)) {
                continue;
            }
            String why = verdict.failures.stream().filter(f -> f.startsWith(Explain.name(b) + " ")).findFirst()
                    .orElse(Explain.name(b) + " is " + Explain.state(b));
            outcomes.dependentDown(op, dependent, b, name, Explain.name(b) + " was stopped for the removal of " + name
                    + " (operation " + op.id() + ") and does not run again: " + why + (verdict.refreshTimedOut
                    ? "; the refresh had not ended in time. Once it has, start it (start " + id + ")" : ""));
        }
        String reason = "removed " + name + ": uninstalled " + display
                + (failure == null ? "" : "; then Revisor failed: " + failure)
                + (strandedNames.isEmpty() ? "" : "; bundles that used it wait for a provider: " + String.join("; ", strandedNames))
                + (others.isEmpty() ? "" : "; not running: " + String.join("; ", others));
        boolean ok = failure == null && others.isEmpty();
        outcomes.outcome(op, ok ? Operation.SUCCEEDED : Operation.FAILED, reason);
        outcomes.forget(name);
        return ok;
    }

    /** Something threw: judge by what happened. Not uninstalled: the plan runs again; uninstalled: complete it. */
    private void afterFailure(Operation op, String name, FileRecord rec, Bundle bundle, Transaction tx, Exception e) {
        String cause = "removing " + name + " failed: " + e;
        if (tx == null) {
            outcomes.outcome(op, Operation.FAILED, cause + "; nothing in the runtime changed, " + Explain.name(bundle) + " keeps running");
            return;
        }
        if (ctx.frameworkStopping()) {
            outcomes.outcome(op, Operation.FAILED, cause + ". The runtime is stopping: Revisor completes this removal at its next start");
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
            outcomes.outcome(op, Operation.FAILED, cause + "; restoring failed too: " + again
                    + ". Revisor completes this removal at its next start");
        }
    }

    /**
     * @return the bundles of the plan that would no longer resolve once the bundle is gone, each with the requirement
     *         it would miss, as the audit's plan says ({@code PlannedRestartDTO.stranded})
     */
    static List<String> predictStranded(RefreshPlanDTO plan) {
        List<String> out = new ArrayList<>();
        if (plan == null || plan.affected == null) {
            return out;
        }
        for (PlannedRestartDTO p : plan.affected) {
            if (p.bundle == null || p.stranded == null) {
                continue;
            }
            for (StrandedDTO s : p.stranded) {
                out.add(p.bundle.display() + " would miss " + (PackageNamespace.PACKAGE_NAMESPACE.equals(s.namespace) ? "package "
                        : s.namespace + " ") + s.name + (s.range == null ? "" : " " + s.range)
                        + (s.provider == null ? "" : " (from " + s.provider.display() + (s.providerStranded ? ", stranded itself" : "") + ")"));
            }
        }
        return out;
    }
}
