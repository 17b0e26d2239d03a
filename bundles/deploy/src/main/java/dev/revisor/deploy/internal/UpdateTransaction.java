package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * The update of a bundle from a changed file: API gate, plan, stop, new bytes, refresh, start, verify; and when that
 * fails, the rollback to the previous bytes (also for transactions finished late, see {@link StuckStarts}). A failure
 * at any step after the first stop is judged by what then runs, never reported as "nothing changed".
 * <p>
 * Concurrent Semantics: deploy thread only.
 */
final class UpdateTransaction {
    private final DeployContext ctx;
    private final Outcomes outcomes;
    private final PlanRestarter restarter;
    private final StuckStarts stuck;
    private final InstallTransaction install;

    UpdateTransaction(DeployContext ctx, Outcomes outcomes, PlanRestarter restarter, StuckStarts stuck, InstallTransaction install) {
        this.ctx = ctx;
        this.outcomes = outcomes;
        this.restarter = restarter;
        this.stuck = stuck;
        this.install = install;
    }

    /** @return whether the update is in place and every bundle of its plan runs */
    boolean run(FileRecord rec, JarFacts facts, Bundle bundle) throws IOException {
        String name = rec.file;
        boolean wasDeployed = DeployFileDTO.DEPLOYED.equals(rec.state);
        rec.location = bundle.getLocation(); // adopts a bundle installed from this file without Revisor
        rec.bundleId = bundle.getBundleId();
        Path previous = ctx.store.bytes(name);
        if (!Files.exists(previous)) {
            Bundles.snapshot(bundle, previous);
        }
        boolean keepStaged = false;
        try (Operation op = ctx.begin(name)) {
            ApiGatePolicy.Verdict gate = ApiGatePolicy.check(ctx, outcomes, op, rec, facts, bundle, previous);
            if (gate.refused) {
                return false;
            }
            String gateNote = gate.note;
            RefreshPlanDTO plan = ctx.refreshes.plan(List.of(bundle), Refreshes.Change.UPDATE);
            restarter.journalPlan(op, bundle, name, plan);
            Transaction tx = Transaction.begin(op, name, Transaction.UPDATE, bundle);
            tx.sha256 = facts.sha256;
            tx.previousSha256 = rec.sha256;
            tx.lastModifiedBefore = bundle.getLastModified();
            restarter.collectStates(plan, bundle, tx);
            ctx.store.writeTransaction(tx);
            String before = Explain.name(bundle);
            try {
                // the bundle and the active bundles of its plan are stopped here, so that Revisor starts them again itself,
                // each within start.timeout.ms, instead of the framework's refresh thread (which holds the framework's
                // global lock while it restarts them: an activator that blocks there would block the whole runtime)
                restarter.stopAll(tx.activeBefore);
                restarter.stopTransient(bundle);
                try (InputStream in = Files.newInputStream(ctx.store.staging(name))) {
                    bundle.update(in);
                } catch (BundleException e) {
                    if (bundle.getLastModified() != tx.lastModifiedBefore) {
                        // the bytes are in place, but the framework's own restart of the bundle threw (another thread had
                        // started it again meanwhile): that is an update that failed, rolled back as such
                        tx.phase = Transaction.APPLIED;
                        rollBack(op, rec, bundle, tx, previous, "the update to " + facts.display() + " failed: the framework"
                                + " applied the new bytes, then " + Explain.firstLine(e.getMessage()), e.getCause());
                        ctx.store.clearTransaction();
                        return false;
                    }
                    notApplied(op, rec, bundle, tx, "the framework refused the new bytes: " + Explain.firstLine(e.getMessage()), "framework");
                    return false;
                }
                tx.phase = Transaction.APPLIED; // not written: at restart the bundle's content tells
                Map<String, Object> updated = DeployContext.details(name, facts.sha256);
                updated.put("from", before);
                ctx.journal.record("deploy.updated", op.id(), bundle, updated);
                PlanRestarter.Verdict verdict = restarter.refreshStartVerify(bundle, tx, name);
                String what = "the update to " + facts.display();
                if (verdict.ok()) {
                    ctx.store.keep(name);
                    rec.sha256 = facts.sha256;
                    rec.triedSha256 = null;
                    String done = "updated " + before + " to " + bundle.getVersion() + (gateNote == null ? "" : "; " + gateNote);
                    if (tx.activeBefore.contains(bundle.getBundleId()) || Bundles.isFragment(bundle)) {
                        outcomes.deployed(op, rec, done);
                    } else if (wasDeployed) {
                        // deployed, but someone stopped it: the update does not start it behind their back
                        outcomes.deployed(op, rec, done + " (not started: it was not running before the update; start it with"
                                + " start " + bundle.getBundleId() + ")");
                    } else {
                        // its last bytes did not run (failed, pending, refused before): the new bytes start as a new bundle
                        // would, and the record says whether they do
                        install.startNewBundle(op, rec, bundle, done);
                    }
                    ctx.store.clearTransaction();
                    return true;
                } else if (!verdict.stuck.isEmpty()) {
                    keepStaged = true; // kept until the starts return: then the update is kept or rolled back
                    stuck.unfinished(op, rec, bundle, tx, verdict, what + " is not finished:");
                } else if (verdict.refreshTimedOut) {
                    refreshTimedOut(op, rec, bundle, tx, what + " failed: " + String.join("; ", verdict.failures));
                } else {
                    rollBack(op, rec, bundle, tx, previous, what + " failed: " + String.join("; ", verdict.failures),
                            verdict.thrown.get(bundle.getBundleId()));
                }
                ctx.store.clearTransaction();
                return false;
            } catch (RuntimeException | IOException e) {
                keepStaged = afterFailure(op, rec, bundle, tx, previous, e);
                return false;
            } catch (Error e) {
                keepStaged = true; // the write-ahead record and the staged bytes stay: the next start recovers
                throw e;
            }
        } finally {
            if (!keepStaged) {
                ctx.store.discardStaged(name);
            }
        }
    }

    /**
     * Something threw after the first stop: judge by what runs now. The bytes are the previous ones: start the plan
     * again; they are the new ones: roll back. When the framework is stopping nothing more can be done: the
     * write-ahead record stays, and the next start completes or rolls back.
     *
     * @return whether the staged bytes must be kept (for the recovery at the next start)
     */
    private boolean afterFailure(Operation op, FileRecord rec, Bundle bundle, Transaction tx, Path previous, Exception e) {
        ctx.log.error("deploy: the update of {} failed: {}", rec.file, e.toString(), e);
        String cause = "the update of " + rec.file + " failed at " + (Transaction.APPLIED.equals(tx.phase) ? "its refresh or starts" : "its stops")
                + ": " + e;
        if (ctx.frameworkStopping()) {
            List<String> down = restarter.namesNotRunning(tx.activeBefore);
            outcomes.failed(op, rec, bundle, cause + ". The runtime is stopping: Revisor completes or rolls back this update at"
                    + " its next start" + (down.isEmpty() ? "" : "; not running now: " + String.join(", ", down)), null);
            return true; // transaction.json and the staged bytes stay for the recovery
        }
        try {
            boolean applied = Transaction.APPLIED.equals(tx.phase) || bundle.getLastModified() != tx.lastModifiedBefore;
            if (applied) {
                rollBack(op, rec, bundle, tx, previous, cause, null);
            } else {
                notApplied(op, rec, bundle, tx, cause, "internal");
            }
            ctx.store.clearTransaction();
        } catch (RuntimeException | IOException again) {
            ctx.log.error("deploy: restoring after the failed update of {} failed too: {}", rec.file, again.toString(), again);
            List<String> down = restarter.namesNotRunning(tx.activeBefore);
            outcomes.failed(op, rec, bundle, cause + "; restoring failed too: " + again
                    + (down.isEmpty() ? "" : "; not running now: " + String.join(", ", down))
                    + ". Revisor completes or rolls back this update at its next start", null);
            return true;
        }
        return false;
    }

    /**
     * The new bytes were never applied but the plan's bundles were stopped: start them again and say what runs. Only
     * when every one of them runs again does the file count as refused with nothing changed.
     */
    private void notApplied(Operation op, FileRecord rec, Bundle bundle, Transaction tx, String cause, String check) throws IOException {
        PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, rec.file, Map.of());
        ctx.store.clearTransaction();
        if (verdict.ok()) {
            outcomes.refused(op, rec, bundle, tx.sha256, check, cause + " (the bundles Revisor had stopped for it run again)");
        } else if (!verdict.stuck.isEmpty()) {
            tx.rollingBack = true;
            stuck.unfinished(op, rec, bundle, tx, verdict, cause + "; the bundles stopped for it are being started again, but");
        } else {
            rec.triedSha256 = tx.sha256;
            rec.triedModified = rec.seenModified;
            outcomes.failed(op, rec, bundle, cause + ". Nothing was updated, but not every bundle stopped for it runs again: "
                    + String.join("; ", verdict.failures), verdict.thrown.get(bundle.getBundleId()));
        }
    }

    /**
     * Puts the previous bytes back, refreshes, restarts, verifies; records rolled-back (or failed when that fails too).
     *
     * @param thrown what the new version's start threw, when that is why it is rolled back; or {@code null}
     */
    void rollBack(Operation op, FileRecord rec, Bundle bundle, Transaction tx, Path previous, String cause, Throwable thrown) {
        PlanRestarter.Verdict verdict;
        tx.rollingBack = true;
        try {
            ctx.store.writeTransaction(tx); // a crash from here on is recovered as the interrupted rollback it is
        } catch (IOException e) {
            ctx.log.warn("deploy: cannot note the rollback of {} in the write-ahead record: {}", rec.file, e.getMessage());
        }
        boolean restored = false;
        try {
            restarter.stopAll(tx.activeBefore);
            restarter.stopTransient(bundle);
            try (InputStream in = Files.newInputStream(previous)) {
                bundle.update(in);
            }
            restored = true;
            verdict = restarter.refreshStartVerify(bundle, tx, rec.file);
        } catch (BundleException | IOException | RuntimeException e) {
            verdict = PlanRestarter.Verdict.failure((restored ? "the previous bytes are back, but then " : "putting the previous bytes"
                    + " back failed: ") + Explain.firstLine(e.getMessage() == null ? e.toString() : e.getMessage()));
            ctx.log.error("deploy: the rollback of {} failed: {}", rec.file, e.toString(), e);
        }
        if (!restored) {
            // the bundle runs the new bytes: they are its bytes now (the next update's previous ones)
            try {
                ctx.store.keep(rec.file);
            } catch (IOException e) {
                ctx.log.warn("deploy: cannot keep the bytes {} runs: {}", rec.file, e.getMessage());
            }
            rec.sha256 = tx.sha256;
        }
        rec.triedSha256 = tx.sha256;
        rec.triedModified = rec.seenModified;
        if (!verdict.stuck.isEmpty()) {
            stuck.unfinished(op, rec, bundle, tx, verdict, cause + ". The previous bytes are back, but the rollback is not finished:");
            return;
        }
        rolledBackOrNot(op, rec, bundle, tx, cause, verdict, thrown);
    }

    /**
     * Records how a rollback ended, once its starts have returned.
     *
     * @param thrown what the new version's start threw (journaled on deploy.rolled-back), or {@code null}
     */
    void rolledBackOrNot(Operation op, FileRecord rec, Bundle bundle, Transaction tx, String cause, PlanRestarter.Verdict verdict,
            Throwable thrown) {
        Map<String, Object> details = DeployContext.details(rec.file, tx.sha256);
        details.put("cause", cause);
        if (verdict.ok()) {
            details.putAll(Explain.exceptionDetails(thrown));
            ctx.journal.record("deploy.rolled-back", op.id(), bundle, details);
            outcomes.mark(op, rec, DeployFileDTO.ROLLED_BACK, Operation.ROLLED_BACK,
                    cause + ". Rolled back: " + Explain.name(bundle) + " runs its previous bytes again", Outcomes.FAILED_SUFFIX);
        } else {
            details.put("rollbackFailures", verdict.failures);
            // the bundle is not back: what its start threw now (the previous version's activator) is what audit:why needs
            details.putAll(Explain.exceptionDetails(verdict.thrown.get(bundle.getBundleId())));
            ctx.journal.record("deploy.rollback-failed", op.id(), bundle, details);
            List<String> down = restarter.namesNotRunning(tx.activeBefore);
            outcomes.mark(op, rec, DeployFileDTO.FAILED, Operation.FAILED,
                    cause + ". The rollback did not bring everything back: " + String.join("; ", verdict.failures)
                    + (down.isEmpty() ? "" : ". Not running now: " + String.join(", ", down)), Outcomes.FAILED_SUFFIX);
        }
    }

    /**
     * The refresh did not end in time: it still runs on the framework's refresh thread and holds the framework's
     * global lock, so stopping or updating the bundle now would wait for it too. No rollback: the file is marked failed,
     * and the bundle's bytes are the new ones from now on (a later jar is an update from them).
     */
    private void refreshTimedOut(Operation op, FileRecord rec, Bundle bundle, Transaction tx, String cause) throws IOException {
        ctx.store.keep(rec.file);
        rec.sha256 = tx.sha256;
        rec.triedSha256 = null;
        Map<String, Object> details = DeployContext.details(rec.file, tx.sha256);
        details.put("cause", cause);
        details.put("rollbackFailures", List.of("no rollback: the refresh still runs"));
        ctx.journal.record("deploy.rollback-failed", op.id(), bundle, details);
        List<String> stopped = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Bundle b : restarter.notActive(tx.activeBefore)) {
            stopped.add(Explain.name(b));
            ids.add(Long.toString(b.getBundleId()));
        }
        outcomes.mark(op, rec, DeployFileDTO.FAILED, Operation.FAILED, cause + ". Revisor did not roll back: the refresh still"
                + " runs and holds the framework's lock, so stopping or updating " + Explain.name(bundle) + " would wait for it"
                + " as well" + (stopped.isEmpty() ? "" : "; these bundles of the plan were active and are stopped: "
                + String.join(", ", stopped)) + ". Once the refresh has ended, "
                + (stopped.isEmpty() ? "" : "start them (start " + String.join(" ", ids) + "), and ")
                + "copy the previous jar in again, or a fixed one", Outcomes.FAILED_SUFFIX);
    }

    /**
     * Finishes an update whose starts had not returned (see {@link StuckStarts#finish}): keeps it when every bundle of
     * its plan runs, rolls back otherwise.
     */
    void finish(Operation op, FileRecord rec, Bundle bundle, Transaction tx, Map<Long, Throwable> known, String why) throws IOException {
        PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, rec.file, known);
        if (tx.rollingBack) {
            if (!verdict.stuck.isEmpty()) {
                stuck.unfinished(op, rec, bundle, tx, verdict, why + "; the rollback of " + rec.file + " is still not finished:");
            } else {
                rolledBackOrNot(op, rec, bundle, tx, "the update of " + rec.file + " did not verify (" + why + ")", verdict, null);
                ctx.store.discardStaged(rec.file);
            }
            return;
        }
        if (verdict.ok()) {
            ctx.store.keep(rec.file);
            rec.sha256 = tx.sha256;
            rec.triedSha256 = null;
            outcomes.deployed(op, rec, "updated " + Explain.name(bundle) + " (" + why + "): every bundle of its plan is active");
        } else if (!verdict.stuck.isEmpty()) {
            stuck.unfinished(op, rec, bundle, tx, verdict, why + "; the update of " + rec.file + " is still not finished:");
            return; // the staged bytes stay until then
        } else {
            rollBack(op, rec, bundle, tx, ctx.store.bytes(rec.file), "the update of " + rec.file + " failed (" + why + "): "
                    + String.join("; ", verdict.failures), verdict.thrown.get(bundle.getBundleId()));
            ctx.store.clearTransaction();
        }
        ctx.store.discardStaged(rec.file);
    }
}
