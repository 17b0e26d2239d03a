package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * The recovery from a write-ahead record ({@code transaction.json}) that a runtime left behind when it stopped in the
 * middle of a transaction (kill -9, power loss, a failure it could not judge). It decides from what the framework
 * runs, not from what the record hoped: the content of the bundle's revision is compared with the staged (new) and
 * kept (previous) bytes. An update in place is completed when its plan verifies, else rolled back; previous bytes in
 * place after an update are an interrupted rollback, reported {@code rolled-back} with its marker; an update that never
 * happened leaves the file to be tried again. The journal's {@code deploy.recovered} decision is derived from the
 * file's final state, so it always matches the record.
 * <p>
 * Concurrent Semantics: deploy thread only, once at activation.
 */
final class Recovery {
    static final String COMPLETED = "completed";
    static final String ROLLED_BACK = "rolled-back";
    static final String FAILED = "failed";
    static final String UNFINISHED = "unfinished";

    private final DeployContext ctx;
    private final Outcomes outcomes;
    private final PlanRestarter restarter;
    private final InstallTransaction install;
    private final UpdateTransaction update;
    private final RemoveTransaction remove;
    private final StuckStarts stuck;

    Recovery(DeployContext ctx, Outcomes outcomes, PlanRestarter restarter, InstallTransaction install, UpdateTransaction update,
            RemoveTransaction remove, StuckStarts stuck) {
        this.ctx = ctx;
        this.outcomes = outcomes;
        this.restarter = restarter;
        this.install = install;
        this.update = update;
        this.remove = remove;
        this.stuck = stuck;
    }

    void recover() {
        Transaction tx;
        try {
            tx = ctx.store.readTransaction();
        } catch (IOException e) {
            ctx.log.error("deploy: the write-ahead record is unreadable, recovery skipped: {}", e.getMessage());
            return;
        }
        if (tx == null) {
            return;
        }
        ctx.awaitFrameworkStarted();
        ctx.log.warn("deploy: the runtime stopped during the {} of {} (operation {}, phase {}): recovering", tx.action, tx.file,
                tx.operation, tx.phase);
        String what = "the runtime stopped during the " + (tx.rollingBack ? "rollback of the update" : tx.action) + " of " + tx.file
                + " (operation " + tx.operation + ")";
        FileRecord rec = outcomes.getOrCreate(tx.file);
        DeployEngine.stamp(rec, ctx.settings.folder.resolve(tx.file)); // what it judges is the file as it is now
        try (Operation op = ctx.begin(tx.file)) {
            String decision;
            switch (tx.action) {
                case Transaction.INSTALL:
                    decision = install(op, tx, what);
                    break;
                case Transaction.UPDATE:
                    decision = update(op, tx, what);
                    break;
                default:
                    decision = uninstall(op, tx, what);
            }
            Map<String, Object> details = DeployContext.details(tx.file, tx.sha256);
            details.put("action", tx.action);
            details.put("phase", tx.phase);
            details.put("rollingBack", tx.rollingBack);
            details.put("interruptedOperation", tx.operation);
            details.put("decision", decision);
            ctx.journal.record("deploy.recovered", op.id(), null, details);
            ctx.store.clearTransaction();
        } catch (IOException | RuntimeException e) {
            ctx.log.error("deploy: recovery of {} failed: {}", tx.file, e.toString(), e);
        } finally {
            outcomes.save();
        }
    }

    private String install(Operation op, Transaction tx, String what) throws IOException {
        FileRecord rec = outcomes.getOrCreate(tx.file);
        Bundle bundle = tx.location == null ? null : ctx.bundles.getBundle(tx.location);
        if (bundle == null) {
            ctx.store.discardStaged(tx.file);
            outcomes.outcome(op, Operation.ROLLED_BACK, what + "; it was not installed yet, nothing had changed; the file is tried again");
            rec.state = DeployFileDTO.WAITING;
            rec.reason = what + "; nothing had changed; the file is tried again";
            rec.seenModified = -1; // judged anew
            return ROLLED_BACK;
        }
        ctx.store.keep(tx.file);
        rec.location = tx.location;
        rec.bundleId = bundle.getBundleId();
        rec.sha256 = tx.sha256;
        install.startNewBundle(op, rec, bundle, what + "; completed at restart: installed " + Explain.name(bundle));
        return decision(rec);
    }

    private String update(Operation op, Transaction tx, String what) throws IOException {
        FileRecord rec = outcomes.getOrCreate(tx.file);
        Bundle bundle = ctx.bundle(tx.bundleId);
        if (bundle == null) {
            Bundle back = reinstallPrevious(tx);
            if (back != null) {
                return tx.rollingBack ? rollbackFinishedAnew(op, rec, tx, back, what) : previousBack(op, rec, tx, back, what);
            }
            outcomes.outcome(op, Operation.FAILED, what + "; its bundle " + tx.bundleId + " is gone; the file, if it is still there, is"
                    + " installed anew");
            outcomes.forget(tx.file);
            return FAILED;
        }
        Runs runs = runs(bundle, tx);
        String name = Explain.name(bundle);
        if (runs == Runs.PREVIOUS) {
            ctx.store.discardStaged(tx.file);
            PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, tx.file, Map.of());
            boolean rolledBack = tx.rollingBack || bundle.getLastModified() != tx.lastModifiedBefore;
            if (!verdict.stuck.isEmpty()) {
                tx.rollingBack = true;
                stuck.unfinished(op, rec, bundle, tx, verdict, what + "; " + name + " runs its previous bytes, but");
                return decision(rec);
            }
            if (!rolledBack) {
                if (verdict.ok()) {
                    outcomes.outcome(op, Operation.ROLLED_BACK, what + "; the update had not happened yet: " + name + " runs its previous"
                            + " bytes and every bundle of its plan runs again; the file is tried again");
                    rec.state = DeployFileDTO.WAITING;
                    rec.reason = what + "; nothing had changed; the file is tried again";
                    rec.seenModified = -1; // judged anew
                    outcomes.clearMarker(rec);
                    return ROLLED_BACK;
                }
                outcomes.failed(op, rec, bundle, what + "; the update had not happened yet and " + name + " runs its previous"
                        + " bytes, but not every bundle of its plan runs again: " + String.join("; ", verdict.failures), null);
                return FAILED;
            }
            // the previous bytes are back: the rollback had put them there
            rec.sha256 = tx.previousSha256 == null ? rec.sha256 : tx.previousSha256;
            rec.triedSha256 = tx.sha256;
            rec.triedModified = rec.seenModified;
            update.rolledBackOrNot(op, rec, bundle, tx, what + ", after the update to the new bytes had failed; the rollback"
                    + " was finished at restart", verdict, null);
            return decision(rec);
        }
        if (runs == Runs.NEW) {
            if (tx.rollingBack) {
                update.rollBack(op, rec, bundle, tx, ctx.store.bytes(tx.file), what + ", before the previous bytes were back;"
                        + " the rollback was done again at restart", null);
                ctx.store.discardStaged(tx.file);
                return decision(rec);
            }
            boolean wasDeployed = DeployFileDTO.DEPLOYED.equals(rec.state);
            PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, tx.file, Map.of());
            if (verdict.ok()) {
                if (Files.exists(ctx.store.staging(tx.file))) {
                    ctx.store.keep(tx.file);
                } else {
                    Bundles.snapshot(bundle, ctx.store.bytes(tx.file)); // kept already, or lost: what it runs now
                }
                rec.sha256 = tx.sha256;
                rec.triedSha256 = null;
                if (tx.activeBefore.contains(bundle.getBundleId()) || Bundles.isFragment(bundle) || wasDeployed) {
                    outcomes.deployed(op, rec, what + "; completed at restart: " + name + " and every bundle of its plan are active");
                } else {
                    // its previous bytes did not run (failed, pending): the new ones start as a new bundle's would
                    install.startNewBundle(op, rec, bundle, what + "; completed at restart: updated " + name);
                }
            } else if (!verdict.stuck.isEmpty()) {
                stuck.unfinished(op, rec, bundle, tx, verdict, what + "; at restart the update is not finished:");
                return decision(rec); // the staged bytes stay until the starts return
            } else {
                update.rollBack(op, rec, bundle, tx, ctx.store.bytes(tx.file), what + "; at restart the update did not verify: "
                        + String.join("; ", verdict.failures), verdict.thrown.get(bundle.getBundleId()));
                ctx.store.discardStaged(tx.file);
            }
            return decision(rec);
        }
        outcomes.failed(op, rec, bundle, what + "; " + name + " runs bytes that are neither the previous ones nor those of the"
                + " update (changed outside Revisor?). Copy the jar in again to deploy it", null);
        ctx.store.discardStaged(tx.file);
        return FAILED;
    }

    private String uninstall(Operation op, Transaction tx, String what) throws IOException {
        Bundle bundle = ctx.bundle(tx.bundleId);
        Path file = ctx.settings.folder.resolve(tx.file);
        if (bundle != null && Files.exists(file)) {
            PlanRestarter.Verdict verdict = restarter.verify(tx, bundle, tx.file, Map.of());
            String state = verdict.ok() ? "every bundle of its plan runs again" : "not every bundle of its plan runs again: "
                    + String.join("; ", verdict.failures);
            outcomes.outcome(op, verdict.ok() ? Operation.ROLLED_BACK : Operation.FAILED, what + "; the file is back and its bundle still"
                    + " installed; " + state);
            return verdict.ok() ? ROLLED_BACK : FAILED;
        }
        String display = bundle == null ? "bundle " + tx.bundleId : Explain.name(bundle);
        if (bundle != null) {
            try {
                bundle.uninstall();
            } catch (BundleException e) {
                outcomes.outcome(op, Operation.FAILED, what + "; uninstalling " + display + " at restart failed: " + e.getMessage());
                return FAILED;
            }
        }
        PlanRestarter.Verdict verdict = restarter.refreshStartVerify(bundle, tx, tx.file);
        return remove.complete(op, tx.file, tx, display + " (completed at restart)", verdict, null) ? COMPLETED : FAILED;
    }

    /** What the bundle runs, by content. */
    private enum Runs { PREVIOUS, NEW, OTHER }

    /**
     * Compares the content of the bundle's revision with the staged and the kept bytes; which of the two it is comes
     * from their SHA-256 (the kept bytes are the new ones when the update had been kept just before the crash).
     */
    private Runs runs(Bundle bundle, Transaction tx) {
        try {
            for (Path candidate : new Path[] {ctx.store.staging(tx.file), ctx.store.bytes(tx.file)}) {
                if (!Files.exists(candidate) || !Bundles.holdsContentOf(bundle, candidate)) {
                    continue;
                }
                String sha = StateStore.sha256Of(candidate);
                if (sha.equals(tx.sha256)) {
                    return Runs.NEW;
                }
                if (sha.equals(tx.previousSha256) || candidate.equals(ctx.store.bytes(tx.file))) {
                    return Runs.PREVIOUS;
                }
            }
            return Runs.OTHER;
        } catch (IOException | RuntimeException e) {
            ctx.log.warn("deploy: cannot read what {} runs ({}); judging by its last-modified time", Explain.name(bundle), e.toString());
            return bundle.getLastModified() == tx.lastModifiedBefore ? Runs.PREVIOUS : Runs.NEW;
        }
    }

    /**
     * The framework no longer has the bundle of an update: its cache entry did not survive the kill (Felix writes a
     * bundle's state while it stops or updates it). The kept previous bytes, which ran before the update began, are
     * installed again from the file's location.
     *
     * @return the bundle installed again, or {@code null} when there are no previous bytes or the install fails
     */
    private Bundle reinstallPrevious(Transaction tx) {
        Path previous = ctx.store.bytes(tx.file);
        if (tx.location == null || !Files.isRegularFile(previous)) {
            return null;
        }
        try (java.io.InputStream in = Files.newInputStream(previous)) {
            return ctx.bundles.installBundle(tx.location, in);
        } catch (BundleException | IOException | RuntimeException e) {
            ctx.log.error("deploy: cannot install the previous bytes of {} again: {}", tx.file, e.toString());
            return null;
        }
    }

    /**
     * The previous bytes run again (started when the bundle was active before the update), and the file is tried
     * again as a normal change: nothing of the update had been applied (fault campaign, seed 2867: the new bytes
     * were installed in its place, and the bundle that had run was gone from every record).
     */
    private String previousBack(Operation op, FileRecord rec, Transaction tx, Bundle back, String what) throws IOException {
        ctx.store.discardStaged(tx.file);
        rec.location = tx.location;
        rec.bundleId = back.getBundleId();
        rec.sha256 = tx.previousSha256;
        rec.triedSha256 = null;
        String runs = "installed again";
        if (tx.activeBefore.contains(tx.bundleId)) {
            Starter.Result r = ctx.starter.start(back, Bundle.START_ACTIVATION_POLICY, tx.file);
            runs = r.started() ? "installed and started again" : r.stuck != null ? "installed again; its start has not returned yet"
                    : "installed again, but it did not start: " + Explain.failure(r.failure);
        }
        String reason = what + "; the framework no longer had bundle " + tx.bundleId + " at the restart (its cache entry did not"
                + " survive the kill); its previous bytes are " + runs + " as " + Explain.name(back) + ", and the file is tried again";
        outcomes.outcome(op, Operation.ROLLED_BACK, reason);
        rec.state = DeployFileDTO.WAITING;
        rec.reason = reason;
        rec.seenModified = -1; // judged anew by the start-up
        return ROLLED_BACK;
    }

    /**
     * The update had failed and its rollback was running when the runtime was killed, and the framework lost the bundle
     * (fault campaign, seed 5378: the new bytes, which had failed, were installed anew as a new bundle and failed again,
     * and the bundle that had run was gone from every record). The rollback is finished on the bundle installed again
     * from the previous bytes: the plan's bundles are started and verified, the file is {@code rolled-back} with its
     * {@code .failed} marker, and its new bytes are not tried again.
     */
    private String rollbackFinishedAnew(Operation op, FileRecord rec, Transaction tx, Bundle back, String what) throws IOException {
        ctx.store.discardStaged(tx.file);
        long lost = tx.bundleId;
        tx.bundleId = back.getBundleId();
        tx.activeBefore.replaceAll(id -> id == lost ? back.getBundleId() : id);
        tx.resolvedBefore.replaceAll(id -> id == lost ? back.getBundleId() : id);
        rec.location = tx.location;
        rec.bundleId = back.getBundleId();
        rec.sha256 = tx.previousSha256 == null ? rec.sha256 : tx.previousSha256;
        rec.triedSha256 = tx.sha256;
        rec.triedModified = rec.seenModified;
        String cause = what + ", after the update to the new bytes had failed; the framework no longer had bundle " + lost
                + " at the restart (its cache entry did not survive the kill), so its previous bytes were installed again as "
                + Explain.name(back) + " and the rollback was finished on it";
        PlanRestarter.Verdict verdict = restarter.verify(tx, back, tx.file, Map.of());
        if (!verdict.stuck.isEmpty()) {
            stuck.unfinished(op, rec, back, tx, verdict, cause + ", but");
            return decision(rec);
        }
        update.rolledBackOrNot(op, rec, back, tx, cause, verdict, null);
        return decision(rec);
    }

    /** @return the decision that matches the file's record after the recovery */
    private static String decision(FileRecord rec) {
        if (rec.stuck != null || DeployFileDTO.STUCK.equals(rec.state)) {
            return UNFINISHED;
        }
        switch (rec.state) {
            case DeployFileDTO.DEPLOYED:
            case DeployFileDTO.PENDING:
                return COMPLETED;
            case DeployFileDTO.ROLLED_BACK:
                return ROLLED_BACK;
            default:
                return FAILED;
        }
    }
}
