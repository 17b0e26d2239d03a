package dev.revisor.deploy.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * Brings back bundles that wait for requirements once a change provides them, so that the live state is what a
 * restart would give: pending files (installed, never resolved, or stranded by a removal) are resolved and started,
 * and bundles from outside the folder (or of files whose own bytes do not run) that a removal stranded are started
 * again. After every change it also starts again the deployed bundles the framework means to run that a race left
 * down ({@link #reconcile}).
 * <p>
 * Concurrent Semantics: deploy thread only.
 */
final class Revival {
    private final DeployContext ctx;
    private final Outcomes outcomes;
    private InstallTransaction install;
    /** Bundles not from the folder that a removal left unresolved while they were active, by id. */
    private final Set<Long> strandedOutside = new LinkedHashSet<>();
    /** Deployed bundles meant to run that the last sweep found down: {@code file#id}. */
    private final Set<String> downOutside = new LinkedHashSet<>();

    Revival(DeployContext ctx, Outcomes outcomes) {
        this.ctx = ctx;
        this.outcomes = outcomes;
    }

    void bind(InstallTransaction install) {
        this.install = install;
    }

    /**
     * A removal left this bundle unresolved: start it again once it resolves. For bundles not from the folder, and for
     * those of files whose own bytes do not run (rolled back or refused), whose records keep their state.
     */
    void strandedOutsideFolder(long bundleId) {
        strandedOutside.add(bundleId);
    }

    /**
     * Resolves and starts the pending bundles whose requirements arrived; refreshes the reason of those that still
     * wait; starts again the stranded bundles from outside the folder that resolve now.
     *
     * @param file the file whose change may have brought what they wait for (the trigger of the starts)
     */
    void reevaluate(String file) {
        boolean changed = true;
        for (int pass = 0; changed && pass < 10; pass++) {
            changed = false;
            for (FileRecord rec : outcomes.all()) {
                if (!DeployFileDTO.PENDING.equals(rec.state)) {
                    continue;
                }
                Bundle bundle = ctx.bundle(rec.bundleId);
                if (bundle == null) {
                    continue;
                }
                if (ctx.wiring.resolveBundles(List.of(bundle))) {
                    try (Operation op = ctx.begin(rec.file)) {
                        ctx.journal.record("deploy.resolved", op.id(), bundle, DeployContext.details(rec.file, rec.sha256));
                        install.startNewBundle(op, rec, bundle, Explain.name(bundle) + " got what it waited for");
                    }
                    changed = true;
                } else {
                    String reason = "installed " + Explain.name(bundle) + ", but it waits: " + Explain.unresolved(bundle, ctx.wiring)
                            + ". It starts as soon as a bundle that provides it is deployed.";
                    if (!reason.equals(rec.reason) && !Operation.FAILED.equals(rec.outcome)) {
                        outcomes.pendingReason(rec, reason);
                    }
                }
            }
            changed |= reviveOutside(file);
        }
    }

    private boolean reviveOutside(String file) {
        boolean any = false;
        for (Long id : List.copyOf(strandedOutside)) {
            Bundle b = ctx.bundle(id);
            if (b == null || Bundles.isRunning(b)) {
                strandedOutside.remove(id);
                continue;
            }
            if (!ctx.wiring.resolveBundles(List.of(b))) {
                continue;
            }
            strandedOutside.remove(id);
            String trigger = file == null ? "the deploy folder's start" : file;
            Starter.Result r = ctx.starter.start(b, Bundle.START_ACTIVATION_POLICY, trigger);
            // a bundle of a file whose own bytes do not run is journaled as that file's (the sha is the file's bytes)
            FileRecord rec = outcomes.byBundle(id);
            boolean ofFile = rec != null && Outcomes.fileBytesDoNotRun(rec);
            java.util.Map<String, Object> details = DeployContext.details(ofFile ? rec.file : trigger, ofFile ? rec.triedSha256 : null);
            if (ofFile) {
                details.put("trigger", trigger);
            }
            details.put("outcome", r.started() ? "started" : r.stuck != null ? "stuck" : "failed");
            details.putAll(Explain.exceptionDetails(r.failure));
            ctx.journal.record("deploy.revived", null, b, details);
            if (ofFile && r.started()) {
                outcomes.runsAgain(rec, b, trigger);
            }
            any = true;
        }
        return any;
    }

    /**
     * After a change: every file recorded {@code deployed} whose bundle the framework means to run (persistently
     * started) but that does not run now is started again, and its record says how that went ({@code deployed},
     * {@code failed}, or {@code pending} with what it waits for). Such a bundle was stopped by something the change
     * raced with (a shell {@code stop} and {@code start}, someone else's refresh, a start that failed while the change
     * had a provider away) and the change's own plan did not name it; without this its record went on saying
     * {@code deployed} of a bundle that was not running (fault campaign, seeds 1395 and 1854). A bundle someone
     * stopped ({@code stop ID}) is not persistently started and is left alone; a stuck start is its own transaction's.
     * Nothing is started while a refresh goes on that a transaction stopped waiting for: the start would wait for the
     * framework's lock that refresh holds, and the failed file's marker already tells the user what to start once the
     * refresh has ended.
     *
     * @param file the file whose change just ended
     */
    void reconcile(String file) {
        if (!mayStartAgain(true, file)) {
            return;
        }
        failedButRunning("the change of " + file);
        for (FileRecord rec : outcomes.all()) {
            Bundle bundle = downButMeantToRun(rec);
            if (bundle != null) {
                startAgain(rec, bundle, Explain.name(bundle) + " had stopped during the change of " + file
                        + " (it is meant to run) and was started again");
            }
        }
        downOutside.clear();
    }

    /**
     * The periodic sweep: a deployed bundle the framework means to run that was down in two sweeps in a row, with no
     * change between them, was stopped or failed outside Revisor (a shell {@code start} whose activator threw, a
     * transient stop): it is started again as after a change, and its record says how that went ({@code deployed}, or
     * {@code failed} with the activator's exception and the marker). Without this the record went on saying
     * {@code deployed} of a bundle that did not run (fault campaign, seed 2873). Two sweeps, so that a bundle a
     * refresh or a start-level change stops for a moment is left to the framework.
     *
     * @return whether a bundle was started again (its record changed)
     */
    boolean sweep() {
        if (!mayStartAgain(false, null)) {
            downOutside.clear();
            return false;
        }
        boolean started = failedButRunning("a later change or a start outside Revisor");
        Set<String> down = new LinkedHashSet<>();
        for (FileRecord rec : outcomes.all()) {
            Bundle bundle = downButMeantToRun(rec);
            if (bundle == null) {
                continue;
            }
            String key = rec.file + "#" + bundle.getBundleId();
            if (!downOutside.contains(key)) {
                down.add(key);
                continue;
            }
            startAgain(rec, bundle, Explain.name(bundle) + " (" + Explain.state(bundle) + ") had stopped outside Revisor"
                    + " while the framework means it to run (a start that failed, or a transient stop) and was started again");
            started = true;
        }
        downOutside.clear();
        downOutside.addAll(down);
        return started;
    }

    /**
     * @param log  whether to say why not
     * @param file the file whose change just ended, for that
     * @return whether bundles may be started again now: no transaction stuck, no refresh that goes on
     */
    private boolean mayStartAgain(boolean log, String file) {
        if (outcomes.all().stream().anyMatch(r -> r.stuck != null)) {
            // a transaction whose start has not returned still owns the bundles of its plan it stopped: it starts them
            // and judges them when the start returns (fault campaign, seed 3860: marked pending here meanwhile, they
            // were started by that transaction's rollback and their records went on saying pending)
            return false;
        }
        if (ctx.refreshes.refreshing()) {
            // the deploy thread would wait in start() for the refresh (DeployStartTimeoutIT, CI run of 5e40b03)
            if (log) {
                ctx.log.info("deploy: a refresh still runs after the change of {}: nothing is started again until it ends", file);
            }
            return false;
        }
        return true;
    }

    /**
     * Files recorded {@code failed} whose bundle runs now: their records follow ({@link Outcomes#runsNow}).
     *
     * @return whether any record changed
     */
    private boolean failedButRunning(String by) {
        boolean any = false;
        for (FileRecord rec : outcomes.all()) {
            if (!DeployFileDTO.FAILED.equals(rec.state) || rec.stuck != null
                    || !java.nio.file.Files.exists(ctx.settings.folder.resolve(rec.file))) {
                continue; // a failed removal's bundle runs on purpose: its file is gone, and the record says the removal failed
            }
            Bundle bundle = ctx.bundle(rec.bundleId);
            if (bundle == null || bundle.getState() != Bundle.ACTIVE) {
                continue;
            }
            try (Operation op = ctx.begin(rec.file)) {
                outcomes.runsNow(op, rec, bundle, by);
            }
            any = true;
        }
        return any;
    }

    /** @return the bundle of a deployed record that the framework means to run but that does not run, or {@code null} */
    private Bundle downButMeantToRun(FileRecord rec) {
        if (!DeployFileDTO.DEPLOYED.equals(rec.state) || !ctx.settings.startNewBundles) {
            return null;
        }
        Bundle bundle = ctx.bundle(rec.bundleId);
        if (bundle == null || Bundles.isRunning(bundle) || Bundles.isFragment(bundle) || !Bundles.persistentlyStarted(bundle)
                || !Bundles.startLevelMet(ctx.bundles, bundle)) {
            return null;
        }
        return bundle;
    }

    private void startAgain(FileRecord rec, Bundle bundle, String what) {
        try (Operation op = ctx.begin(rec.file)) {
            install.startNewBundle(op, rec, bundle, what);
        }
    }
}
