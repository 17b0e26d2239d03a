package dev.revisor.audit.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import dev.revisor.audit.api.AuditEventDTO;

/**
 * Appends events to the journal on one owned thread, {@value #THREAD_NAME}.
 * <p>
 * Callers only stamp the event (sequence number, time) and put it on a lock-free queue: recording never blocks and,
 * while the writer is busy, never wakes a thread. The writer takes everything queued, writes it as one batch of lines
 * (a line reaches the OS at most {@link #BATCH_WINDOW_NANOS} after it was recorded, with no user-space buffer in
 * between), and while events keep coming it looks again after that window instead of being woken for each one; when a
 * look finds nothing it sleeps until the next event. It rotates the file by size and keeps at most {@code maxFiles}
 * files. {@link #sync(long)} forces the file to disk; the requests that arrive together share one force. A full queue
 * (the disk stalls) drops events and counts them; the count is journaled as {@code journal.dropped} once the writer
 * catches up. A file left with a partial last line by a crash is ended with a newline before anything is appended, so
 * readers skip only that line. Followers ({@link #follow}) get each batch's events on the writer thread once the
 * batch is written.
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class JournalWriter implements AutoCloseable {
    static final String THREAD_NAME = "revisor-audit-journal";
    /** How long a recorded line waits at most before the writer hands it to the OS (2 ms). */
    static final long BATCH_WINDOW_NANOS = 2_000_000L;
    private static final int QUEUE_CAPACITY = 65_536;
    /**
     * The most characters one round encodes before it writes them (1 MiB): a producer faster than the encoding must
     * not keep the writer taking forever without writing anything (and growing one batch without bound).
     */
    static final int MAX_BATCH_CHARS = 1 << 20;

    private final JournalFiles files;
    private final JournalCodec codec;
    private final EventCap cap;
    private final long maxFileBytes;
    private final int maxFiles;
    private final Consumer<String> problems;
    private final IsoMillis times = new IsoMillis();
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong seq;
    private final AtomicLong dropped = new AtomicLong();
    private final Object order = new Object();
    private final Thread thread;
    /** Set by the writer thread as it ends, before it answers the sync requests left in the queue. */
    private volatile boolean ended;
    private final List<Consumer<AuditEventDTO>> followers = new CopyOnWriteArrayList<>();
    /** Set by the writer before it sleeps without a time limit; whoever queues then wakes it. */
    private volatile boolean sleeping;
    private volatile boolean stopRequested;
    private FileChannel channel; // writer thread only
    private long size; // writer thread only

    /**
     * @param files        the journal folder
     * @param codec        the line format
     * @param maxFileBytes rotate the current file when it grows past this many bytes
     * @param maxFiles     how many files to keep, the current one included (at least 1)
     * @param problems     where to report I/O failures (the log); called on the writer thread
     */
    JournalWriter(JournalFiles files, JournalCodec codec, long maxFileBytes, int maxFiles, Consumer<String> problems)
            throws IOException {
        this(files, codec, maxFileBytes, maxFiles, EventCap.DEFAULT_MAX_EVENT_BYTES, problems);
    }

    /**
     * @param maxEventBytes the longest line one event may have; a longer one is written shortened ({@link EventCap}),
     *                      and never more than a quarter of {@code maxFileBytes}
     */
    JournalWriter(JournalFiles files, JournalCodec codec, long maxFileBytes, int maxFiles, int maxEventBytes,
            Consumer<String> problems) throws IOException {
        if (maxFileBytes < 1024) {
            throw new IllegalArgumentException("max.file.bytes must be at least 1024, not " + maxFileBytes);
        }
        if (maxFiles < 1) {
            throw new IllegalArgumentException("max.files must be at least 1, not " + maxFiles);
        }
        this.files = files;
        this.codec = codec;
        this.cap = new EventCap((int) Math.max(EventCap.MIN_MAX_EVENT_BYTES, Math.min(maxEventBytes, maxFileBytes / 4)));
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.problems = problems;
        Files.createDirectories(files.directory());
        this.seq = new AtomicLong(files.lastSeq());
        open();
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Gives the event its sequence number and time (when it has none) and queues it for writing.
     *
     * @return the same event
     */
    AuditEventDTO append(AuditEventDTO event) {
        return append(event, null);
    }

    /**
     * Like {@link #append(AuditEventDTO)}, and when {@code operationPrefix} is set the event's operation id becomes
     * that prefix followed by the event's own sequence number: an operation named after the seq of its first event
     * is unique within the journal, also across restarts and crashes (a lost first event loses every later one).
     *
     * @return the same event
     */
    AuditEventDTO append(AuditEventDTO event, String operationPrefix) {
        if (event.time == null) {
            event.time = times.format(System.currentTimeMillis());
        }
        if (queued.incrementAndGet() > QUEUE_CAPACITY) {
            queued.decrementAndGet();
            synchronized (order) { // the seq is spent all the same: a gap in seq shows where events were lost
                event.seq = seq.incrementAndGet();
                if (operationPrefix != null) {
                    event.operation = operationPrefix + event.seq;
                }
            }
            dropped.incrementAndGet();
            return event;
        }
        synchronized (order) { // the file holds events in seq order
            event.seq = seq.incrementAndGet();
            if (operationPrefix != null) {
                event.operation = operationPrefix + event.seq;
            }
            queue.offer(event);
        }
        wakeIfSleeping();
        return event;
    }

    private void wakeIfSleeping() {
        if (sleeping) {
            sleeping = false;
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits until every event queued before this call is written and the file is forced to disk.
     *
     * @param timeoutMillis how long to wait at most
     * @return whether that happened in time
     */
    boolean sync(long timeoutMillis) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("sync() called on the journal writer thread");
        }
        return await(new CompletableFuture<>(), timeoutMillis);
    }

    /**
     * Waits until every event queued before this call is in the file (not forced to disk): a reader that comes after
     * it sees them. Returns at once on the writer thread itself (a follower reading the journal).
     *
     * @param timeoutMillis how long to wait at most
     * @return whether that happened in time
     */
    boolean written(long timeoutMillis) {
        return Thread.currentThread() == thread || await(new WrittenOnly(), timeoutMillis);
    }

    /** A request that the writer completes once what was queued before it is written, without forcing the file. */
    private static final class WrittenOnly extends CompletableFuture<Void> {
    }

    private boolean await(CompletableFuture<Void> done, long timeoutMillis) {
        if (!thread.isAlive()) {
            return false;
        }
        queue.offer(done);
        if (ended && queue.remove(done)) {
            // the writer ended between the look above and the offer and did not take the request: nobody would
            // complete it (a request it took, it completed)
            return false;
        }
        LockSupport.unpark(thread); // a sync is waited for: no batch window
        try {
            done.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    long lastSeq() {
        return seq.get();
    }

    /**
     * Calls {@code follower} on the writer thread with every event written from now on, oldest first, after the batch
     * that holds it is written. A follower that throws is reported and removed.
     *
     * @return ends the calls
     */
    Runnable follow(Consumer<AuditEventDTO> follower) {
        followers.add(follower);
        return () -> followers.remove(follower);
    }

    private void run() {
        try {
            List<CompletableFuture<Void>> syncs = new ArrayList<>();
            List<AuditEventDTO> written = new ArrayList<>();
            StringBuilder lines = new StringBuilder();
            while (true) {
                // read before taking: whatever was queued before close() asked to stop is taken in this last round
                boolean stopping = stopRequested;
                journalDropped();
                int taken = take(lines, syncs, followers.isEmpty() ? null : written);
                boolean full = lines.length() >= MAX_BATCH_CHARS;
                if (write(lines)) {
                    tellFollowers(written);
                }
                written.clear();
                lines.setLength(0);
                boolean last = stopping && !full; // stopping: every event queued before close() is written first
                if (!syncs.isEmpty() || last) { // one force for every sync that came in this round
                    if (last || syncs.stream().anyMatch(f -> !(f instanceof WrittenOnly))) {
                        force();
                    }
                    syncs.forEach(f -> f.complete(null));
                    syncs.clear();
                }
                if (last) {
                    break;
                }
                if (full) {
                    continue; // the round stopped at its limit: what is left is taken at once
                }
                if (taken > 0) {
                    LockSupport.parkNanos(this, BATCH_WINDOW_NANOS); // more are likely coming: take them together
                } else {
                    sleeping = true;
                    if (queue.isEmpty() && !stopRequested) { // re-checked after announcing the sleep: nothing is missed
                        LockSupport.park(this);
                    }
                    sleeping = false;
                }
            }
            closeChannel();
        } finally {
            ended = true; // before the last look at the queue: a sync offered after it sees the flag (see sync())
            failSyncsLeft();
        }
    }

    /**
     * The writer ends: a sync request that came after its last round is answered at once (not forced, so
     * {@link #sync} says {@code false}) instead of leaving its caller to wait out the timeout.
     */
    private void failSyncsLeft() {
        for (Object item : queue) {
            if (item instanceof CompletableFuture<?> && queue.remove(item)) {
                ((CompletableFuture<?>) item).completeExceptionally(new IllegalStateException("the journal writer ended"));
            }
        }
    }

    /**
     * Takes what is queued, up to {@link #MAX_BATCH_CHARS} of lines: events are encoded into {@code lines} (and, when
     * {@code written} is not null, added to it), sync requests go to {@code syncs}.
     */
    private int take(StringBuilder lines, List<CompletableFuture<Void>> syncs, List<AuditEventDTO> written) {
        int taken = 0;
        for (Object item = queue.poll(); item != null; item = lines.length() >= MAX_BATCH_CHARS ? null : queue.poll()) {
            if (item instanceof AuditEventDTO) {
                queued.decrementAndGet();
                AuditEventDTO event = (AuditEventDTO) item;
                if (encode(event, lines) && written != null) {
                    written.add(event);
                }
                taken++;
            } else {
                @SuppressWarnings("unchecked")
                CompletableFuture<Void> f = (CompletableFuture<Void>) item;
                syncs.add(f);
            }
        }
        return taken;
    }

    private void tellFollowers(List<AuditEventDTO> written) {
        if (written.isEmpty()) {
            return;
        }
        for (Consumer<AuditEventDTO> follower : followers) {
            try {
                written.forEach(follower);
            } catch (RuntimeException e) {
                followers.remove(follower);
                problems.accept("journal: a follower failed and no longer follows: " + e);
            }
        }
    }

    /**
     * Appends the event's line; a line longer than {@code max.event.bytes} is written shortened ({@link EventCap}); an
     * event that cannot be encoded (a NaN in its details) is reported and left out.
     */
    private boolean encode(AuditEventDTO event, StringBuilder lines) {
        int mark = lines.length();
        try {
            codec.encodeTo(event, lines);
            if (!cap.fits(lines, mark)) {
                long bytes = EventCap.utf8Length(lines, mark);
                lines.setLength(mark);
                codec.encodeTo(cap.shorten(event, bytes, codec), lines);
                problems.accept("journal: event " + event.seq + " (" + event.type + ") had " + bytes + " bytes, more than"
                        + " max.event.bytes (" + cap.maxBytes() + "); written shortened");
            }
            lines.append('\n');
            return true;
        } catch (RuntimeException e) {
            lines.setLength(mark);
            problems.accept("journal: cannot encode event " + event.seq + " (" + event.type + "), left out: " + e);
            return false;
        }
    }

    private void journalDropped() {
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dropped", lost);
            details.put("reason", "the journal queue was full (" + QUEUE_CAPACITY + " events): the disk did not keep up");
            AuditEventDTO e = new AuditEventDTO();
            e.type = "journal.dropped";
            e.details = details;
            append(e);
        }
    }

    /** @return whether the lines reached the file (also when there were none) */
    private boolean write(StringBuilder lines) {
        if (lines.length() == 0) {
            return true;
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                size += channel.write(bytes);
            }
            if (size >= maxFileBytes) {
                rotate();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            problems.accept("journal: cannot write to " + files.current() + ": " + e);
            try {
                closeChannel();
                open();
            } catch (IOException reopen) {
                problems.accept("journal: cannot reopen " + files.current() + ": " + reopen);
            }
            return false;
        }
    }

    private void force() {
        try {
            if (channel != null && channel.isOpen()) {
                channel.force(false);
            }
        } catch (IOException e) {
            problems.accept("journal: cannot force " + files.current() + " to disk: " + e);
        }
    }

    private void rotate() throws IOException {
        force();
        closeChannel();
        Files.move(files.current(), files.rotatedName(seq.get() == 0 ? 0 : lastSeqOnDisk()), StandardCopyOption.ATOMIC_MOVE);
        List<Path> rotated = files.rotated();
        for (int i = 0; i < rotated.size() - (maxFiles - 1); i++) {
            Files.deleteIfExists(rotated.get(i));
        }
        open();
    }

    /** Reads the seq of the last event in the current file back from disk (a read of the file, not a field). */
    private long lastSeqOnDisk() throws IOException {
        return files.lastSeq();
    }

    private void open() throws IOException {
        Path current = files.current();
        boolean partialLine = false;
        if (Files.isRegularFile(current) && Files.size(current) > 0) {
            try (FileChannel reader = FileChannel.open(current, StandardOpenOption.READ)) {
                ByteBuffer last = ByteBuffer.allocate(1);
                reader.read(last, reader.size() - 1);
                partialLine = last.get(0) != '\n';
            }
        }
        // READ cannot be combined with APPEND, hence the separate look at the last byte above
        channel = FileChannel.open(current, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
        if (partialLine) { // a crash left a partial line: end it so the next event starts clean
            size += channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                problems.accept("journal: cannot close " + files.current() + ": " + e);
            }
        }
    }

    /** Writes what is queued, forces it to disk and ends the writer thread (waits at most 5 s). */
    @Override
    public void close() {
        stopRequested = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
            if (thread.isAlive()) { // the disk is stuck: interrupt the write, what is queued is lost
                thread.interrupt();
                thread.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isRunning() {
        return thread.isAlive();
    }
}
