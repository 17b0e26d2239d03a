package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.revisor.deploy.api.DeployFileDTO;

/**
 * Whether the deploy folder is settled ({@code audit:deploys --wait}, {@link dev.revisor.deploy.api.DeployFolder#awaitSettled}):
 * every file FileInstall reports has been taken up as it is now, no file that left the folder waits for its removal,
 * and the deploy thread has nothing to do. It owns the count of the deploy thread's tasks (submitted, finished) and the
 * comparison of one snapshot (folder listing, copies of the file records, those counts); it changes nothing.
 * <p>
 * Settled means, all at once:
 * <ul>
 * <li>no task of the deploy thread is queued or running, a scheduled one that is not due yet included (the re-check
 * of an incomplete file: its judgement is still open), and none finished while the snapshot was taken;</li>
 * <li>every bundle jar in the folder that FileInstall reports (every {@code *.jar} name, dot files and directories
 * included: FileInstall 3.7.4 hides nothing unless {@code felix.fileinstall.filter} is set; markers are not jars) has
 * a record whose time and size ({@link FileRecord#seenModified}) are the file's now: a file FileInstall has not reported
 * yet (just moved in, still changing) is not settled;</li>
 * <li>every record's file is still there, or its removal was taken up and waits ({@link FileRecord#GONE});</li>
 * <li>no record is {@code incomplete}.</li>
 * </ul>
 * A change deferred behind a stuck start counts as judged: its record says it waits, and it waits for an activator,
 * not for the folder. A {@code stuck} transaction is judged too.
 * <p>
 * Concurrent Semantics: thread safe. {@link #submitted()} runs on whichever thread hands a task to the deploy thread,
 * {@link #finished()} on the deploy thread after each task; {@link #inProgress()} and {@link #await} run on the
 * caller's thread (a shell command, the control socket), which {@link #finished()} wakes up; otherwise a waiter
 * looks again every poll interval. Nothing here starts a thread.
 */
final class FolderSettle {
    private final Path folder;
    private final Predicate<String> reported;
    private final Supplier<Map<String, FileRecord>> records;
    private final long pollMillis;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final Object signal = new Object();

    /**
     * @param folder     the deploy folder
     * @param reported   which file names of the folder FileInstall reports to Revisor (jars, through its filter)
     * @param records    copies of the file records by name, taken now
     * @param pollMillis how often a waiter looks again when no task finishes meanwhile
     */
    FolderSettle(Path folder, Predicate<String> reported, Supplier<Map<String, FileRecord>> records, long pollMillis) {
        this.folder = folder;
        this.reported = reported;
        this.records = records;
        this.pollMillis = Math.max(1, pollMillis);
    }

    /** A task was handed to the deploy thread (queued now or scheduled for later). */
    void submitted() {
        submitted.incrementAndGet();
    }

    /** A task of the deploy thread ended, however: waiters look again. */
    void finished() {
        finished.incrementAndGet();
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** @return tasks handed to the deploy thread that have not ended: queued, scheduled or running */
    long pending() {
        return Math.max(0, submitted.get() - finished.get());
    }

    /**
     * One look at the folder and the deploy thread.
     *
     * @param pending    the deploy thread's tasks counted in this look (queued, scheduled or running)
     * @param inProgress what keeps the folder from being settled, one entry a reason; empty when it is settled (and
     *                   then {@code pending} is 0)
     */
    record Look(long pending, List<String> inProgress) {
    }

    /** @return what keeps the folder from being settled now, one entry a reason; empty when it is settled */
    List<String> inProgress() {
        return look().inProgress();
    }

    /** @return what keeps the folder from being settled now, with the number of tasks counted in the same look */
    Look look() {
        long finishedBefore = finished.get();
        long pendingBefore = pending();
        List<String> out = new ArrayList<>();
        Map<String, FileRecord> recs = records.get();
        TreeSet<String> names = new TreeSet<>(recs.keySet());
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder)) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (DeployEngine.isJar(n) && reported.test(n)) {
                    names.add(n);
                }
            }
        } catch (NoSuchFileException e) {
            // no folder, no file in it: the records of files that were there say what is left to do
        } catch (IOException e) {
            out.add("the deploy folder cannot be listed: " + e);
        }
        for (String name : names) {
            String problem = problem(name, recs.get(name));
            if (problem != null) {
                out.add(name + ": " + problem);
            }
        }
        long pendingAfter = pending();
        long pending = Math.max(pendingBefore, pendingAfter);
        if (pending > 0) {
            out.add(0, pending + " change(s) queued or running on the deploy thread");
        } else if (finished.get() != finishedBefore) {
            out.add(0, "a change was handled while the folder was looked at");
        }
        return new Look(pending, out);
    }

    /** @return why this file is not settled, or {@code null} when it is */
    private String problem(String name, FileRecord rec) {
        Path file = folder.resolve(name);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            if (rec == null || rec.seenModified == FileRecord.GONE) {
                return null;
            }
            return "it left the folder; its removal is not handled yet";
        }
        long[] now = seen(file);
        if (rec == null || rec.seenModified == FileRecord.GONE || (rec.seenModified == -1 && now[0] != -1)) {
            return "not taken up yet (FileInstall reports a file once it is unchanged across two scans)";
        }
        if (rec.seenModified != now[0] || rec.seenSize != now[1]) {
            return "changed since Revisor took it up (" + (rec.seenSize != now[1] ? "size " + rec.seenSize + " -> " + now[1] + " bytes"
                    : "modified again") + ")";
        }
        if (DeployFileDTO.INCOMPLETE.equals(rec.state)) {
            return "incomplete: Revisor waits for the file to be complete";
        }
        return null;
    }

    /**
     * Waits until the folder is settled or the time is up.
     *
     * @param timeoutMillis how long at most; 0 or less looks once
     * @return empty when settled; otherwise what was still in progress when the time was up
     */
    List<String> await(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        while (true) {
            long finishedBefore = finished.get();
            List<String> left = inProgress();
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left.isEmpty() || remaining <= 0) {
                return left;
            }
            synchronized (signal) {
                if (finished.get() == finishedBefore) { // else a task ended meanwhile: look again at once
                    signal.wait(Math.min(pollMillis, remaining));
                }
            }
        }
    }

    /**
     * @return the file's modification time (ms, of the link itself for a symbolic link) and size (0 for a directory),
     *         or {@code {-1, -1}} when it cannot be read: what {@link FileRecord#seenModified} notes
     */
    static long[] seen(Path file) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new long[] {a.lastModifiedTime().toMillis(), a.size()};
        } catch (IOException e) {
            return new long[] {-1, -1};
        }
    }
}
