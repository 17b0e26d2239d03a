package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * The deploy folder's transactions: checks before, API gate, apply, verify, rollback, markers beside the file,
 * the write-ahead record and the recovery after a crash.
 * <p>
 * Concurrent Semantics: every method but {@link #status()} runs on the deploy thread only (the component's
 * single-threaded executor), so transactions never overlap; {@link #status()} may be called on any thread and reads
 * a concurrent map of copies. Bundle starts run on the {@link Starter}'s threads; the deploy thread waits for each at
 * most {@code start.timeout.ms}.
 * <p>
 * A start that has not returned in time holds the framework's lock for its bundle until it returns: stopping,
 * updating or uninstalling that bundle would wait as long, and a refresh that covers it would hold the framework's
 * global lock meanwhile (every bundle operation of the runtime would wait). So Revisor never touches a bundle whose
 * start is stuck: its transaction ends {@code stuck}, the change of any file whose refresh would cover it waits
 * ({@code deploy.deferred}), and when the start returns ({@link #startReturned}) the transaction is finished.
 */
final class DeployEngine {
    /** Schedules a task on the deploy thread after a delay. */
    interface Scheduler {
        void schedule(Runnable task, long delayMillis);
    }

    static final String KIND = "deploy";
    static final String FAILED_SUFFIX = ".failed";
    static final String PENDING_SUFFIX = ".pending";

    private final BundleContext context;
    private final FrameworkWiring frameworkWiring;
    private final Operations operations;
    private final Refreshes refreshes;
    private final Journal journal;
    private final Logger log;
    private final Settings settings;
    private final FolderGuard guard;
    private final JarInspector inspector;
    private final StateStore store;
    private final Scheduler scheduler;
    private final Starter starter;
    private final Map<String, FileRecord> records = new ConcurrentHashMap<>();
    /** Files whose change waits for a stuck start to return, with the starts they wait for (deploy thread only). */
    private final Map<String, List<String>> deferred = new LinkedHashMap<>();
    /** What late starts threw, by bundle id, until their transaction is finished (deploy thread only). */
    private final Map<Long, Throwable> lateFailures = new java.util.HashMap<>();
    /** The folder problem last journaled, so that it is journaled once, not at every file. */
    private volatile String reportedFolderProblem;

    DeployEngine(BundleContext context, Operations operations, Refreshes refreshes, Journal journal, Logger log,
            Settings settings, FolderGuard guard, JarInspector inspector, StateStore store, Scheduler scheduler, Starter starter) {
        this.context = context;
        this.frameworkWiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        this.operations = operations;
        this.refreshes = refreshes;
        this.journal = journal;
        this.log = log;
        this.settings = settings;
        this.guard = guard;
        this.inspector = inspector;
        this.store = store;
        this.scheduler = scheduler;
        this.starter = starter;
    }

    /** Reads state.json; called once before any task runs. */
    void load() throws IOException {
        records.putAll(store.loadRecords());
    }

    // ------------------------------------------------------------------------------------------------ entry points

    /** At activation, on the deploy thread: recovery first, then what changed while Revisor was not watching. */
    void startUp() {
        String problem = guard.folderProblem(settings.folder);
        if (problem != null) {
            folderRefused(problem);
        }
        recover();
        finishUnfinished();
        reevaluatePending();
        // a missing folder (replaced at this moment, not mounted yet) removes no file: FileInstall reports each file
        // that is not in the folder once it is there again
        for (FileRecord rec : Files.isDirectory(settings.folder) ? new ArrayList<>(records.values()) : List.<FileRecord>of()) {
            if (!Files.exists(settings.folder.resolve(rec.file))) {
                removed(settings.folder.resolve(rec.file));
            }
        }
    }

    /** A file of the folder is new or changed (FileInstall's install or update). */
    void changed(Path file, boolean settled) {
        String name = file.getFileName().toString();
        if (isMarker(name)) {
            markerChanged(name);
            return;
        }
        FileRecord rec = records.computeIfAbsent(name, this::newRecord);
        try {
            stamp(rec, file);
            String folderProblem = guard.folderProblem(settings.folder);
            if (folderProblem != null) {
                folderRefused(folderProblem);
                refuse(rec, null, "permissions", "the deploy folder is refused: " + folderProblem);
                return;
            }
            if (Files.isDirectory(file)) {
                refuse(rec, null, "zip", "it is a directory: put bundles into the folder as jar files");
                return;
            }
            if (!isJar(name)) {
                refuse(rec, null, "name", "only bundle jars (NAME.jar) are deployed from this folder");
                return;
            }
            if (!Files.isRegularFile(file)) {
                return; // gone already: its removal follows
            }
            String fileProblem = guard.fileProblem(file);
            if (fileProblem != null) {
                refuse(rec, null, "permissions", fileProblem);
                return;
            }
            Bundle existing = bundleOf(rec, file);
            List<String> blockers = blockers(rec, existing, true);
            if (!blockers.isEmpty()) {
                defer(rec, existing, blockers);
                return;
            }
            deferred.remove(name);
            long modified = Files.getLastModifiedTime(file).toMillis();
            long size = Files.size(file);
            String sha = store.stage(file, name);
            if (existing != null && sha.equals(rec.sha256)) {
                store.discardStaged(name);
                if (!DeployFileDTO.DEPLOYED.equals(rec.state) && !DeployFileDTO.PENDING.equals(rec.state)
                        && !DeployFileDTO.FAILED.equals(rec.state)) {
                    // the file is back to the bytes the bundle runs: nothing to do but to say so
                    rec.state = DeployFileDTO.DEPLOYED;
                    rec.reason = "the file holds the bytes " + Explain.name(existing) + " runs";
                    rec.triedSha256 = null;
                    deleteMarkers(name);
                    rec.marker = null;
                    save();
                }
                return;
            }
            if (sha.equals(rec.triedSha256)) {
                store.discardStaged(name);
                return; // the same bytes were refused or rolled back already: the marker says why
            }
            JarFacts facts;
            try {
                facts = inspector.inspect(store.staging(name), sha);
            } catch (Refusal r) {
                if ("incomplete".equals(r.check()) && !settled) {
                    waitForCompleteFile(rec, file, modified, size, r.getMessage());
                    return;
                }
                refuse(rec, sha, r.check(), r.getMessage());
                return;
            }
            try {
                frameworkChecks(facts, existing);
            } catch (Refusal r) {
                refuse(rec, sha, r.check(), r.getMessage());
                return;
            }
            if (existing == null) {
                install(rec, file, facts);
            } else {
                update(rec, file, facts, existing);
            }
        } catch (IOException | RuntimeException e) {
            log.error("deploy: {} could not be handled: {}", name, e.toString(), e);
            refuseQuietly(rec, "internal", "Revisor could not handle the file: " + e);
        } finally {
            save();
        }
    }

    /** A file left the folder (FileInstall's uninstall). */
    void removed(Path file) {
        String name = file.getFileName().toString();
        if (isMarker(name)) {
            markerChanged(name);
            return;
        }
        FileRecord rec = records.get(name);
        Bundle bundle = rec == null ? null : bundleOf(rec, file);
        if (bundle == null) {
            bundle = context.getBundle(location(file));
        }
        List<String> blockers = blockers(rec, bundle, false);
        if (!blockers.isEmpty()) {
            defer(rec == null ? records.computeIfAbsent(name, this::newRecord) : rec, bundle, blockers);
            return;
        }
        deferred.remove(name);
        deleteMarkers(name);
        if (bundle == null) {
            records.remove(name);
            forget(name);
            save();
            return;
        }
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + name, name)) {
            try {
                RefreshPlanDTO plan = refreshes.plan(List.of(bundle), Refreshes.Change.UNINSTALL);
                journalPlan(op, bundle, name, plan);
                Transaction tx = transaction(op, name, Transaction.UNINSTALL, bundle);
                collectStates(plan, bundle, tx);
                store.writeTransaction(tx);
                String display = Explain.name(bundle);
                stopAll(tx.activeBefore); // Revisor, not the framework's refresh, starts them again: with the time box
                bundle.uninstall();
                tx.phase = Transaction.APPLIED; // not written: at restart the bundle's absence tells
                journal.record("deploy.uninstalled", op.id(), bundle, details(name, null));
                Verdict verdict = refreshStartVerify(bundle, tx, false, name);
                for (Starter.Stuck s : verdict.stuck) {
                    journalStuck(op, name, tx, s);
                }
                List<String> failures = verdict.failures;
                String reason = "removed " + name + ": uninstalled " + display
                        + (failures.isEmpty() ? "" : "; bundles that used it no longer run: " + String.join("; ", failures));
                op.outcome(Operation.SUCCEEDED, reason);
                records.remove(name);
                forget(name);
                store.clearTransaction();
            } catch (BundleException | IOException | RuntimeException e) {
                log.error("deploy: removing {} failed: {}", name, e.toString(), e);
                op.outcome(Operation.FAILED, "removing " + name + " failed: " + e.getMessage());
            }
        } finally {
            save();
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

    // ------------------------------------------------------------------------------------------------ install

    private void install(FileRecord rec, Path file, JarFacts facts) throws IOException {
        String name = rec.file;
        String location = location(file);
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + name, name)) {
            Transaction tx = transaction(op, name, Transaction.INSTALL, null);
            tx.location = location;
            tx.sha256 = facts.sha256;
            store.writeTransaction(tx);
            Bundle bundle;
            try (InputStream in = Files.newInputStream(store.staging(name))) {
                bundle = context.installBundle(location, in);
            } catch (BundleException e) {
                store.clearTransaction();
                refuseIn(op, rec, null, facts.sha256, "framework", "the framework refused to install it: " + Explain.firstLine(e.getMessage()));
                return;
            }
            // no second write of the record: at restart the bundle's location tells whether the install happened
            tx.phase = Transaction.APPLIED;
            tx.bundleId = bundle.getBundleId();
            if (settings.startLevel > 0) {
                bundle.adapt(BundleStartLevel.class).setStartLevel(settings.startLevel);
            }
            store.keep(name);
            rec.location = location;
            rec.bundleId = bundle.getBundleId();
            rec.sha256 = facts.sha256;
            rec.triedSha256 = null;
            journal.record("deploy.installed", op.id(), bundle, details(name, facts.sha256));
            startNewBundle(op, rec, bundle, "installed " + Explain.name(bundle));
            store.clearTransaction();
        }
        reevaluatePending();
    }

    /** Resolves and starts a bundle that was just installed; marks it pending or failed when it does not get there. */
    private void startNewBundle(Operation op, FileRecord rec, Bundle bundle, String what) {
        boolean fragment = isFragment(bundle);
        if (!frameworkWiring.resolveBundles(List.of(bundle))) {
            String why = Explain.unresolved(bundle, frameworkWiring);
            pending(op, rec, bundle, what + ", but it waits: " + why + ". It starts as soon as a bundle that provides it is deployed.");
            return;
        }
        if (fragment || !settings.startNewBundles) {
            deployed(op, rec, bundle, what + (fragment ? " (a fragment: attached when its host resolves)" : " (not started: " + DeployComponent.START_NEW + "=false)"));
            return;
        }
        Starter.Result started = starter.start(bundle, Bundle.START_ACTIVATION_POLICY, rec.file);
        if (started.stuck != null) {
            Transaction tx = new Transaction();
            tx.operation = op.id();
            tx.file = rec.file;
            tx.action = Transaction.INSTALL;
            tx.bundleId = bundle.getBundleId();
            tx.location = bundle.getLocation();
            tx.sha256 = rec.sha256;
            tx.started = Instant.now().toString();
            Verdict verdict = new Verdict();
            verdict.stuck.add(started.stuck);
            unfinished(op, rec, bundle, tx, verdict, what + ", but");
            return;
        }
        if (started.refused != null) {
            failed(op, rec, bundle, what + ", but it was not started: " + started.refused
                    + ". Remove the jar and copy it in again once they have returned");
            return;
        }
        if (started.failure != null) {
            stopQuietly(bundle); // no persistent start: it stays installed, not active, until a fixed jar comes
            failed(op, rec, bundle, what + ", but it did not start: " + Explain.failure(started.failure), started.failure);
            return;
        }
        deployed(op, rec, bundle, what);
    }

    /** Clears the persistent start of a bundle whose start failed; the start has returned, so its lock is free. */
    private void stopQuietly(Bundle bundle) {
        try {
            bundle.stop();
        } catch (BundleException | IllegalStateException ignored) {
            // it is not active anyway
        }
    }

    // ------------------------------------------------------------------------------------------------ update

    private void update(FileRecord rec, Path file, JarFacts facts, Bundle bundle) throws IOException {
        String name = rec.file;
        rec.location = bundle.getLocation(); // adopts a bundle installed from this file without Revisor
        rec.bundleId = bundle.getBundleId();
        Path previous = store.bytes(name);
        if (!Files.exists(previous)) {
            snapshot(bundle, previous);
        }
        List<ApiGate.Break> breaks = List.of();
        String gateNote = null;
        long gateMillis = -1;
        if (ApiGate.hasImporters(bundle)) {
            long t0 = System.nanoTime();
            try {
                breaks = ApiGate.check(previous.toFile(), store.staging(name).toFile(), bundle);
                gateMillis = (System.nanoTime() - t0) / 1_000_000;
            } catch (Exception | LinkageError e) {
                gateNote = "the API gate could not compare the versions (" + e + "); the update went on without it";
                log.warn("deploy: {}: {}", name, gateNote, e);
            }
        }
        boolean success = false;
        boolean keepStaged = false;
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + name, name)) {
            if (!breaks.isEmpty()) {
                List<Object> packages = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                for (ApiGate.Break b : breaks) {
                    packages.add(b.toMap());
                    texts.add(b.describe());
                }
                boolean refuse = ApiGate.REFUSE.equals(settings.apiGate);
                Map<String, Object> details = details(name, facts.sha256);
                details.put("policy", settings.apiGate);
                details.put("verdict", refuse ? "refused" : "warned");
                details.put("packages", packages);
                details.put("baselineMillis", gateMillis);
                journal.record("deploy.api-gate", op.id(), bundle, details);
                String text = "the update to " + facts.display() + " breaks the API its importers use: " + String.join(" | ", texts);
                if (refuse) {
                    refuseIn(op, rec, bundle, facts.sha256, "api-gate", text
                            + ". Export the changed package under a new major version, or let it through with api.gate=warn"
                            + " (configuration dev.revisor.deploy)");
                    return;
                }
                gateNote = "API gate (api.gate=warn) let it through: " + text;
            }
            RefreshPlanDTO plan = refreshes.plan(List.of(bundle), Refreshes.Change.UPDATE);
            journalPlan(op, bundle, name, plan);
            Transaction tx = transaction(op, name, Transaction.UPDATE, bundle);
            tx.sha256 = facts.sha256;
            tx.previousSha256 = rec.sha256;
            tx.lastModifiedBefore = bundle.getLastModified();
            collectStates(plan, bundle, tx);
            store.writeTransaction(tx);
            String before = Explain.name(bundle);
            // the bundle and the active bundles of its plan are stopped here, so that Revisor starts them again itself,
            // each within start.timeout.ms, instead of the framework's refresh thread (which holds the framework's
            // global lock while it restarts them: an activator that blocks there would block the whole runtime)
            stopAll(tx.activeBefore);
            stopTransient(bundle);
            try (InputStream in = Files.newInputStream(store.staging(name))) {
                bundle.update(in);
            } catch (BundleException e) {
                startAll(tx.activeBefore, name, Map.of());
                store.clearTransaction();
                refuseIn(op, rec, bundle, facts.sha256, "framework", "the framework refused the new bytes: " + Explain.firstLine(e.getMessage()));
                return;
            }
            tx.phase = Transaction.APPLIED; // not written: at restart the bundle's last-modified time tells
            Map<String, Object> updated = details(name, facts.sha256);
            updated.put("from", before);
            journal.record("deploy.updated", op.id(), bundle, updated);
            Verdict verdict = refreshStartVerify(bundle, tx, true, name);
            String what = "the update to " + facts.display();
            if (verdict.ok()) {
                store.keep(name);
                rec.sha256 = facts.sha256;
                rec.triedSha256 = null;
                deployed(op, rec, bundle, "updated " + before + " to " + bundle.getVersion() + (gateNote == null ? "" : "; " + gateNote));
                success = true;
            } else if (!verdict.stuck.isEmpty()) {
                keepStaged = true; // kept until the starts return: then the update is kept or rolled back
                unfinished(op, rec, bundle, tx, verdict, what + " is not finished:");
            } else if (verdict.refreshTimedOut) {
                refreshTimedOut(op, rec, bundle, tx, what + " failed: " + String.join("; ", verdict.failures));
            } else {
                rollBack(op, rec, bundle, tx, previous, what + " failed: " + String.join("; ", verdict.failures),
                        verdict.thrown.get(bundle.getBundleId()));
            }
            store.clearTransaction();
        } finally {
            if (!keepStaged) {
                store.discardStaged(name);
            }
        }
        if (success) {
            reevaluatePending();
        }
    }

    /**
     * Puts the previous bytes back, refreshes, restarts, verifies; records rolled-back (or failed when that fails too).
     *
     * @param thrown what the new version's start threw, when that is why it is rolled back; or {@code null}
     */
    private void rollBack(Operation op, FileRecord rec, Bundle bundle, Transaction tx, Path previous, String cause, Throwable thrown) {
        Verdict verdict;
        stopAll(tx.activeBefore);
        stopTransient(bundle);
        try (InputStream in = Files.newInputStream(previous)) {
            bundle.update(in);
            verdict = refreshStartVerify(bundle, tx, true, rec.file);
        } catch (BundleException | IOException e) {
            verdict = new Verdict();
            verdict.failures.add("putting the previous bytes back failed: " + Explain.firstLine(e.getMessage()));
        }
        rec.triedSha256 = tx.sha256;
        if (!verdict.stuck.isEmpty()) {
            tx.rollingBack = true;
            unfinished(op, rec, bundle, tx, verdict, cause + ". The previous bytes are back, but the rollback is not finished:");
            return;
        }
        rolledBackOrNot(op, rec, bundle, tx, cause, verdict, thrown);
    }

    /**
     * Records how a rollback ended, once its starts have returned.
     *
     * @param thrown what the new version's start threw (journaled on deploy.rolled-back), or {@code null}
     */
    private void rolledBackOrNot(Operation op, FileRecord rec, Bundle bundle, Transaction tx, String cause, Verdict verdict,
            Throwable thrown) {
        Map<String, Object> details = details(rec.file, tx.sha256);
        details.put("cause", cause);
        if (verdict.ok()) {
            details.putAll(Explain.exceptionDetails(thrown));
            journal.record("deploy.rolled-back", op.id(), bundle, details);
            mark(op, rec, bundle, DeployFileDTO.ROLLED_BACK, Operation.ROLLED_BACK,
                    cause + ". Rolled back: " + Explain.name(bundle) + " runs its previous bytes again", FAILED_SUFFIX);
        } else {
            details.put("rollbackFailures", verdict.failures);
            // the bundle is not back: what its start threw now (the previous version's activator) is what audit:why needs
            details.putAll(Explain.exceptionDetails(verdict.thrown.get(bundle.getBundleId())));
            journal.record("deploy.rollback-failed", op.id(), bundle, details);
            mark(op, rec, bundle, DeployFileDTO.FAILED, Operation.FAILED,
                    cause + ". The rollback did not bring everything back: " + String.join("; ", verdict.failures), FAILED_SUFFIX);
        }
    }

    /**
     * The refresh did not end in time: it still runs on the framework's refresh thread and holds the framework's
     * global lock, so stopping or updating the bundle now would wait for it too. No rollback: the file is marked failed,
     * and the bundle's bytes are the new ones from now on (a later jar is an update from them).
     */
    private void refreshTimedOut(Operation op, FileRecord rec, Bundle bundle, Transaction tx, String cause) throws IOException {
        store.keep(rec.file);
        rec.sha256 = tx.sha256;
        rec.triedSha256 = null;
        Map<String, Object> details = details(rec.file, tx.sha256);
        details.put("cause", cause);
        details.put("rollbackFailures", List.of("no rollback: the refresh still runs"));
        journal.record("deploy.rollback-failed", op.id(), bundle, details);
        List<String> stopped = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (long id : tx.activeBefore) {
            Bundle b = context.getBundle(id);
            if (b != null && b.getState() != Bundle.ACTIVE && b.getState() != Bundle.STARTING) {
                stopped.add(Explain.name(b));
                ids.add(Long.toString(id));
            }
        }
        mark(op, rec, bundle, DeployFileDTO.FAILED, Operation.FAILED, cause + ". Revisor did not roll back: the refresh still"
                + " runs and holds the framework's lock, so stopping or updating " + Explain.name(bundle) + " would wait for it"
                + " as well" + (stopped.isEmpty() ? "" : "; these bundles of the plan were active and are stopped: "
                + String.join(", ", stopped)) + ". Once the refresh has ended, "
                + (stopped.isEmpty() ? "" : "start them (start " + String.join(" ", ids) + "), and ")
                + "copy the previous jar in again, or a fixed one", FAILED_SUFFIX);
    }

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
    }

    /**
     * Refreshes after a change, starts what was active before and checks that every bundle of the plan is back.
     *
     * @return the bundles that are not, each with the reason, and the starts that have not returned
     */
    private Verdict refreshStartVerify(Bundle changed, Transaction tx, boolean refresh, String file) {
        if (refresh || changed != null) {
            try {
                refreshes.refresh(List.of(changed), settings.refreshTimeoutMillis);
            } catch (TimeoutException e) {
                Verdict verdict = new Verdict();
                verdict.refreshTimedOut = true;
                verdict.failures.add("the refresh did not end within " + Explain.duration(settings.refreshTimeoutMillis)
                        + refreshThreadAt());
                return verdict;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Verdict verdict = new Verdict();
                verdict.failures.add("the transaction was interrupted (the runtime is stopping)");
                return verdict;
            }
        }
        return verify(tx, changed, file, Map.of());
    }

    /** @return where the framework's refresh thread is, when there is one */
    private static String refreshThreadAt() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if ("FelixFrameworkWiring".equals(e.getKey().getName())) {
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
    private Verdict verify(Transaction tx, Bundle changed, String file, Map<Long, Throwable> known) {
        Verdict verdict = new Verdict();
        Map<Long, Starter.Result> results = startAll(tx.activeBefore, file, known);
        long deadline = System.nanoTime() + settings.verifyTimeoutMillis * 1_000_000L;
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
            if (context.getBundle(id) == null && (changed == null || changed.getBundleId() != id)) {
                verdict.failures.add("bundle " + id + " is gone");
            }
        }
        List<Bundle> resolved = new ArrayList<>();
        for (long id : tx.resolvedBefore) {
            Bundle b = context.getBundle(id);
            if (b != null && b.getState() == Bundle.INSTALLED) {
                resolved.add(b);
            }
        }
        if (!resolved.isEmpty() && !frameworkWiring.resolveBundles(resolved)) {
            for (Bundle b : resolved) {
                if (b.getState() == Bundle.INSTALLED) {
                    verdict.failures.add(Explain.name(b) + " no longer resolves: " + Explain.unresolved(b, frameworkWiring));
                }
            }
        }
        return verdict;
    }

    private List<Bundle> notActive(List<Long> ids) {
        List<Bundle> out = new ArrayList<>();
        for (long id : ids) {
            Bundle b = context.getBundle(id);
            if (b != null && b.getState() != Bundle.ACTIVE && b.getState() != Bundle.STARTING) {
                out.add(b);
            }
        }
        return out;
    }

    /** Why a bundle that was started (and whose start did not throw) is not active; never starts it again. */
    private String whyNotActive(Bundle b) {
        if (b.getState() == Bundle.INSTALLED && !frameworkWiring.resolveBundles(List.of(b))) {
            return "it does not resolve: " + Explain.unresolved(b, frameworkWiring);
        }
        return "it did not start";
    }

    /**
     * Starts the bundles that are not active, in order, each within start.timeout.ms; never one whose start is stuck.
     *
     * @param skip bundles not to start (their late start threw)
     * @return how each start went, by bundle id
     */
    private Map<Long, Starter.Result> startAll(List<Long> ids, String file, Map<Long, ?> skip) {
        Map<Long, Starter.Result> results = new LinkedHashMap<>();
        for (long id : ids) {
            Bundle b = context.getBundle(id);
            if (b == null || skip.containsKey(id) || b.getState() == Bundle.ACTIVE || isFragment(b) || starter.isStuck(id)
                    || (b.getState() == Bundle.STARTING && isLazy(b))) {
                continue;
            }
            results.put(id, starter.start(b, Bundle.START_ACTIVATION_POLICY, file));
        }
        return results;
    }

    /** Stops the bundles transiently, the last first; never one whose start is stuck (the stop would wait for it). */
    private void stopAll(List<Long> ids) {
        List<Long> reversed = new ArrayList<>(ids);
        Collections.reverse(reversed);
        for (long id : reversed) {
            Bundle b = context.getBundle(id);
            if (b != null && !starter.isStuck(id)) {
                stopTransient(b);
            }
        }
    }

    private void stopTransient(Bundle bundle) {
        if (isFragment(bundle) || starter.isStuck(bundle.getBundleId())
                || (bundle.getState() != Bundle.ACTIVE && bundle.getState() != Bundle.STARTING)) {
            return;
        }
        try {
            bundle.stop(Bundle.STOP_TRANSIENT);
        } catch (BundleException e) {
            log.warn("deploy: stopping {} before its update failed: {}", Explain.name(bundle), e.getMessage());
        }
    }

    private static boolean isLazy(Bundle b) {
        Object policy = b.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return policy != null && String.valueOf(policy).trim().startsWith(Constants.ACTIVATION_LAZY);
    }

    // ------------------------------------------------------------------------------------------------ stuck starts

    /**
     * @param starts whether the change starts a bundle (a new or changed file, not a removal)
     * @return the starts a change of this file would have to wait for, in words: its own transaction's stuck starts,
     *         stuck starts of bundles the refresh of its bundle would cover, or all start threads taken; empty when none
     */
    private List<String> blockers(FileRecord rec, Bundle bundle, boolean starts) {
        Set<String> out = new LinkedHashSet<>();
        if (rec != null && rec.stuck != null) {
            for (long id : rec.stuck.stuckBundles) {
                Bundle b = context.getBundle(id);
                out.add(b == null ? "bundle " + id : Explain.name(b));
            }
        }
        Set<Long> stuck = starter.stuckIds();
        if (bundle != null && !stuck.isEmpty() && bundle.getState() != Bundle.UNINSTALLED) {
            for (Bundle b : frameworkWiring.getDependencyClosure(List.of(bundle))) {
                if (stuck.contains(b.getBundleId())) {
                    out.add(Explain.name(b));
                }
            }
        }
        if (out.isEmpty() && starts && starter.full()) {
            out.addAll(starter.runningNames());
        }
        return new ArrayList<>(out);
    }

    /** The change of this file waits until the starts it would have to wait for have returned. */
    private void defer(FileRecord rec, Bundle bundle, List<String> blockers) {
        boolean again = blockers.equals(deferred.put(rec.file, blockers));
        String reason = "its change waits until the start of " + String.join(", ", blockers) + " has returned: "
                + (rec.stuck != null ? "the last change of " + rec.file + " is not finished yet"
                        : "its refresh would have to stop " + (blockers.size() == 1 ? "that bundle" : "those bundles")
                                + " while their activator runs")
                + "; Revisor applies it then";
        if (!again) {
            Map<String, Object> details = details(rec.file, null);
            details.put("waitsFor", blockers);
            details.put("reason", reason);
            journal.record("deploy.deferred", null, bundle, details);
            log.info("deploy: {}: {}", rec.file, reason);
        }
        if (rec.stuck == null) {
            // another file's start is stuck: say so beside this one (the stuck file's own marker says it already)
            rec.state = DeployFileDTO.WAITING;
            rec.reason = reason;
            rec.time = Instant.now().toString();
            writeMarker(rec.file, PENDING_SUFFIX, rec.file + " waits (" + rec.time + "):\n" + reason + "\n\n"
                    + "The folder's state: bin/revisor exec 'audit:deploys'\n");
            rec.marker = rec.file + PENDING_SUFFIX;
        }
        try {
            store.discardStaged(rec.file);
        } catch (IOException e) {
            // staging is cleaned at the next transaction of this file
        }
    }

    /**
     * A transaction whose starts have not returned within the limit ends here: marked stuck, with each start's stack
     * journaled; it is finished when they return ({@link #startReturned}) or at the next start ({@link #startUp}).
     *
     * @param what the sentence so far, e.g. {@code installed x/1.0.0 [42], but}
     */
    private void unfinished(Operation op, FileRecord rec, Bundle bundle, Transaction tx, Verdict verdict, String what) {
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
        mark(op, rec, bundle, DeployFileDTO.STUCK, Operation.FAILED, reason, FAILED_SUFFIX);
        log.warn("deploy: {} {}", rec.file, reason);
    }

    private void journalStuck(Operation op, String file, Transaction tx, Starter.Stuck s) {
        Map<String, Object> details = details(file, tx.sha256);
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
        journal.record("deploy.start-stuck", op.id(), s.bundle, details);
    }

    /**
     * A start reported stuck has returned (on the deploy thread, handed over by the start's thread): journals it and,
     * once every stuck start of its transaction has returned, finishes that transaction; then the deferred files go on.
     */
    void startReturned(Starter.Stuck stuck, Throwable failure) {
        long id = stuck.bundle.getBundleId();
        Map<String, Object> details = details(stuck.file, null);
        details.put("durationMs", stuck.elapsedMillis());
        details.put("outcome", failure == null ? "started" : "failed");
        details.put("thread", stuck.thread);
        details.putAll(Explain.exceptionDetails(failure));
        journal.record("deploy.start-returned", null, stuck.bundle, details);
        log.info("deploy: the start of {} returned after {}{}", Explain.name(stuck.bundle), Explain.duration(stuck.elapsedMillis()),
                failure == null ? "" : ": " + Explain.failure(failure));
        FileRecord rec = records.get(stuck.file);
        if (rec != null && rec.stuck != null && rec.stuck.stuckBundles.contains(id)) {
            if (failure != null) {
                lateFailures.put(id, failure);
            }
            if (rec.stuck.stuckBundles.stream().noneMatch(starter::isStuck)) {
                finish(rec, "the start that had not returned came back after " + Explain.duration(stuck.elapsedMillis()));
            }
        }
        save();
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
            Throwable t = lateFailures.remove(id);
            if (t != null) {
                known.put(id, t);
            }
        }
        Bundle bundle = tx.bundleId < 0 ? null : context.getBundle(tx.bundleId);
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + rec.file, rec.file)) {
            if (bundle == null) {
                // uninstalled meanwhile (not by Revisor): the file, if it is still there, is deployed as new
                op.outcome(Operation.FAILED, why + "; the bundle of " + rec.file + " is gone");
                rec.bundleId = -1;
                rec.sha256 = null;
                rec.state = DeployFileDTO.WAITING;
                rec.reason = why + "; its bundle is gone";
                deleteMarkers(rec.file);
                rec.marker = null;
                deferred.put(rec.file, List.of());
                return;
            }
            String name = Explain.name(bundle);
            if (Transaction.INSTALL.equals(tx.action)) {
                Throwable thrown = known.get(bundle.getBundleId());
                if (bundle.getState() == Bundle.ACTIVE) {
                    deployed(op, rec, bundle, "installed " + name + " (" + why + ")");
                } else if (thrown != null) {
                    stopQuietly(bundle);
                    failed(op, rec, bundle, "installed " + name + ", but it did not start (" + why + "): " + Explain.failure(thrown),
                            thrown);
                } else {
                    startNewBundle(op, rec, bundle, "installed " + name + " (" + why + ")");
                }
                return;
            }
            Verdict verdict = verify(tx, bundle, rec.file, known);
            if (tx.rollingBack) {
                if (!verdict.stuck.isEmpty()) {
                    unfinished(op, rec, bundle, tx, verdict, why + "; the rollback of " + rec.file + " is still not finished:");
                } else {
                    rolledBackOrNot(op, rec, bundle, tx, "the update of " + rec.file + " did not verify (" + why + ")", verdict, null);
                }
                return;
            }
            if (verdict.ok()) {
                store.keep(rec.file);
                rec.sha256 = tx.sha256;
                rec.triedSha256 = null;
                deployed(op, rec, bundle, "updated " + name + " (" + why + "): every bundle of its plan is active");
            } else if (!verdict.stuck.isEmpty()) {
                unfinished(op, rec, bundle, tx, verdict, why + "; the update of " + rec.file + " is still not finished:");
                return; // the staged bytes stay until then
            } else {
                rollBack(op, rec, bundle, tx, store.bytes(rec.file), "the update of " + rec.file + " failed (" + why + "): "
                        + String.join("; ", verdict.failures), verdict.thrown.get(bundle.getBundleId()));
            }
            store.discardStaged(rec.file);
        } catch (IOException | RuntimeException e) {
            log.error("deploy: finishing the transaction of {} failed: {}", rec.file, e.toString(), e);
        } finally {
            save();
        }
    }

    /** At start: transactions whose starts had not returned when the runtime (or this component) stopped. */
    private void finishUnfinished() {
        List<FileRecord> unfinished = new ArrayList<>();
        for (FileRecord rec : records.values()) {
            if (rec.stuck != null) {
                unfinished.add(rec);
            }
        }
        if (unfinished.isEmpty()) {
            return;
        }
        awaitFrameworkStarted();
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
     * reached yet). Revisor starts it itself, within the limit, once the framework has started ({@link #startUp}).
     */
    void disarmStuck() {
        org.osgi.framework.startlevel.FrameworkStartLevel fsl = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)
                .adapt(org.osgi.framework.startlevel.FrameworkStartLevel.class);
        int active = fsl == null ? Integer.MAX_VALUE : fsl.getStartLevel();
        for (FileRecord rec : records.values()) {
            if (rec.stuck == null) {
                continue;
            }
            for (long id : rec.stuck.stuckBundles) {
                Bundle b = context.getBundle(id);
                if (b == null || (b.getState() != Bundle.RESOLVED && b.getState() != Bundle.INSTALLED)) {
                    continue;
                }
                BundleStartLevel bsl = b.adapt(BundleStartLevel.class);
                if (bsl == null || !bsl.isPersistentlyStarted() || bsl.getStartLevel() <= active) {
                    continue;
                }
                try {
                    b.stop();
                    log.warn("deploy: the start of {} ({}) had not returned when the runtime stopped; the framework will not"
                            + " start it by itself, Revisor starts it once the framework has started", Explain.name(b), rec.file);
                } catch (BundleException | IllegalStateException e) {
                    log.warn("deploy: cannot keep the framework from starting {}: {}", Explain.name(b), e.getMessage());
                }
            }
        }
    }

    /** Files whose change waited for a stuck start: judged again (they wait again if they still have to). */
    private void runDeferred() {
        if (deferred.isEmpty()) {
            return;
        }
        for (String name : new ArrayList<>(deferred.keySet())) {
            FileRecord rec = records.get(name);
            if (rec != null && !blockersChanged(rec, name)) {
                continue;
            }
            Path file = settings.folder.resolve(name);
            if (Files.exists(file)) {
                changed(file, false);
            } else {
                removed(file);
            }
        }
    }

    /** @return whether what the deferred file waits for has changed (some of it returned), so that it is judged again */
    private boolean blockersChanged(FileRecord rec, String name) {
        Path file = settings.folder.resolve(name);
        Bundle bundle = bundleOf(rec, file);
        List<String> now = blockers(rec, bundle, Files.exists(file));
        if (now.isEmpty()) {
            deferred.remove(name);
            return true;
        }
        return !now.equals(deferred.get(name));
    }

    // ------------------------------------------------------------------------------------------------ pending

    /** Bundles that waited for requirements: resolve and start the ones whose requirements arrived. */
    void reevaluatePending() {
        boolean any = false;
        boolean changed = true;
        for (int pass = 0; changed && pass < 10; pass++) {
            changed = false;
            for (FileRecord rec : new ArrayList<>(records.values())) {
                if (!DeployFileDTO.PENDING.equals(rec.state)) {
                    continue;
                }
                Bundle bundle = rec.bundleId < 0 ? null : context.getBundle(rec.bundleId);
                if (bundle == null) {
                    continue;
                }
                if (frameworkWiring.resolveBundles(List.of(bundle))) {
                    try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + rec.file, rec.file)) {
                        journal.record("deploy.resolved", op.id(), bundle, details(rec.file, rec.sha256));
                        startNewBundle(op, rec, bundle, Explain.name(bundle) + " got what it waited for");
                    }
                    changed = true;
                    any = true;
                } else {
                    String reason = "installed " + Explain.name(bundle) + ", but it waits: " + Explain.unresolved(bundle, frameworkWiring)
                            + ". It starts as soon as a bundle that provides it is deployed.";
                    if (!reason.equals(rec.reason)) {
                        rec.reason = reason;
                        writeMarker(rec.file, PENDING_SUFFIX, markerText(rec, "is installed but waits"));
                        any = true;
                    }
                }
            }
        }
        if (any) {
            save();
        }
    }

    // ------------------------------------------------------------------------------------------------ recovery

    /**
     * A write-ahead record left by a runtime that stopped in the middle of a transaction: complete the transaction
     * when its change is in place and verifies, else roll it back. Says which, in the journal and the file's state.
     */
    void recover() {
        Transaction tx;
        try {
            tx = store.readTransaction();
        } catch (IOException e) {
            log.error("deploy: the write-ahead record is unreadable, recovery skipped: {}", e.getMessage());
            return;
        }
        if (tx == null) {
            return;
        }
        awaitFrameworkStarted();
        FileRecord rec = records.computeIfAbsent(tx.file, this::newRecord);
        Path file = settings.folder.resolve(tx.file);
        log.warn("deploy: the runtime stopped during the {} of {} (operation {}, phase {}): recovering", tx.action, tx.file, tx.operation, tx.phase);
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + tx.file, tx.file)) {
            String decision;
            String what = "the runtime stopped during the " + tx.action + " of " + tx.file + " (operation " + tx.operation + ")";
            switch (tx.action) {
                case Transaction.INSTALL: {
                    Bundle bundle = tx.location == null ? null : context.getBundle(tx.location);
                    if (bundle == null) {
                        decision = "rolled-back";
                        store.discardStaged(tx.file);
                        op.outcome(Operation.ROLLED_BACK, what + "; it was not installed yet, nothing had changed; the file is tried again");
                        rec.state = DeployFileDTO.WAITING;
                        rec.reason = what + "; nothing had changed";
                    } else {
                        decision = "completed";
                        store.keep(tx.file);
                        rec.location = tx.location;
                        rec.bundleId = bundle.getBundleId();
                        rec.sha256 = tx.sha256;
                        startNewBundle(op, rec, bundle, what + "; completed at restart: installed " + Explain.name(bundle));
                    }
                    break;
                }
                case Transaction.UPDATE: {
                    Bundle bundle = context.getBundle(tx.bundleId);
                    if (bundle == null) {
                        decision = "rolled-back";
                        op.outcome(Operation.FAILED, what + "; its bundle " + tx.bundleId + " is gone");
                        records.remove(tx.file);
                        forget(tx.file);
                    } else if (bundle.getLastModified() == tx.lastModifiedBefore) {
                        decision = "rolled-back";
                        store.discardStaged(tx.file);
                        startAll(tx.activeBefore, tx.file, Map.of());
                        op.outcome(Operation.ROLLED_BACK, what + "; the update had not happened yet, " + Explain.name(bundle)
                                + " runs its previous bytes; the file is tried again");
                        rec.state = DeployFileDTO.DEPLOYED;
                        rec.reason = what + "; nothing had changed";
                    } else {
                        Verdict verdict = verify(tx, bundle, tx.file, Map.of());
                        if (verdict.ok()) {
                            decision = "completed";
                            store.keep(tx.file);
                            rec.sha256 = tx.sha256;
                            rec.triedSha256 = null;
                            deployed(op, rec, bundle, what + "; completed at restart: " + Explain.name(bundle) + " and every bundle of its plan are active");
                        } else if (!verdict.stuck.isEmpty()) {
                            decision = "unfinished"; // the staged bytes stay until the starts return
                            unfinished(op, rec, bundle, tx, verdict, what + "; at restart the update is not finished:");
                        } else {
                            decision = "rolled-back";
                            rollBack(op, rec, bundle, tx, store.bytes(tx.file), what + "; at restart the update did not verify: "
                                    + String.join("; ", verdict.failures), verdict.thrown.get(bundle.getBundleId()));
                            store.discardStaged(tx.file);
                        }
                    }
                    break;
                }
                default: {
                    Bundle bundle = context.getBundle(tx.bundleId);
                    if (bundle != null && Files.exists(file)) {
                        decision = "rolled-back";
                        op.outcome(Operation.ROLLED_BACK, what + "; the file is back and its bundle still installed: nothing changed");
                    } else {
                        decision = "completed";
                        if (bundle != null) {
                            bundle.uninstall();
                        }
                        refreshes.refresh(Collections.emptyList(), settings.refreshTimeoutMillis);
                        startAll(tx.activeBefore, tx.file, Map.of());
                        op.outcome(Operation.SUCCEEDED, what + "; completed at restart: the bundle is uninstalled");
                        records.remove(tx.file);
                        forget(tx.file);
                    }
                }
            }
            if (rec.stuck != null && !"unfinished".equals(decision)) {
                decision = "unfinished"; // completed, but the start it needed has not returned
            }
            Map<String, Object> details = details(tx.file, tx.sha256);
            details.put("action", tx.action);
            details.put("phase", tx.phase);
            details.put("interruptedOperation", tx.operation);
            details.put("decision", decision);
            journal.record("deploy.recovered", op.id(), null, details);
            store.clearTransaction();
        } catch (BundleException | IOException | TimeoutException | RuntimeException e) {
            log.error("deploy: recovery of {} failed: {}", tx.file, e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            save();
        }
    }

    private void awaitFrameworkStarted() {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system.getState() == Bundle.ACTIVE) {
            return;
        }
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        FrameworkListener listener = event -> {
            if (event.getType() == FrameworkEvent.STARTED) {
                started.countDown();
            }
        };
        context.addFrameworkListener(listener);
        try {
            long end = System.nanoTime() + 120_000_000_000L;
            while (system.getState() != Bundle.ACTIVE && System.nanoTime() < end) {
                started.await(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            context.removeFrameworkListener(listener);
        }
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    private void refuse(FileRecord rec, String sha, String check, String reason) {
        Bundle bundle = bundleOf(rec, settings.folder.resolve(rec.file));
        try (Operation op = operations.begin(KIND, Operations.TRIGGER_DEPLOY + rec.file, rec.file)) {
            refuseIn(op, rec, bundle, sha, check, reason);
        }
        try {
            store.discardStaged(rec.file);
        } catch (IOException e) {
            log.warn("deploy: cannot delete the staged copy of {}: {}", rec.file, e.getMessage());
        }
    }

    private void refuseQuietly(FileRecord rec, String check, String reason) {
        try {
            refuse(rec, null, check, reason);
        } catch (RuntimeException e) {
            log.error("deploy: cannot even record the refusal of {}: {}", rec.file, e.toString(), e);
        }
    }

    private void refuseIn(Operation op, FileRecord rec, Bundle bundle, String sha, String check, String reason) {
        Map<String, Object> details = details(rec.file, sha);
        details.put("check", check);
        details.put("reason", reason);
        journal.record("deploy.refused", op.id(), bundle, details);
        rec.triedSha256 = sha;
        String full = "refused: " + reason + (bundle == null ? "; nothing in the runtime changed"
                : "; nothing in the runtime changed, " + Explain.name(bundle) + " keeps running");
        mark(op, rec, bundle, DeployFileDTO.REFUSED, Operation.REFUSED, full, FAILED_SUFFIX);
        log.warn("deploy: {} {}", rec.file, full);
    }

    private void pending(Operation op, FileRecord rec, Bundle bundle, String reason) {
        Map<String, Object> details = details(rec.file, rec.sha256);
        details.put("waitsFor", Explain.missing(bundle, frameworkWiring));
        journal.record("deploy.pending", op.id(), bundle, details);
        mark(op, rec, bundle, DeployFileDTO.PENDING, Operation.SUCCEEDED, reason, PENDING_SUFFIX);
    }

    private void failed(Operation op, FileRecord rec, Bundle bundle, String reason) {
        failed(op, rec, bundle, reason, null);
    }

    /** @param thrown what the bundle's start threw: its exception and root cause are journaled, for audit:why */
    private void failed(Operation op, FileRecord rec, Bundle bundle, String reason, Throwable thrown) {
        Map<String, Object> details = details(rec.file, rec.sha256);
        details.put("reason", reason);
        details.putAll(Explain.exceptionDetails(thrown));
        journal.record("deploy.failed", op.id(), bundle, details);
        mark(op, rec, bundle, DeployFileDTO.FAILED, Operation.FAILED, reason, FAILED_SUFFIX);
        log.warn("deploy: {} {}", rec.file, reason);
    }

    private void deployed(Operation op, FileRecord rec, Bundle bundle, String reason) {
        mark(op, rec, bundle, DeployFileDTO.DEPLOYED, Operation.SUCCEEDED, reason, null);
    }

    private void mark(Operation op, FileRecord rec, Bundle bundle, String state, String outcome, String reason, String marker) {
        op.outcome(outcome, reason);
        rec.state = state;
        rec.outcome = outcome;
        rec.operation = op.id();
        rec.reason = reason;
        rec.time = Instant.now().toString();
        if (marker == null) {
            deleteMarkers(rec.file);
            rec.marker = null;
        } else {
            writeMarker(rec.file, marker, markerText(rec, headline(state)));
            rec.marker = rec.file + marker;
        }
    }

    private static String headline(String state) {
        switch (state) {
            case DeployFileDTO.PENDING: return "is installed but waits";
            case DeployFileDTO.FAILED: return "failed";
            case DeployFileDTO.ROLLED_BACK: return "was rolled back";
            case DeployFileDTO.STUCK: return "is stuck: an activator has not returned";
            case DeployFileDTO.WAITING: return "waits";
            default: return "was refused";
        }
    }

    private String markerText(FileRecord rec, String headline) {
        return rec.file + " " + headline + " (" + rec.time + ", operation " + rec.operation + "):\n"
                + rec.reason + "\n\n"
                + "Revisor removes this file when " + rec.file + " is fixed or removed.\n"
                + "The folder's state: bin/revisor exec 'audit:deploys'; the operation: bin/revisor exec 'audit:events --op "
                + rec.operation + "'\n";
    }

    private void writeMarker(String name, String suffix, String text) {
        Path marker = settings.folder.resolve(name + suffix);
        try {
            Files.deleteIfExists(settings.folder.resolve(name + (suffix.equals(FAILED_SUFFIX) ? PENDING_SUFFIX : FAILED_SUFFIX)));
            Files.writeString(marker, text);
        } catch (IOException e) {
            log.warn("deploy: cannot write {}: {}", marker, e.getMessage());
        }
    }

    /**
     * A marker appeared or left (the folder was replaced, or someone touched it): it is made to agree with its file's
     * record again. One the record names is written again; one it does not name (copied in with a folder) is deleted.
     */
    private void markerChanged(String marker) {
        FileRecord rec = records.get(marker.substring(0, marker.lastIndexOf('.')));
        boolean named = rec != null && marker.equals(rec.marker);
        Path path = settings.folder.resolve(marker);
        try {
            if (named && !Files.exists(path) && Files.isRegularFile(settings.folder.resolve(rec.file))) {
                writeMarker(rec.file, marker.substring(rec.file.length()), markerText(rec, headline(rec.state)));
            } else if (!named && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            log.warn("deploy: cannot delete the stale marker {}: {}", path, e.getMessage());
        }
    }

    private void deleteMarkers(String name) {
        try {
            Files.deleteIfExists(settings.folder.resolve(name + FAILED_SUFFIX));
            Files.deleteIfExists(settings.folder.resolve(name + PENDING_SUFFIX));
        } catch (IOException e) {
            log.warn("deploy: cannot delete the marker of {}: {}", name, e.getMessage());
        }
    }

    private void folderRefused(String problem) {
        if (!problem.equals(reportedFolderProblem)) {
            reportedFolderProblem = problem;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("folder", settings.folder.toString());
            details.put("reason", problem);
            journal.record("deploy.folder-refused", null, null, details);
            log.error("deploy: {}", problem);
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** The checks that need the framework: its identity, collisions with other bundles. */
    void frameworkChecks(JarFacts facts, Bundle existing) throws Refusal {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (facts.symbolicName.equals(Constants.SYSTEM_BUNDLE_SYMBOLICNAME) || facts.symbolicName.equals(system.getSymbolicName())) {
            throw new Refusal("identity", "its Bundle-SymbolicName " + facts.symbolicName + " is the framework's own name");
        }
        if (facts.fragmentHost != null && (facts.fragmentHost.equals(Constants.SYSTEM_BUNDLE_SYMBOLICNAME)
                || facts.fragmentHost.equals(system.getSymbolicName()))) {
            throw new Refusal("identity", "it is a framework extension (Fragment-Host: " + facts.fragmentHost
                    + "): it would change the framework itself, which cannot be undone without a restart");
        }
        for (Bundle other : context.getBundles()) {
            if (existing != null && other.getBundleId() == existing.getBundleId()) {
                continue;
            }
            if (!facts.symbolicName.equals(other.getSymbolicName())) {
                continue;
            }
            if (facts.version.equals(other.getVersion())) {
                throw new Refusal("collision", "its identity " + facts.display() + " collides with the installed bundle "
                        + Explain.name(other) + " from " + describeLocation(other.getLocation())
                        + ": a second copy of one identity cannot be installed; remove one of them, or give this one another version");
            }
            if (facts.singleton && isSingleton(other)) {
                throw new Refusal("collision", "it is a singleton (" + facts.symbolicName + ";singleton:=true) and so is the installed bundle "
                        + Explain.name(other) + " from " + describeLocation(other.getLocation()) + ": only one of them could resolve");
            }
        }
    }

    private String describeLocation(String location) {
        String folderUri = settings.folder.toFile().toURI().normalize().toString();
        if (location.startsWith(folderUri)) {
            return "the deploy folder's " + location.substring(folderUri.length());
        }
        return location;
    }

    private static boolean isSingleton(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        if (rev == null) {
            return false;
        }
        return rev.getDeclaredCapabilities(org.osgi.framework.namespace.IdentityNamespace.IDENTITY_NAMESPACE).stream()
                .anyMatch(c -> "true".equals(c.getDirectives().get(org.osgi.framework.namespace.IdentityNamespace.CAPABILITY_SINGLETON_DIRECTIVE)));
    }

    private void waitForCompleteFile(FileRecord rec, Path file, long modified, long size, String problem) {
        rec.state = DeployFileDTO.INCOMPLETE;
        rec.reason = problem + "; Revisor waits " + settings.settleMillis + " ms for the file to be complete; nothing changed";
        Map<String, Object> details = details(rec.file, null);
        details.put("reason", problem);
        journal.record("deploy.incomplete", null, null, details);
        try {
            store.discardStaged(rec.file);
        } catch (IOException e) {
            // staging is cleaned at the next transaction of this file
        }
        scheduler.schedule(() -> settleCheck(file, modified, size), settings.settleMillis);
    }

    // ------------------------------------------------------------------------------------------------ status

    /** @return the folder's state; any thread */
    DeployStatusDTO status(int queued) {
        DeployStatusDTO status = new DeployStatusDTO();
        status.folder = settings.folder.toString();
        status.problem = guard.folderProblem(settings.folder);
        status.accepting = status.problem == null;
        status.apiGate = settings.apiGate;
        status.queued = queued;
        Set<String> names = new TreeSet<>(records.keySet());
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(settings.folder)) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (isJar(n)) {
                    names.add(n);
                }
            }
        } catch (IOException e) {
            if (status.problem == null) {
                status.problem = e instanceof java.nio.file.NoSuchFileException ? "the deploy folder does not exist; the"
                        + " bundles of its files keep running, and FileInstall looks at it again when it is back"
                        : "the deploy folder cannot be listed: " + e.getMessage();
            }
        }
        status.files = new ArrayList<>();
        for (String name : names) {
            FileRecord rec = records.get(name);
            DeployFileDTO f = new DeployFileDTO();
            f.file = name;
            // while the folder is missing (replaced at this moment) nothing is removed: FileInstall waits for it
            boolean present = !Files.isDirectory(settings.folder) || Files.exists(settings.folder.resolve(name));
            if (rec == null) {
                f.state = DeployFileDTO.WAITING;
            } else {
                rec = rec.copy();
                f.state = present ? rec.state : DeployFileDTO.REMOVING;
                f.outcome = rec.outcome;
                f.operation = rec.operation;
                f.reason = rec.reason;
                f.marker = rec.marker;
                f.sha256 = rec.sha256;
                f.time = rec.time;
                Bundle b = rec.bundleId < 0 ? null : context.getBundle(rec.bundleId);
                if (b != null) {
                    f.bundle = BundleRefDTO.of(b);
                    f.bundleState = Explain.state(b);
                }
            }
            status.files.add(f);
        }
        return status;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static boolean isJar(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    static boolean isMarker(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jar" + FAILED_SUFFIX) || n.endsWith(".jar" + PENDING_SUFFIX);
    }

    /** @return the bundle location of a file: its normalized URI, as FileInstall makes it */
    static String location(Path file) {
        return file.toFile().toURI().normalize().toString(); // file:/dir/NAME.jar, exactly FileInstall's form
    }

    private Bundle bundleOf(FileRecord rec, Path file) {
        Bundle b = rec.bundleId < 0 ? null : context.getBundle(rec.bundleId);
        if (b == null || b.getState() == Bundle.UNINSTALLED) {
            b = context.getBundle(location(file));
        }
        return b;
    }

    /** Notes the file's time and size as Revisor takes up its content (see {@link FileRecord#seenModified}). */
    private static void stamp(FileRecord rec, Path file) {
        try {
            rec.seenModified = Files.getLastModifiedTime(file, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis();
            rec.seenSize = Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? 0 : Files.size(file);
        } catch (IOException e) {
            rec.seenModified = -1;
            rec.seenSize = -1;
        }
    }

    private FileRecord newRecord(String name) {
        FileRecord r = new FileRecord();
        r.file = name;
        r.state = DeployFileDTO.WAITING;
        return r;
    }

    private static boolean isFragment(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        return rev != null && (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    private Transaction transaction(Operation op, String name, String action, Bundle bundle) {
        Transaction tx = new Transaction();
        tx.operation = op.id();
        tx.file = name;
        tx.action = action;
        tx.started = Instant.now().toString();
        if (bundle != null) {
            tx.bundleId = bundle.getBundleId();
            tx.location = bundle.getLocation();
        }
        return tx;
    }

    /** Fills activeBefore and resolvedBefore from the plan and the framework as it is now. */
    private void collectStates(RefreshPlanDTO plan, Bundle changed, Transaction tx) {
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
            Bundle b = context.getBundle(id);
            if (b == null || (Transaction.UNINSTALL.equals(tx.action) && id == changed.getBundleId())) {
                continue;
            }
            if (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING) {
                tx.activeBefore.add(id);
            } else if (b.getState() == Bundle.RESOLVED) {
                tx.resolvedBefore.add(id);
            }
        }
    }

    private void journalPlan(Operation op, Bundle bundle, String name, RefreshPlanDTO plan) {
        Map<String, Object> details = details(name, null);
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
        journal.record("deploy.plan", op.id(), bundle, details);
    }

    private static Map<String, Object> details(String file, String sha) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        if (sha != null) {
            d.put("sha256", sha);
        }
        return d;
    }

    private void forget(String name) {
        try {
            store.forget(name);
        } catch (IOException e) {
            log.warn("deploy: cannot delete the kept bytes of {}: {}", name, e.getMessage());
        }
    }

    private void save() {
        try {
            store.saveRecords(records.values());
        } catch (IOException e) {
            log.error("deploy: cannot write {}: {}", store.directory().resolve("state.json"), e.getMessage());
        }
    }

    /**
     * Writes the bytes of an installed revision into a jar, manifest first: the "previous bytes" of a bundle that was
     * installed before Revisor kept them (by plain FileInstall, or before an upgrade).
     */
    static void snapshot(Bundle bundle, Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".snapshot");
        try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jar = new JarOutputStream(out)) {
            List<String> names = new ArrayList<>();
            Enumeration<URL> entries = bundle.findEntries("/", "*", true);
            if (entries != null) {
                while (entries.hasMoreElements()) {
                    String path = entries.nextElement().getPath();
                    names.add(path.startsWith("/") ? path.substring(1) : path);
                }
            }
            names.sort((a, b) -> a.equals(JarInspector.MANIFEST) ? -1 : b.equals(JarInspector.MANIFEST) ? 1
                    : a.equals("META-INF/") ? -1 : b.equals("META-INF/") ? 1 : a.compareTo(b));
            for (String name : names) {
                if (name.isEmpty()) {
                    continue;
                }
                jar.putNextEntry(new ZipEntry(name));
                if (!name.endsWith("/")) {
                    URL url = bundle.getEntry(name);
                    if (url != null) {
                        try (InputStream in = url.openStream()) {
                            in.transferTo(jar);
                        }
                    }
                }
                jar.closeEntry();
            }
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
