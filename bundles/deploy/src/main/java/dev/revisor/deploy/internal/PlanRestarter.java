package dev.revisor.deploy.internal;

import dev.revisor.common.internal.FelixThreads;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * The plan's bundles around a change: notes which were active and resolved before, stops them (so that Revisor, not
 * the framework's refresh thread, starts them again, each within {@code start.timeout.ms}), refreshes through the
 * audit (which returns when the framework has called back for that very refresh), starts them again and judges
 * whether every one of them is back.
 * <p>
 * Concurrent Semantics: deploy thread only. The starts run on the {@link Starter}'s threads.
 */
final class PlanRestarter {
    /** What verification found: the failures, and the starts that had not returned among them. */
    static final class Verdict {
        final List<String> failures = new ArrayList<>();
        final List<Starter.Stuck> stuck = new ArrayList<>();
        /** What the starts that returned threw, by bundle id. */
        final Map<Long, Throwable> thrown = new LinkedHashMap<>();
        boolean refreshTimedOut;

        boolean ok() {
            return failures.isEmpty() && stuck.isEmpty();
        }

        static Verdict failure(String why) {
            Verdict v = new Verdict();
            v.failures.add(why);
            return v;
        }
    }

    private final DeployContext ctx;
    private final Outcomes outcomes;

    PlanRestarter(DeployContext ctx, Outcomes outcomes) {
        this.ctx = ctx;
        this.outcomes = outcomes;
    }

    /** Fills activeBefore and resolvedBefore from the plan and the framework as it is now. */
    void collectStates(RefreshPlanDTO plan, Bundle changed, Transaction tx) {
        Set<Long> ids = new LinkedHashSet<>();
        ids.add(changed.getBundleId());
        if (plan != null && plan.affected != null) {
            for (PlannedRestartDTO p : plan.affected) {
                if (p.bundle != null) {
                    ids.add(p.bundle.id);
                }
            }
        }
        for (long id : ids) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b == null || (Transaction.UNINSTALL.equals(tx.action) && id == changed.getBundleId())) {
                continue;
            }
            if (Bundles.isRunning(b) || stoppedForAMoment(b)) {
                tx.activeBefore.add(id);
            } else if (b.getState() == Bundle.RESOLVED) {
                tx.resolvedBefore.add(id);
            }
        }
    }

    /**
     * A bundle of the folder that Revisor deployed and the framework still means to run (persistently started), but
     * that does not run at this moment: someone else's refresh has stopped it and will start it again (Felix stops the
     * bundles of a refresh transiently), or a start-level change has not reached it. It counts as running before the
     * change, so the change starts it again and says whether it runs: its state of this moment is not what the user
     * left (fault campaign, seeds 1103 and 1865: an update during a shell refresh left the new bytes "not started: it
     * was not running before"). A bundle someone stopped ({@code stop ID}) is no longer persistently started and stays
     * stopped.
     */
    private boolean stoppedForAMoment(Bundle b) {
        if (b.getState() == Bundle.UNINSTALLED || !Bundles.persistentlyStarted(b)) {
            return false;
        }
        FileRecord rec = outcomes.byBundle(b.getBundleId());
        return rec != null && DeployFileDTO.DEPLOYED.equals(rec.state);
    }

    /** Journals the plan ({@code deploy.plan}): which bundles the change affects, which of them restart. */
    void journalPlan(dev.revisor.audit.api.Operation op, Bundle bundle, String file, RefreshPlanDTO plan) {
        Map<String, Object> details = DeployContext.details(file, null);
        details.put("change", plan == null ? null : plan.change);
        List<String> affected = new ArrayList<>();
        List<String> restarts = new ArrayList<>();
        if (plan != null && plan.affected != null) {
            for (PlannedRestartDTO p : plan.affected) {
                if (p.bundle != null) {
                    affected.add(p.bundle.display());
                    if (p.restarts) {
                        restarts.add(p.bundle.display());
                    }
                }
            }
        }
        details.put("affected", affected);
        details.put("restarts", restarts);
        ctx.journal.record("deploy.plan", op.id(), bundle, details);
    }

    /**
     * Refreshes after a change (waiting for the framework's completion of this refresh), starts what was active
     * before and checks that every bundle of the plan is back.
     */
    Verdict refreshStartVerify(Bundle changed, Transaction tx, String file) {
        try {
            ctx.refreshes.refresh(changed == null ? List.of() : List.of(changed), ctx.settings.refreshTimeoutMillis);
        } catch (TimeoutException e) {
            Verdict verdict = Verdict.failure("the refresh did not end within " + Explain.duration(ctx.settings.refreshTimeoutMillis)
                    + refreshThreadAt());
            verdict.refreshTimedOut = true;
            return verdict;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Verdict.failure("the transaction was interrupted (the runtime is stopping)");
        }
        return verify(tx, changed, file, Map.of());
    }

    /** @return where the framework's refresh thread is, when there is one */
    private static String refreshThreadAt() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (FelixThreads.isWiring(e.getKey())) {
                return "; the framework's refresh thread is at " + Explain.stuckAt(e.getValue());
            }
        }
        return "";
    }

    /**
     * Starts what was active before (each start within start.timeout.ms); checks it is active and that what was
     * resolved is resolved.
     *
     * @param known starts that returned late with an exception, by bundle id: not started again, reported with it
     */
    Verdict verify(Transaction tx, Bundle changed, String file, Map<Long, Throwable> known) {
        Verdict verdict = new Verdict();
        Map<Long, Starter.Result> results = startAll(tx.activeBefore, file, known);
        long deadline = System.nanoTime() + ctx.settings.verifyTimeoutMillis * 1_000_000L;
        List<Bundle> notActive = notActive(tx.activeBefore);
        // the refresh has ended and the starts above returned: only a bundle another thread is still stopping can
        // change by itself; wait for those, at most verify.timeout.ms, and judge the others at once
        while (!notActive.isEmpty() && System.nanoTime() < deadline
                && notActive.stream().anyMatch(b -> b.getState() == Bundle.STOPPING)) {
            try {
                Thread.sleep(20);
                results.putAll(startAll(tx.activeBefore, file, known));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            notActive = notActive(tx.activeBefore);
        }
        for (Starter.Result r : results.values()) {
            if (r.stuck != null) {
                verdict.stuck.add(r.stuck);
                verdict.failures.add(r.stuck.describe());
            }
        }
        for (Bundle b : notActive) {
            Starter.Result r = results.get(b.getBundleId());
            Throwable thrown = known.containsKey(b.getBundleId()) ? known.get(b.getBundleId()) : r == null ? null : r.failure;
            if (thrown != null) {
                verdict.thrown.put(b.getBundleId(), thrown);
            }
            boolean resolveError = thrown instanceof BundleException && ((BundleException) thrown).getType() == BundleException.RESOLVE_ERROR;
            if (thrown != null && !resolveError) {
                verdict.failures.add(Explain.name(b) + " is " + Explain.state(b) + ": " + Explain.failure(thrown));
            } else if (r != null && r.refused != null) {
                verdict.failures.add(Explain.name(b) + " is " + Explain.state(b) + ": it was not started: " + r.refused);
            } else {
                verdict.failures.add(Explain.name(b) + " is " + Explain.state(b) + ": " + whyNotActive(b));
            }
        }
        for (long id : tx.activeBefore) {
            // a bundle whose own file was removed meanwhile (its removal does not wait for this transaction's stuck
            // start: it is not wired to the stuck bundle's dependents) is gone on purpose, not a failure of this change
            // (fault campaign, seed 3857: the update was judged failed and rolled back for it)
            if (ctx.bundles.getBundle(id) == null && (changed == null || changed.getBundleId() != id) && outcomes.byBundle(id) != null) {
                verdict.failures.add("bundle " + id + " is gone");
            }
        }
        List<Bundle> resolved = new ArrayList<>();
        for (long id : tx.resolvedBefore) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b != null && b.getState() == Bundle.INSTALLED) {
                resolved.add(b);
            }
        }
        if (!resolved.isEmpty() && !ctx.wiring.resolveBundles(resolved)) {
            for (Bundle b : resolved) {
                if (b.getState() == Bundle.INSTALLED) {
                    verdict.failures.add(Explain.name(b) + " no longer resolves: " + Explain.unresolved(b, ctx.wiring));
                }
            }
        }
        return verdict;
    }

    /**
     * @return the bundles of the list that exist and do not run: neither active, nor starting lazily (waiting for its
     *         first class load) or in a start Revisor reported stuck. A bundle STARTING for another reason (another
     *         thread's start that may still throw) is not counted as running.
     */
    List<Bundle> notActive(List<Long> ids) {
        List<Bundle> out = new ArrayList<>();
        for (long id : ids) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b != null && b.getState() != Bundle.ACTIVE
                    && !(b.getState() == Bundle.STARTING && (Bundles.isLazy(b) || ctx.starter.isStuck(id)))) {
                out.add(b);
            }
        }
        return out;
    }

    /** Why a bundle that was started (and whose start did not throw) is not active; never starts it again. */
    private String whyNotActive(Bundle b) {
        if (b.getState() == Bundle.INSTALLED && !ctx.wiring.resolveBundles(List.of(b))) {
            return "it does not resolve: " + Explain.unresolved(b, ctx.wiring);
        }
        return "it did not start";
    }

    /**
     * Starts the bundles that are not active, in order, each within start.timeout.ms; never one whose start is stuck.
     *
     * @param skip bundles not to start (their late start threw)
     * @return how each start went, by bundle id
     */
    Map<Long, Starter.Result> startAll(List<Long> ids, String file, Map<Long, ?> skip) {
        Map<Long, Starter.Result> results = new LinkedHashMap<>();
        for (long id : ids) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b == null || skip.containsKey(id) || b.getState() == Bundle.ACTIVE || Bundles.isFragment(b)
                    || ctx.starter.isStuck(id) || (b.getState() == Bundle.STARTING && Bundles.isLazy(b))) {
                continue;
            }
            results.put(id, ctx.starter.start(b, Bundle.START_ACTIVATION_POLICY, file));
        }
        return results;
    }

    /**
     * Stops the bundles transiently, the last first; never one whose start is stuck (the stop would wait for it).
     *
     * @return the names of those that could not be stopped, each with why (they run on; the refresh stops them)
     */
    List<String> stopAll(List<Long> ids) {
        List<Long> reversed = new ArrayList<>(ids);
        Collections.reverse(reversed);
        List<String> failures = new ArrayList<>();
        for (long id : reversed) {
            Bundle b = ctx.bundles.getBundle(id);
            if (b != null && !ctx.starter.isStuck(id)) {
                String failure = stopTransient(b);
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }
        return failures;
    }

    /** @return why the stop failed, or {@code null} when it stopped or had nothing to stop */
    String stopTransient(Bundle bundle) {
        if (Bundles.isFragment(bundle) || ctx.starter.isStuck(bundle.getBundleId()) || !Bundles.isRunning(bundle)) {
            return null;
        }
        try {
            bundle.stop(Bundle.STOP_TRANSIENT);
            return null;
        } catch (BundleException | IllegalStateException e) {
            ctx.log.warn("deploy: stopping {} failed: {}", Explain.name(bundle), e.getMessage());
            return Explain.name(bundle) + ": its stop failed: " + Explain.firstLine(e.getMessage());
        }
    }

    /** @return the names of the bundles of the list that are not running now, e.g. for a reason that says so */
    List<String> namesNotRunning(List<Long> ids) {
        List<String> names = new ArrayList<>();
        for (Bundle b : notActive(ids)) {
            names.add(Explain.name(b) + " (" + Explain.state(b) + ")");
        }
        return names;
    }
}
