package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * The one part that writes what Revisor says about the files of the deploy folder: the file records
 * ({@code state.json}), the markers beside the files ({@code NAME.jar.failed}, {@code NAME.jar.pending}) and the outcome
 * of each file's operation with its {@code deploy.*} outcome event. A record, its marker and its operation's outcome
 * change together, in {@link #mark}, so they cannot disagree.
 * <p>
 * Concurrent Semantics: every method but {@link #status} and {@link #snapshot} runs on the deploy thread. Readers on
 * other threads see published copies (see {@link #published}), never a record half-written.
 */
final class Outcomes {
    /** Joins what happened to a bundle and why the file's own bytes do not run, in the reason of such a file. */
    private static final String BYTES_DO_NOT_RUN = ". The file's own bytes do not run either: ";

    static final String FAILED_SUFFIX = ".failed";
    static final String PENDING_SUFFIX = ".pending";
    /**
     * The most characters of a reason that Revisor writes (marker, {@code state.json}, journal details, the operation's
     * outcome): a longer one is cut there and says how much was left out (docs/deploy.md).
     */
    static final int MAX_REASON_CHARS = 4_000;

    private final DeployContext ctx;
    /** The working records, by file name (deploy thread only). */
    private final Map<String, FileRecord> records = new LinkedHashMap<>();
    /**
     * Copies of the records for readers on any thread: a record is published when it changes, before its marker is
     * written or deleted (a reader who sees the marker sees the record that goes with it), and all of them at
     * {@link #save}.
     */
    private final Map<String, FileRecord> published = new ConcurrentHashMap<>();
    /** The folder problem last journaled, so that it is journaled once, not at every file. */
    private String reportedFolderProblem;

    Outcomes(DeployContext ctx) {
        this.ctx = ctx;
    }

    void load() throws IOException {
        records.putAll(ctx.store.loadRecords());
        publish();
    }

    // ------------------------------------------------------------------------------------------------ records

    FileRecord get(String file) {
        return records.get(file);
    }

    FileRecord getOrCreate(String file) {
        return records.computeIfAbsent(file, n -> {
            FileRecord r = new FileRecord();
            r.file = n;
            r.state = DeployFileDTO.WAITING;
            return r;
        });
    }

    /** @return the record of the file whose bundle has this id, or {@code null} */
    FileRecord byBundle(long bundleId) {
        for (FileRecord r : records.values()) {
            if (r.bundleId == bundleId) {
                return r;
            }
        }
        return null;
    }

    List<FileRecord> all() {
        return new ArrayList<>(records.values());
    }

    /** The file and its bundle are gone: its record, markers and kept bytes go too. */
    void forget(String file) {
        records.remove(file);
        published.remove(file);
        deleteMarkers(file);
        try {
            ctx.store.forget(file);
        } catch (IOException e) {
            ctx.log.warn("deploy: cannot delete the kept bytes of {}: {}", file, e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    /**
     * Refused before anything in the runtime changed: the only outcome that says "nothing changed". Opens its own
     * operation.
     */
    void refuse(FileRecord rec, Bundle bundle, String sha, String check, String reason) {
        try (Operation op = ctx.begin(rec.file)) {
            refused(op, rec, bundle, sha, check, reason);
        }
    }

    /** Refused within an operation, before anything in the runtime changed. */
    void refused(Operation op, FileRecord rec, Bundle bundle, String sha, String check, String reason) {
        Map<String, Object> details = DeployContext.details(rec.file, sha);
        details.put("check", check);
        details.put("reason", capped(reason));
        ctx.journal.record("deploy.refused", op.id(), bundle, details);
        rec.triedSha256 = sha;
        rec.triedModified = sha == null ? -1 : rec.seenModified;
        String full = "refused: " + reason + (bundle == null ? "; nothing in the runtime changed"
                : "; nothing in the runtime changed, " + Explain.name(bundle) + " keeps running");
        mark(op, rec, DeployFileDTO.REFUSED, Operation.REFUSED, full, FAILED_SUFFIX);
        ctx.log.warn("deploy: {} {}", rec.file, full);
    }

    /** Installed, but it waits for requirements no bundle provides yet. */
    void pending(Operation op, FileRecord rec, Bundle bundle, String reason) {
        Map<String, Object> details = DeployContext.details(rec.file, rec.sha256);
        details.put("waitsFor", Explain.missing(bundle, ctx.wiring));
        ctx.journal.record("deploy.pending", op.id(), bundle, details);
        mark(op, rec, DeployFileDTO.PENDING, Operation.SUCCEEDED, reason, PENDING_SUFFIX);
    }

    /**
     * The bundle of this file ran, and another file's change took away what it needs: it waits again, and its last
     * operation (the other file's) did not leave it running.
     *
     * @param by the file whose change took it away
     */
    void stranded(Operation op, FileRecord rec, Bundle bundle, String by, String reason) {
        Map<String, Object> details = DeployContext.details(rec.file, rec.sha256);
        details.put("waitsFor", Explain.missing(bundle, ctx.wiring));
        markDependent(op, rec, bundle, by, reason, "deploy.stranded", details, DeployFileDTO.PENDING, PENDING_SUFFIX);
    }

    /**
     * The bundle of this file ran, was stopped for another file's change, and does not run again (for another reason
     * than a missing requirement, see {@link #stranded}): its file is failed, with the other file's operation.
     *
     * @param by the file whose change stopped it
     */
    void dependentDown(Operation op, FileRecord rec, Bundle bundle, String by, String reason) {
        markDependent(op, rec, bundle, by, reason, "deploy.failed", DeployContext.details(rec.file, rec.sha256),
                DeployFileDTO.FAILED, FAILED_SUFFIX);
    }

    /**
     * Marks the file of a bundle that another file's operation left not running: the operation is the other file's
     * (its outcome is not changed here), the file's own outcome is failed.
     */
    private void markDependent(Operation op, FileRecord rec, Bundle bundle, String by, String uncapped, String type,
            Map<String, Object> details, String state, String marker) {
        if (fileBytesDoNotRun(rec)) {
            // the file's own bytes were rolled back or refused before, and the bundle runs older bytes: the record keeps
            // saying so (a pending or failed record would be about the bundle's bytes, not the file's, and a bundle that
            // came back later would be recorded deployed while the file's bytes do not run: fault campaign, seed 2340)
            String reason = capped(uncapped + BYTES_DO_NOT_RUN + rec.reason);
            details.put("sha256", rec.triedSha256);
            details.put("runs", rec.sha256);
            details.put("by", by);
            details.put("reason", reason);
            ctx.journal.record(type, op.id(), bundle, details);
            rec.operation = op.id();
            rec.reason = reason;
            rec.time = Instant.now().toString();
            rec.marker = rec.file + FAILED_SUFFIX;
            writeMarker(rec.file, FAILED_SUFFIX, markerText(rec, headline(rec.state)));
            publish(rec);
            ctx.log.warn("deploy: {} {}", rec.file, reason);
            return;
        }
        String reason = capped(uncapped);
        details.put("by", by);
        details.put("reason", reason);
        ctx.journal.record(type, op.id(), bundle, details);
        rec.state = state;
        rec.outcome = Operation.FAILED;
        rec.operation = op.id();
        rec.reason = reason;
        rec.time = Instant.now().toString();
        rec.marker = rec.file + marker;
        writeMarker(rec.file, marker, markerText(rec, headline(state)));
        publish(rec);
        ctx.log.warn("deploy: {} {}", rec.file, reason);
    }

    /** @return whether the file holds bytes that were rolled back or refused while its bundle runs older ones */
    static boolean fileBytesDoNotRun(FileRecord rec) {
        return (DeployFileDTO.ROLLED_BACK.equals(rec.state) || DeployFileDTO.REFUSED.equals(rec.state))
                && rec.triedSha256 != null && !rec.triedSha256.equals(rec.sha256);
    }

    /**
     * The bundle of a file whose own bytes do not run ({@link #fileBytesDoNotRun}) runs its older bytes again (what it
     * waited for came back): the record says so, and keeps its state and marker.
     */
    void runsAgain(FileRecord rec, Bundle bundle, String trigger) {
        String reason = rec.reason == null ? "" : rec.reason;
        int at = reason.indexOf(BYTES_DO_NOT_RUN);
        String why = at < 0 ? reason : reason.substring(at + BYTES_DO_NOT_RUN.length());
        rec.reason = capped(Explain.name(bundle) + " runs its previous bytes again (" + trigger + " brought what it waited"
                + " for)" + BYTES_DO_NOT_RUN + why);
        rec.time = Instant.now().toString();
        writeMarker(rec.file, FAILED_SUFFIX, markerText(rec, headline(rec.state)));
        publish(rec);
    }

    /**
     * The bundle of a failed file runs now: something started it after the file's change had failed (another change's
     * rollback started its plan again once a provider was back, a shell {@code start}). The record follows what runs:
     * {@code rolled-back} with the {@code .failed} marker when the bundle runs the previous bytes (the file's own bytes
     * did not run), {@code deployed} without a marker when it runs the file's own bytes. Journaled as
     * {@code deploy.revived} about the file's bytes (fault campaign, seed 5639).
     *
     * @param by what started it, as far as Revisor knows
     */
    void runsNow(Operation op, FileRecord rec, Bundle bundle, String by) {
        boolean previous = rec.triedSha256 != null && !rec.triedSha256.equals(rec.sha256);
        Map<String, Object> details = DeployContext.details(rec.file, previous ? rec.triedSha256 : rec.sha256);
        details.put("trigger", by);
        details.put("outcome", "started");
        ctx.journal.record("deploy.revived", op.id(), bundle, details);
        String was = rec.reason == null ? "" : rec.reason;
        if (previous) {
            mark(op, rec, DeployFileDTO.ROLLED_BACK, Operation.ROLLED_BACK, Explain.name(bundle) + " runs its previous bytes"
                    + " again (" + by + " started it)" + BYTES_DO_NOT_RUN + was, FAILED_SUFFIX);
        } else {
            mark(op, rec, DeployFileDTO.DEPLOYED, Operation.SUCCEEDED, Explain.name(bundle) + " runs the file's bytes (" + by
                    + " started it after its change had failed: " + was + ")", null);
        }
    }

    /** Sets an operation's outcome with a capped reason (for operations that change no file's record). */
    void outcome(Operation op, String outcome, String reason) {
        op.outcome(outcome, capped(reason));
    }

    /** @param thrown what the bundle's start threw: its exception and root cause are journaled, for audit:why */
    void failed(Operation op, FileRecord rec, Bundle bundle, String reason, Throwable thrown) {
        Map<String, Object> details = DeployContext.details(rec.file, rec.sha256);
        details.put("reason", capped(reason));
        details.putAll(Explain.exceptionDetails(thrown));
        ctx.journal.record("deploy.failed", op.id(), bundle, details);
        mark(op, rec, DeployFileDTO.FAILED, Operation.FAILED, reason, FAILED_SUFFIX);
        ctx.log.warn("deploy: {} {}", rec.file, reason);
    }

    void deployed(Operation op, FileRecord rec, String reason) {
        mark(op, rec, DeployFileDTO.DEPLOYED, Operation.SUCCEEDED, reason, null);
    }

    /**
     * Sets the operation's outcome and the record's state, reason and marker together.
     *
     * @param marker {@link #FAILED_SUFFIX}, {@link #PENDING_SUFFIX}, or {@code null} for none
     */
    void mark(Operation op, FileRecord rec, String state, String outcome, String uncapped, String marker) {
        rec.stateBeforeWait = null;
        rec.reasonBeforeWait = null;
        rec.markerBeforeWait = null;
        String reason = capped(uncapped);
        op.outcome(outcome, reason);
        rec.state = state;
        rec.outcome = outcome;
        rec.operation = op.id();
        rec.reason = reason;
        rec.time = Instant.now().toString();
        rec.marker = marker == null ? null : rec.file + marker;
        if (marker == null) {
            deleteMarkers(rec.file);
        } else {
            writeMarker(rec.file, marker, markerText(rec, headline(state)));
        }
        publish(rec); // after the marker, here and everywhere: whoever reads the record finds the marker it names
    }

    /** The file waits (for a stuck start to return) without an operation of its own: state and marker only. */
    void waiting(FileRecord rec, String uncapped) {
        String reason = capped(uncapped);
        if (!DeployFileDTO.WAITING.equals(rec.state)) {
            rec.stateBeforeWait = rec.state;
            rec.reasonBeforeWait = rec.reason;
            rec.markerBeforeWait = rec.marker;
        }
        rec.state = DeployFileDTO.WAITING;
        rec.reason = reason;
        rec.time = Instant.now().toString();
        rec.marker = rec.file + PENDING_SUFFIX;
        writeMarker(rec.file, PENDING_SUFFIX, rec.file + " waits (" + rec.time + "):\n" + reason + "\n\n"
                + "The folder's state: bin/revisor exec 'audit:deploys'\n");
        publish(rec);
    }

    /**
     * The change that waited turned out to need nothing (the same bytes as were tried): the file says again what it said
     * before it waited, with its marker.
     */
    void resumeAfterWait(FileRecord rec) {
        if (!DeployFileDTO.WAITING.equals(rec.state) || rec.stateBeforeWait == null) {
            return;
        }
        rec.state = rec.stateBeforeWait;
        rec.reason = rec.reasonBeforeWait;
        rec.marker = rec.markerBeforeWait;
        rec.stateBeforeWait = null;
        rec.reasonBeforeWait = null;
        rec.markerBeforeWait = null;
        if (rec.marker == null) {
            deleteMarkers(rec.file);
        } else {
            writeMarker(rec.file, rec.marker.substring(rec.file.length()), markerText(rec, headline(rec.state)));
        }
        publish(rec);
    }

    /** The reason of a pending file changed (what it waits for): the marker says the new one. */
    void pendingReason(FileRecord rec, String reason) {
        rec.reason = capped(reason);
        rec.marker = rec.file + PENDING_SUFFIX;
        writeMarker(rec.file, PENDING_SUFFIX, markerText(rec, headline(DeployFileDTO.PENDING)));
        publish(rec);
    }

    /** No marker any more (the file is back to what its bundle runs, or its record starts anew). */
    void clearMarker(FileRecord rec) {
        rec.marker = null;
        deleteMarkers(rec.file);
        publish(rec);
    }

    /**
     * @return the reason, or its start and a note of how many characters were left out, {@value #MAX_REASON_CHARS}
     *         characters at most in all (so a capped reason passes unchanged)
     */
    static String capped(String reason) {
        if (reason == null || reason.length() <= MAX_REASON_CHARS) {
            return reason;
        }
        int cut = MAX_REASON_CHARS - 64; // room for the note
        if (Character.isHighSurrogate(reason.charAt(cut - 1))) {
            cut--;
        }
        return reason.substring(0, cut) + " [... " + (reason.length() - cut) + " more characters left out]";
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

    private static String markerText(FileRecord rec, String headline) {
        return rec.file + " " + headline + " (" + rec.time + ", operation " + rec.operation + "):\n"
                + rec.reason + "\n\n"
                + "Revisor removes this file when " + rec.file + " is fixed or removed.\n"
                + "The folder's state: bin/revisor exec 'audit:deploys'; the operation: bin/revisor exec 'audit:events --op "
                + rec.operation + "'\n";
    }

    private void writeMarker(String name, String suffix, String text) {
        Path marker = ctx.settings.folder.resolve(name + suffix);
        try {
            Files.deleteIfExists(ctx.settings.folder.resolve(name + (suffix.equals(FAILED_SUFFIX) ? PENDING_SUFFIX : FAILED_SUFFIX)));
            if (Files.isSymbolicLink(marker) || Files.isDirectory(marker, LinkOption.NOFOLLOW_LINKS)) {
                ctx.log.warn("deploy: {} is not a plain file; the reason is in audit:deploys only", marker);
                return;
            }
            // whole or not at all: a script that reads the marker the record names never finds it empty or half written
            Path tmp = ctx.settings.folder.resolve("." + name + suffix + ".tmp");
            try {
                Files.writeString(tmp, text);
                Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            ctx.log.warn("deploy: cannot write {}: {}", marker, e.getMessage());
        }
    }

    /**
     * A marker appeared or left (the folder was replaced, or someone touched it): it is made to agree with its file's
     * record again. One the record names is written again; one it does not name (copied in with a folder) is deleted.
     */
    void markerChanged(String marker) {
        FileRecord rec = records.get(marker.substring(0, marker.lastIndexOf('.')));
        boolean named = rec != null && marker.equals(rec.marker);
        Path path = ctx.settings.folder.resolve(marker);
        try {
            if (named && !Files.exists(path) && Files.isRegularFile(ctx.settings.folder.resolve(rec.file))) {
                writeMarker(rec.file, marker.substring(rec.file.length()), markerText(rec, headline(rec.state)));
            } else if (!named && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            ctx.log.warn("deploy: cannot delete the stale marker {}: {}", path, e.getMessage());
        }
    }

    private void deleteMarkers(String name) {
        try {
            Files.deleteIfExists(ctx.settings.folder.resolve(name + FAILED_SUFFIX));
            Files.deleteIfExists(ctx.settings.folder.resolve(name + PENDING_SUFFIX));
        } catch (IOException e) {
            ctx.log.warn("deploy: cannot delete the marker of {}: {}", name, e.getMessage());
        }
    }

    void folderRefused(String problem) {
        if (!problem.equals(reportedFolderProblem)) {
            reportedFolderProblem = problem;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("folder", ctx.settings.folder.toString());
            details.put("reason", problem);
            ctx.journal.record("deploy.folder-refused", null, null, details);
            ctx.log.error("deploy: {}", problem);
        }
    }

    // ------------------------------------------------------------------------------------------------ saving, reading

    /** Writes {@code state.json} and publishes copies of the records to readers. */
    void save() {
        try {
            ctx.store.saveRecords(records.values());
        } catch (IOException e) {
            ctx.log.error("deploy: cannot write {}: {}", ctx.store.directory().resolve("state.json"), e.getMessage());
        }
        publish();
    }

    private void publish() {
        published.keySet().retainAll(records.keySet());
        for (FileRecord r : records.values()) {
            published.put(r.file, r.copy());
        }
    }

    private void publish(FileRecord rec) {
        if (records.get(rec.file) == rec) {
            published.put(rec.file, rec.copy());
        }
    }

    /** @return copies of the records as last published; any thread */
    Map<String, FileRecord> snapshot() {
        Map<String, FileRecord> copies = new LinkedHashMap<>();
        published.forEach((k, v) -> copies.put(k, v.copy()));
        return copies;
    }

    /** @return the folder's state from the records as last saved; any thread */
    DeployStatusDTO status(String problem, String apiGate, int queued) {
        Map<String, FileRecord> recs = new LinkedHashMap<>(published);
        DeployStatusDTO status = new DeployStatusDTO();
        status.folder = ctx.settings.folder.toString();
        status.problem = problem;
        status.accepting = problem == null;
        status.apiGate = apiGate;
        status.queued = queued;
        Set<String> names = new TreeSet<>(recs.keySet());
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(ctx.settings.folder)) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (DeployEngine.isJar(n)) {
                    names.add(n);
                }
            }
        } catch (IOException e) {
            if (status.problem == null) {
                status.problem = e instanceof java.nio.file.NoSuchFileException ? "the deploy folder does not exist; the"
                        + " bundles of its files keep running, and Revisor looks at it again when it is back"
                        : "the deploy folder cannot be listed: " + e.getMessage();
            }
        }
        // while the folder is missing (replaced at this moment) nothing is removed
        boolean folderThere = Files.isDirectory(ctx.settings.folder);
        status.files = new ArrayList<>();
        for (String name : names) {
            FileRecord rec = recs.get(name);
            DeployFileDTO f = new DeployFileDTO();
            f.file = name;
            boolean present = !folderThere || Files.exists(ctx.settings.folder.resolve(name), LinkOption.NOFOLLOW_LINKS);
            if (rec == null) {
                f.state = DeployFileDTO.WAITING;
            } else {
                f.state = present ? rec.state : DeployFileDTO.REMOVING;
                f.outcome = rec.outcome;
                f.operation = rec.operation;
                f.reason = rec.reason;
                f.marker = rec.marker;
                f.sha256 = rec.sha256;
                f.time = rec.time;
                Bundle b = ctx.bundle(rec.bundleId);
                if (b != null) {
                    f.bundle = BundleRefDTO.of(b);
                    f.bundleState = Explain.state(b);
                }
            }
            status.files.add(f);
        }
        return status;
    }
}
