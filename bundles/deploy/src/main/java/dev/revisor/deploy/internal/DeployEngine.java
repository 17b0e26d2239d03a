package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * The deploy folder's entry points: what FileInstall reports (a file new or changed, a file gone), the start-up
 * (recovery first, then what changed while Revisor was not watching), the sweep for what FileInstall never reports,
 * and the checks before any transaction (folder and file ownership and mode, symbolic links, directories, same bytes,
 * the jar itself, the framework's identity rules). A file that passes goes to its transaction:
 * {@link InstallTransaction}, {@link UpdateTransaction} or {@link RemoveTransaction}; what each says is written by
 * {@link Outcomes} alone.
 * <p>
 * Concurrent Semantics: every method but {@link #status} and {@link #records} runs on the deploy thread only (the
 * component's single-threaded executor), so transactions never overlap; those two read the copies {@link Outcomes}
 * publishes. Bundle starts run on the {@link Starter}'s threads; the deploy thread waits for each at most
 * {@code start.timeout.ms} (see {@link StuckStarts}).
 */
final class DeployEngine {
    /** Schedules a task on the deploy thread after a delay. */
    interface Scheduler {
        void schedule(Runnable task, long delayMillis);
    }

    static final String FAILED_SUFFIX = Outcomes.FAILED_SUFFIX;
    static final String PENDING_SUFFIX = Outcomes.PENDING_SUFFIX;

    private final DeployContext ctx;
    private final FolderGuard guard;
    private final JarInspector inspector;
    private final Scheduler scheduler;
    private final Outcomes outcomes;
    private final StuckStarts stuck;
    private final InstallTransaction install;
    private final UpdateTransaction update;
    private final RemoveTransaction remove;
    private final Revival revival;
    private final Recovery recovery;
    /** What the last sweep saw of entries whose change FileInstall has not reported: name to (time, size). */
    private Map<String, List<Long>> lastSweep = new HashMap<>();

    DeployEngine(BundleContext context, Operations operations, Refreshes refreshes, Journal journal, Logger log,
            Settings settings, FolderGuard guard, JarInspector inspector, StateStore store, Scheduler scheduler, Starter starter) {
        this.ctx = new DeployContext(context, operations, refreshes, journal, log, settings, store, starter);
        this.guard = guard;
        this.inspector = inspector;
        this.scheduler = scheduler;
        this.outcomes = new Outcomes(ctx);
        PlanRestarter restarter = new PlanRestarter(ctx, outcomes);
        this.stuck = new StuckStarts(ctx, outcomes);
        this.revival = new Revival(ctx, outcomes);
        this.install = new InstallTransaction(ctx, outcomes, stuck);
        this.update = new UpdateTransaction(ctx, outcomes, restarter, stuck, install);
        this.remove = new RemoveTransaction(ctx, outcomes, restarter, stuck, revival);
        this.recovery = new Recovery(ctx, outcomes, restarter, install, update, remove, stuck);
        revival.bind(install);
        stuck.bind(install, update, new StuckStarts.Redo() {
            @Override
            public void changed(Path file) {
                DeployEngine.this.changed(file, false);
            }

            @Override
            public void removed(Path file) {
                DeployEngine.this.removed(file);
            }
        });
    }

    /** Reads state.json; called once before any task runs. */
    void load() throws IOException {
        outcomes.load();
    }

    // ------------------------------------------------------------------------------------------------ entry points

    /** At activation, on the deploy thread: recovery first, then what changed while Revisor was not watching. */
    void startUp() {
        String problem = guard.folderProblem(ctx.settings.folder);
        if (problem != null) {
            outcomes.folderRefused(problem);
        }
        // first the transactions a previous runtime left stuck, then its write-ahead record: a start the recovery
        // itself reports stuck must not be taken for one of the previous runtime's and "finished" at once
        stuck.finishUnfinished();
        recover();
        reevaluatePending();
        // a missing folder (replaced at this moment, not mounted yet) removes no file: each file that is not in the
        // folder is reported once it is there again
        for (FileRecord rec : Files.isDirectory(ctx.settings.folder) ? outcomes.all() : List.<FileRecord>of()) {
            Path file = ctx.settings.folder.resolve(rec.file);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                removed(file);
            } else if (DeployFileDTO.WAITING.equals(rec.state) && rec.seenModified < 0) {
                changed(file, false); // the recovery left it to be tried again
            }
        }
        sweep();
    }

    /** A file of the folder is new or changed (FileInstall's install or update, or the sweep). */
    void changed(Path file, boolean settled) {
        String name = file.getFileName().toString();
        if (isMarker(name)) {
            outcomes.markerChanged(name);
            return;
        }
        FileRecord rec = outcomes.getOrCreate(name);
        try {
            stamp(rec, file);
            String folderProblem = guard.folderProblem(ctx.settings.folder);
            if (folderProblem != null) {
                outcomes.folderRefused(folderProblem);
                outcomes.refuse(rec, null, null, "permissions", "the deploy folder is refused: " + folderProblem);
                return;
            }
            if (Files.isSymbolicLink(file)) {
                outcomes.refuse(rec, bundleOf(ctx, rec, file), null, "symlink", symlinkReason(file));
                return;
            }
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                outcomes.refuse(rec, bundleOf(ctx, rec, file), null, "zip", "it is a directory, not a jar: remove it (rm -r "
                        + name + ") and put bundles into the folder as jar files");
                return;
            }
            if (!isJar(name)) {
                outcomes.refuse(rec, null, null, "name", "only bundle jars (NAME.jar) are deployed from this folder");
                return;
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return; // gone already: its removal follows
            }
            String fileProblem = guard.fileProblem(file);
            if (fileProblem != null) {
                outcomes.refuse(rec, bundleOf(ctx, rec, file), null, "permissions", fileProblem);
                return;
            }
            Bundle existing = bundleOf(ctx, rec, file);
            List<String> blockers = stuck.blockers(rec, existing, true);
            if (!blockers.isEmpty()) {
                stuck.defer(rec, existing, blockers);
                return;
            }
            boolean waited = stuck.notDeferred(name);
            long modified = Files.getLastModifiedTime(file).toMillis();
            long size = Files.size(file);
            FolderGuard.Identity checked = guard.identity(file);
            String sha = ctx.store.stage(file, name);
            FolderGuard.Identity read = guard.identity(file);
            if (checked == null || !checked.equals(read) || guard.fileProblem(file) != null) {
                // replaced or changed between the check and the copy: the copy is not what was checked
                ctx.store.discardStaged(name);
                waitForCompleteFile(rec, file, modified, size, "the file changed while Revisor read it");
                return;
            }
            if (existing != null && sha.equals(rec.sha256)) {
                ctx.store.discardStaged(name);
                if (waited) {
                    unchanged(rec, existing, sha, "the change it waited for needed nothing: the file holds the bytes "
                            + Explain.name(existing) + " runs");
                }
                if (!DeployFileDTO.DEPLOYED.equals(rec.state) && !DeployFileDTO.PENDING.equals(rec.state)
                        && !DeployFileDTO.FAILED.equals(rec.state)) {
                    // the file is back to the bytes the bundle runs: nothing to do but to say so
                    rec.state = DeployFileDTO.DEPLOYED;
                    rec.reason = "the file holds the bytes " + Explain.name(existing) + " runs";
                    rec.triedSha256 = null;
                    outcomes.clearMarker(rec);
                }
                return;
            }
            if (sha.equals(rec.triedSha256) && (rec.triedModified < 0 || rec.triedModified == modified)) {
                ctx.store.discardStaged(name);
                outcomes.resumeAfterWait(rec); // a change that waited for a stuck start turned out to be these bytes
                if (waited) {
                    unchanged(rec, existing, sha, "the change it waited for needed nothing: these bytes were tried already");
                }
                return; // the same bytes were refused or rolled back already: the marker says why; touching the file retries
            }
            JarFacts facts;
            try {
                facts = inspector.inspect(ctx.store.staging(name), sha);
                FrameworkChecks.check(ctx, facts, existing);
            } catch (Refusal r) {
                if ("incomplete".equals(r.check()) && !settled) {
                    waitForCompleteFile(rec, file, modified, size, r.getMessage());
                    return;
                }
                outcomes.refuse(rec, existing, sha, r.check(), r.getMessage());
                ctx.store.discardStaged(name);
                return;
            }
            boolean changedRuntime = existing == null ? install.run(rec, Bundles.location(file), facts)
                    : update.run(rec, facts, existing);
            if (changedRuntime) {
                revival.reevaluate(name);
            }
            revival.reconcile(name);
        } catch (IOException | RuntimeException e) {
            ctx.log.error("deploy: {} could not be handled: {}", name, e.toString(), e);
            unexpected(rec, e);
        } finally {
            outcomes.save();
        }
    }

    /**
     * A failure no transaction handled. Without a write-ahead record of this file nothing in the runtime had changed
     * (transactions write it before their first change): the file is refused. With one, the recovery judges by what
     * runs, as after a crash.
     */
    private void unexpected(FileRecord rec, Exception e) {
        try {
            Transaction tx = ctx.store.readTransaction();
            if (tx != null && rec.file.equals(tx.file)) {
                recover();
                return;
            }
            outcomes.refuse(rec, null, null, "internal", "Revisor could not handle the file: " + e);
        } catch (IOException | RuntimeException again) {
            ctx.log.error("deploy: cannot even record the failure of {}: {}", rec.file, again.toString(), again);
        }
    }

    /** A file left the folder (FileInstall's uninstall, or the sweep). */
    void removed(Path file) {
        String name = file.getFileName().toString();
        if (isMarker(name)) {
            outcomes.markerChanged(name);
            return;
        }
        FileRecord rec = outcomes.get(name);
        Bundle bundle = rec == null ? null : bundleOf(ctx, rec, file);
        if (bundle == null) {
            bundle = ctx.bundles.getBundle(Bundles.location(file));
        }
        List<String> blockers = stuck.blockers(rec, bundle, false);
        if (!blockers.isEmpty()) {
            FileRecord waiting = rec == null ? outcomes.getOrCreate(name) : rec;
            waiting.seenModified = FileRecord.GONE; // its absence is taken up: the removal waits (FolderSettle)
            waiting.seenSize = FileRecord.GONE;
            stuck.defer(waiting, bundle, blockers);
            return;
        }
        stuck.notDeferred(name);
        try {
            if (bundle == null) {
                outcomes.forget(name);
                return;
            }
            remove.run(name, rec, bundle);
            revival.reconcile(name);
        } finally {
            outcomes.save();
        }
    }

    /** The settle period of an incomplete file is over: if it did not change, it is judged as it is. */
    void settleCheck(Path file, long modified, long size) {
        try {
            if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toMillis() == modified && Files.size(file) == size) {
                changed(file, true);
            }
        } catch (IOException e) {
            // gone or unreadable: FileInstall reports what happens next
        }
    }

    /**
     * Looks at the folder itself for what FileInstall does not report: directories and symbolic links named
     * {@code *.jar}, files whose change was not reported (seen the same in two sweeps in a row, as FileInstall waits for
     * a stable file), files gone without a report (the folder deleted, re-created or swapped). Called every second.
     */
    void sweep() {
        try {
            sweepOnce();
        } catch (RuntimeException e) { // one failing look never ends the periodic sweep
            ctx.log.error("deploy: looking at the folder failed: {}", e.toString(), e);
        }
    }

    private void sweepOnce() {
        Map<String, List<Long>> seen = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(ctx.settings.folder)) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (!isJar(n) || n.startsWith(".")) {
                    continue;
                }
                FileRecord rec = outcomes.get(n);
                List<Long> stamp = stampOf(p);
                if (rec != null && rec.seenModified == stamp.get(0) && rec.seenSize == stamp.get(1)) {
                    continue;
                }
                if (stamp.equals(lastSweep.get(n))) {
                    changed(p, false);
                } else {
                    seen.put(n, stamp);
                }
            }
        } catch (IOException e) {
            lastSweep = seen;
            return; // no folder right now: FileInstall waits for it, and so does the sweep
        }
        for (FileRecord rec : outcomes.all()) {
            Path p = ctx.settings.folder.resolve(rec.file);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && rec.stuck == null) {
                if (lastSweep.containsKey("-" + rec.file)) {
                    removed(p);
                } else {
                    seen.put("-" + rec.file, List.of());
                }
            } else if (rec.marker != null && !Files.exists(ctx.settings.folder.resolve(rec.marker), LinkOption.NOFOLLOW_LINKS)) {
                // the marker went with a folder that was deleted and made again, and its jar came back with the same
                // bytes: nothing reports the marker's absence once the jar is there, so it is written again here
                outcomes.markerChanged(rec.marker);
            }
        }
        lastSweep = seen;
        if (revival.sweep()) {
            outcomes.save();
        }
    }

    void startReturned(Starter.Stuck s, Throwable failure) {
        stuck.startReturned(s, failure);
        // the finished transaction's plan may have started (or left down) bundles of other files
        revival.reconcile(s.file);
        outcomes.save();
    }

    void disarmStuck() {
        stuck.disarmStuck();
    }

    /** Bundles that waited for requirements: resolve and start the ones whose requirements arrived. */
    void reevaluatePending() {
        revival.reevaluate(null);
        outcomes.save();
    }

    /** A write-ahead record left behind: complete or roll back what it says, judged by what runs. */
    void recover() {
        recovery.recover();
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** @return the folder's state; any thread */
    DeployStatusDTO status(int queued) {
        return outcomes.status(guard.folderProblem(ctx.settings.folder), ctx.settings.apiGate, queued);
    }

    /** @return copies of the file records as last saved; any thread */
    Map<String, FileRecord> records() {
        return outcomes.snapshot();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A change that waited ({@code deploy.deferred}) turned out to need nothing: the journal says so. */
    private void unchanged(FileRecord rec, Bundle bundle, String sha, String reason) {
        Map<String, Object> details = DeployContext.details(rec.file, sha);
        details.put("reason", reason);
        ctx.journal.record("deploy.unchanged", null, bundle, details);
    }

    private void waitForCompleteFile(FileRecord rec, Path file, long modified, long size, String problem) throws IOException {
        rec.state = DeployFileDTO.INCOMPLETE;
        rec.reason = problem + "; Revisor waits " + ctx.settings.settleMillis + " ms for the file to be complete; nothing changed";
        Map<String, Object> details = DeployContext.details(rec.file, null);
        details.put("reason", problem);
        ctx.journal.record("deploy.incomplete", null, null, details);
        ctx.store.discardStaged(rec.file);
        scheduler.schedule(() -> settleCheck(file, modified, size), ctx.settings.settleMillis);
    }

    private String symlinkReason(Path file) {
        String target;
        try {
            target = Files.readSymbolicLink(file).toString();
        } catch (IOException | UnsupportedOperationException e) {
            target = "?";
        }
        String name = file.getFileName().toString();
        return "it is a symbolic link (to " + target + "): Revisor deploys only regular files of the folder, so that the"
                + " bytes it checks are the bytes it installs and the folder's permissions decide who may change them."
                + " Copy the jar in instead: cp " + target + " " + ctx.settings.folder.resolve("." + name + ".tmp") + " && mv "
                + ctx.settings.folder.resolve("." + name + ".tmp") + " " + file + " (docs/deploy.md, \"Symbolic links\")";
    }

    static boolean isJar(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    static boolean isMarker(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jar" + FAILED_SUFFIX) || n.endsWith(".jar" + PENDING_SUFFIX);
    }

    /** @return the bundle location of a file: its normalized URI, as FileInstall makes it */
    static String location(Path file) {
        return Bundles.location(file);
    }

    /** @return the bundle the file holds: the record's, or the one installed from the file's location */
    static Bundle bundleOf(DeployContext ctx, FileRecord rec, Path file) {
        Bundle b = rec == null ? null : ctx.bundle(rec.bundleId);
        if (b == null || b.getState() == Bundle.UNINSTALLED) {
            b = ctx.bundles.getBundle(Bundles.location(file));
        }
        return b;
    }

    /** @return the entry's own modification time and size (a link's, not its target's), or -1s when it is gone */
    private static List<Long> stampOf(Path file) {
        long[] seen = FolderSettle.seen(file); // one definition of "time and size" for stamping and for settling
        return List.of(seen[0], seen[1]);
    }

    /** Notes the file's time and size as Revisor takes up its content (see {@link FileRecord#seenModified}). */
    static void stamp(FileRecord rec, Path file) {
        List<Long> s = stampOf(file);
        rec.seenModified = s.get(0);
        rec.seenSize = s.get(1);
    }
}
