package dev.revisor.deploy.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * Transactions whose starts have not returned within {@code start.timeout.ms}.
 * <p>
 * A start that has not returned holds the framework's lock for its bundle until it returns: stopping, updating or
 * uninstalling that bundle would wait as long, and a refresh that covers it would hold the framework's global lock
 * meanwhile (every bundle operation of the runtime would wait). So Revisor never touches a bundle whose start is
 * stuck: its transaction ends {@code stuck} ({@link #unfinished}), the change of any file whose refresh would cover it
 * waits ({@link #defer}, {@code deploy.deferred}), and when the start returns ({@link #startReturned}) the transaction
 * is finished and the waiting files go on.
 * <p>
 * Concurrent Semantics: deploy thread only ({@link #disarmStuck} runs once at activation, before the deploy thread).
 */
final class StuckStarts {
    /** Judges a file again (the deploy engine's entry points). */
    interface Redo {
        void changed(Path file);

        void removed(Path file);
    }

    private final DeployContext ctx;
    private final Outcomes outcomes;
    /** Files whose change waits for a stuck start to return, with the starts they wait for. */
    private final Map<String, List<String>> deferred = new LinkedHashMap<>();
    /** What late starts threw, by bundle id, until their transaction is finished. */
    private final Map<Long, Throwable> lateFailures = new HashMap<>();
    private InstallTransaction install;
    private UpdateTransaction update;
    private Redo redo;

    StuckStarts(DeployContext ctx, Outcomes outcomes) {
        this.ctx = ctx;
        this.outcomes = outcomes;
    }

    void bind(InstallTransaction install, UpdateTransaction update, Redo redo) {
        this.install = install;
        this.update = update;
        this.redo = redo;
    }

    /**
     * @param starts whether the change starts a bundle (a new or changed file, not a removal)
     * @return the starts a change of this file would have to wait for, in words: its own transaction's stuck starts,
     *         stuck starts of bundles the refresh of its bundle would cover, or all start threads taken; empty when none
     */
    List<String> blockers(FileRecord rec, Bundle bundle, boolean starts) {
        Set<String> out = new LinkedHashSet<>();
        if (rec != null && rec.stuck != null) {
            for (long id : rec.stuck.stuckBundles) {
                Bundle b = ctx.bundle(id);
                out.add(b == null ? "bundle " + id : Explain.name(b));
            }
        }
        Set<Long> stuckIds = ctx.starter.stuckIds();
        if (bundle != null && !stuckIds.isEmpty() && bundle.getState() != Bundle.UNINSTALLED) {
            for (Bundle b : ctx.wiring.getDependencyClosure(List.of(bundle))) {
                if (stuckIds.contains(b.getBundleId())) {
                    out.add(Explain.name(b));
                }
            }
        }
        if (out.isEmpty() && starts && ctx.starter.full()) {
            out.addAll(ctx.starter.runningNames());
        }
        return new ArrayList<>(out);
    }

    /**
     * The file's change does not wait (any more).
     *
     * @return whether it had waited
     */
    boolean notDeferred(String file) {
        return deferred.remove(file) != null;
    }

    /** The change of this file waits until the starts it would have to wait for have returned. */
    void defer(FileRecord rec, Bundle bundle, List<String> blockers) {
        boolean again = blockers.equals(deferred.put(rec.file, blockers));
        String reason = "its change waits until the start of " + String.join(", ", blockers) + " has returned: "
                + (rec.stuck != null ? "the last change of " + rec.file + " is not finished yet"
                        : "its refresh would have to stop " + (blockers.size() == 1 ? "that bundle" : "those bundles")
                                + " while their activator runs")
                + "; Revisor applies it then";
        if (!again) {
            Map<String, Object> details = DeployContext.details(rec.file, null);
            details.put("waitsFor", blockers);
            details.put("reason", reason);
            ctx.journal.record("deploy.deferred", null, bundle, details);
            ctx.log.info("deploy: {}: {}", rec.file, reason);
        }
        if (rec.stuck == null) {
            // another file's start is stuck: say so beside this one (the stuck file's own marker says it already)
            outcomes.waiting(rec, reason);
            try {
                ctx.store.discardStaged(rec.file);
            } catch (java.io.IOException e) {
                // staging is cleaned at the next transaction of this file
            }
        }
        // else the staged bytes are those of this file's own unfinished transaction: when its start returns and the
        // update is kept, they become the previous bytes of the next update (fault campaign, seed 1872: discarded here,
        // a later rollback went back two versions, to bytes the record did not name)
    }

    /**
     * A transaction whose starts have not returned within the limit ends here: marked stuck, with each start's stack
     * journaled; it is finished when they return ({@link #startReturned}) or at the next start ({@link #finishUnfinished}).
     *
     * @param what the sentence so far, e.g. {@code installed x/1.0.0 [42], but}
     */
    void unfinished(Operation op, FileRecord rec, Bundle bundle, Transaction tx, PlanRestarter.Verdict verdict, String what) {
        tx.stuckBundles = new ArrayList<>();
        List<String> stuckTexts = new ArrayList<>();
        for (Starter.Stuck s : verdict.stuck) {
            tx.stuckBundles.add(s.bundle.getBundleId());
            stuckTexts.add(s.describe());
            journalStuck(op, rec.file, tx, s);
        }
        List<String> others = new ArrayList<>(verdict.failures);
        others.removeAll(stuckTexts);
        rec.stuck = tx;
        String name = Explain.name(bundle);
        String consequence;
        if (Transaction.INSTALL.equals(tx.action)) {
            consequence = name + " stays STARTING, and nothing can stop or uninstall it while its activator runs: the"
                    + " framework's lock for it is held by that start. When the activator returns, Revisor finishes: "
                    + rec.file + " is deployed if " + name + " is ACTIVE, failed with the exception otherwise.";
        } else if (!tx.rollingBack) {
            consequence = name + " runs the new bytes. Revisor does not roll back while a start runs: stopping or updating a"
                    + " bundle needs the framework's lock for it, which that start holds, and a refresh would hold up every bundle"
                    + " operation of the runtime. When the activator returns, Revisor finishes: it keeps the update if every"
                    + " bundle of the plan is active, and rolls back to the previous bytes otherwise.";
        } else {
            consequence = "When the activator returns, Revisor checks again that every bundle of the plan is active.";
        }
        String reason = what + " " + String.join("; ", stuckTexts) + (others.isEmpty() ? "" : "; also: " + String.join("; ", others))
                + ". " + consequence + " Until then, changes of " + rec.file + " and of bundles wired to "
                + (verdict.stuck.size() == 1 && verdict.stuck.get(0).bundle.getBundleId() == bundle.getBundleId() ? "it" : "them")
                + " wait. To end it now: give the activator what it waits for (its stack above), or restart the runtime"
                + " (docs/deploy.md, \"An activator that does not return\")";
        outcomes.mark(op, rec, DeployFileDTO.STUCK, Operation.FAILED, reason, Outcomes.FAILED_SUFFIX);
        ctx.log.warn("deploy: {} {}", rec.file, reason);
    }

    void journalStuck(Operation op, String file, Transaction tx, Starter.Stuck s) {
        Map<String, Object> details = DeployContext.details(file, tx.sha256);
        details.put("action", tx.rollingBack ? "rollback" : tx.action);
        details.put("limitMs", s.limitMillis);
        details.put("since", s.since.toString());
        details.put("thread", s.thread);
        details.put("threadState", s.threadState);
        if (s.lock != null) {
            details.put("lock", s.lock);
        }
        if (s.lockOwner != null) {
            details.put("lockOwner", s.lockOwner);
        }
        details.put("at", s.at);
        details.put("stack", s.stack);
        ctx.journal.record("deploy.start-stuck", op.id(), s.bundle, details);
    }

    /**
     * A start reported stuck has returned (handed over by the start's thread): journals it and, once every stuck start
     * of its transaction has returned, finishes that transaction; then the deferred files go on.
     */
    void startReturned(Starter.Stuck stuck, Throwable failure) {
        long id = stuck.bundle.getBundleId();
        Map<String, Object> details = DeployContext.details(stuck.file, null);
        details.put("durationMs", stuck.elapsedMillis());
        details.put("outcome", failure == null ? "started" : "failed");
        details.put("thread", stuck.thread);
        details.putAll(Explain.exceptionDetails(failure));
        ctx.journal.record("deploy.start-returned", null, stuck.bundle, details);
        ctx.log.info("deploy: the start of {} returned after {}{}", Explain.name(stuck.bundle), Explain.duration(stuck.elapsedMillis()),
                failure == null ? "" : ": " + Explain.failure(failure));
        List<FileRecord> waiting = outcomes.all().stream().filter(r -> r.stuck != null && r.stuck.stuckBundles.contains(id)).toList();
        if (!waiting.isEmpty() && failure != null) {
            lateFailures.put(id, failure);
        }
        // every transaction waiting for this bundle, not only the returned start's own: two transactions can each have
        // a start of the same bundle that did not return (an update, then another file's plan that restarts it), and
        // the first to return finds the other still running (fault campaign, seed 5859: that file stayed stuck)
        for (FileRecord r : waiting) {
            if (r.stuck != null && r.stuck.stuckBundles.stream().noneMatch(ctx.starter::isStuck)) {
                finish(r, "the start that had not returned came back after " + Explain.duration(stuck.elapsedMillis()));
            }
        }
        List<FileRecord> all = outcomes.all();
        lateFailures.keySet().removeIf(b -> all.stream().noneMatch(r -> r.stuck != null && r.stuck.stuckBundles.contains(b)));
        outcomes.save();
        runDeferred();
    }

    /**
     * Finishes a transaction whose starts had not returned: they have now (or the runtime was restarted). Starts what
     * is not active yet (within the limit) and judges as the transaction would have: deployed, failed, rolled back,
     * or stuck again.
     */
    private void finish(FileRecord rec, String why) {
        Transaction tx = rec.stuck;
        rec.stuck = null;
        Map<Long, Throwable> known = new LinkedHashMap<>();
        for (long id : tx.stuckBundles) {
            Throwable t = lateFailures.get(id); // forgotten once no transaction waits for the bundle (startReturned)
            if (t != null) {
                known.put(id, t);
            }
        }
        Bundle bundle = ctx.bundle(tx.bundleId);
        try (Operation op = ctx.begin(rec.file)) {
            if (bundle == null) {
                // uninstalled meanwhile (not by Revisor): the file, if it is still there, is deployed as new
                outcomes.outcome(op, Operation.FAILED, why + "; the bundle of " + rec.file + " is gone");
                rec.bundleId = -1;
                rec.sha256 = null;
                rec.state = DeployFileDTO.WAITING;
                rec.reason = why + "; its bundle is gone";
                outcomes.clearMarker(rec);
                deferred.put(rec.file, List.of());
                return;
            }
            if (Transaction.INSTALL.equals(tx.action)) {
                install.finish(op, rec, bundle, known, why);
            } else {
                update.finish(op, rec, bundle, tx, known, why);
            }
        } catch (java.io.IOException | RuntimeException e) {
            ctx.log.error("deploy: finishing the transaction of {} failed: {}", rec.file, e.toString(), e);
        } finally {
            outcomes.save();
        }
    }

    /** At start: transactions whose starts had not returned when the runtime (or this component) stopped. */
    void finishUnfinished() {
        List<FileRecord> unfinished = new ArrayList<>();
        for (FileRecord rec : outcomes.all()) {
            if (rec.stuck != null) {
                unfinished.add(rec);
            }
        }
        if (unfinished.isEmpty()) {
            return;
        }
        ctx.awaitFrameworkStarted();
        for (FileRecord rec : unfinished) {
            finish(rec, "the deploy folder stopped (with the runtime, or its bundle) before the start that had not returned"
                    + " came back; Revisor started it again");
        }
        runDeferred();
    }

    /**
     * Called once at activation, before the deploy thread runs: a bundle whose start had not returned when the runtime
     * (or this component) stopped is kept from being started by the framework's start-level thread, where its
     * activator could hold up the start of the runtime (its persistent start is cleared while its start level is not
     * reached yet). Revisor starts it itself, within the limit, once the framework has started.
     */
    void disarmStuck() {
        FrameworkStartLevel fsl = ctx.bundles.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkStartLevel.class);
        int active = fsl == null ? Integer.MAX_VALUE : fsl.getStartLevel();
        for (FileRecord rec : outcomes.all()) {
            if (rec.stuck == null) {
                continue;
            }
            for (long id : rec.stuck.stuckBundles) {
                Bundle b = ctx.bundle(id);
                if (b == null || (b.getState() != Bundle.RESOLVED && b.getState() != Bundle.INSTALLED)) {
                    continue;
                }
                BundleStartLevel bsl = b.adapt(BundleStartLevel.class);
                if (bsl == null || !bsl.isPersistentlyStarted() || bsl.getStartLevel() <= active) {
                    continue;
                }
                try {
                    b.stop();
                    ctx.log.warn("deploy: the start of {} ({}) had not returned when the runtime stopped; the framework will not"
                            + " start it by itself, Revisor starts it once the framework has started", Explain.name(b), rec.file);
                } catch (BundleException | IllegalStateException e) {
                    ctx.log.warn("deploy: cannot keep the framework from starting {}: {}", Explain.name(b), e.getMessage());
                }
            }
        }
    }

    /** Files whose change waited for a stuck start: judged again (they wait again if they still have to). */
    void runDeferred() {
        if (deferred.isEmpty()) {
            return;
        }
        for (String name : new ArrayList<>(deferred.keySet())) {
            FileRecord rec = outcomes.get(name);
            if (rec != null && !blockersChanged(rec, name)) {
                continue;
            }
            Path file = ctx.settings.folder.resolve(name);
            if (Files.exists(file)) {
                redo.changed(file);
            } else {
                redo.removed(file);
            }
        }
    }

    /** @return whether what the deferred file waits for has changed (some of it returned), so that it is judged again */
    private boolean blockersChanged(FileRecord rec, String name) {
        Path file = ctx.settings.folder.resolve(name);
        Bundle bundle = DeployEngine.bundleOf(ctx, rec, file);
        List<String> now = blockers(rec, bundle, Files.exists(file));
        if (now.isEmpty()) {
            return true; // judged again: changed() or removed() takes it off the deferred list (and knows it waited)
        }
        return !now.equals(deferred.get(name));
    }
}
