package dev.revisor.deploy.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;

/**
 * Starts bundles for the deploy thread so that it waits at most {@code start.timeout.ms} for an activator.
 * <p>
 * Each start runs on a thread of its own, {@value #THREAD_PREFIX}{@code <n>}, inside an operation of kind
 * {@code start} with the file's trigger ({@code deploy:NAME.jar}). When the start has not returned within the limit,
 * {@link #start} reports it {@link Stuck} with the thread's stack; the thread stays inside the activator (nothing can
 * take the framework's lock for that bundle away from it) and, when the start finally returns, hands the outcome to
 * the {@link LateListener}. At most {@code maxThreads} starts run at once: once that many are stuck, further starts
 * are refused at once instead of piling up threads. {@link #close} interrupts the start threads and joins them.
 * <p>
 * Concurrent Semantics: thread safe. {@link #start} is meant for one thread at a time (the deploy thread); the late
 * listener is called on the start's own thread, after the start has left the running set.
 */
final class Starter {
    /** Told when a start reported stuck has returned. Called on the start's thread: hand off, do not block. */
    interface LateListener {
        /**
         * @param stuck   the start as it was reported
         * @param failure what {@code Bundle.start} threw, or {@code null} when it returned normally
         */
        void returned(Stuck stuck, Throwable failure);
    }

    static final String THREAD_PREFIX = "revisor-deploy-start-";
    /** How many start threads may exist at once (the running start and the stuck ones). */
    static final int MAX_THREADS = 4;
    static final int MAX_FRAMES = 64;

    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int STUCK = 2;

    private final Operations operations;
    private final long limitMillis;
    private final int maxThreads;
    private final LateListener late;
    private final AtomicInteger counter = new AtomicInteger();
    private final Map<Thread, Task> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Starter(Operations operations, long limitMillis, int maxThreads, LateListener late) {
        this.operations = operations;
        this.limitMillis = Math.max(1, limitMillis);
        this.maxThreads = Math.max(1, maxThreads);
        this.late = late;
    }

    long limitMillis() {
        return limitMillis;
    }

    /**
     * Starts the bundle on a start thread and waits for it at most the limit.
     *
     * @param options {@code Bundle.start} options
     * @param file    the deploy folder's file the start is for (the trigger of its operation)
     * @return how it went: returned (with the exception when it threw), stuck, or refused without starting
     */
    Result start(Bundle bundle, int options, String file) {
        if (closed) {
            return Result.refused("the deploy folder is stopping");
        }
        if (full()) {
            List<String> stuck = runningNames();
            return Result.refused(stuck.size() + " bundle starts have not returned (" + String.join(", ", stuck)
                    + "); Revisor starts no further bundle until one of them returns");
        }
        Task task = new Task(bundle, options, file);
        Thread thread = new Thread(task, THREAD_PREFIX + counter.incrementAndGet());
        thread.setDaemon(true);
        task.thread = thread;
        running.put(thread, task);
        task.startNanos = System.nanoTime();
        task.since = Instant.now();
        thread.start();
        boolean interrupted = false;
        try {
            if (task.done.await(limitMillis, TimeUnit.MILLISECONDS)) {
                return Result.returned(task.failure);
            }
        } catch (InterruptedException e) {
            interrupted = true; // the deploy folder is stopping: report what the start does now
        }
        Stuck stuck = describe(task);
        task.stuck = stuck;
        if (task.state.compareAndSet(RUNNING, STUCK)) {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return Result.stuck(stuck);
        }
        // it returned while we looked: the start thread has counted down or is about to
        try {
            task.done.await();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return Result.returned(task.failure);
    }

    /** @return whether as many starts run as there may be threads: a further start would be refused */
    boolean full() {
        return running.size() >= maxThreads;
    }

    /** @return the bundles whose start is running now, {@code symbolicName/version [id]} */
    List<String> runningNames() {
        List<String> names = new ArrayList<>();
        for (Task t : running.values()) {
            names.add(Explain.name(t.bundle));
        }
        return names;
    }

    /** @return whether a start of this bundle is running now (reported stuck, or not yet returned) */
    boolean isStuck(long bundleId) {
        for (Task t : running.values()) {
            if (t.bundle.getBundleId() == bundleId) {
                return true;
            }
        }
        return false;
    }

    /** @return the ids of the bundles whose start is running now */
    Set<Long> stuckIds() {
        Set<Long> ids = new TreeSet<>();
        for (Task t : running.values()) {
            ids.add(t.bundle.getBundleId());
        }
        return ids;
    }

    /**
     * Refuses new starts, interrupts the start threads and waits for each at most {@code joinMillis}.
     *
     * @return the names of the threads still alive (an activator that ignores interruption), each with its bundle
     */
    List<String> close(long joinMillis) {
        closed = true;
        List<Thread> threads = new ArrayList<>(running.keySet());
        for (Thread t : threads) {
            t.interrupt();
        }
        List<String> alive = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(joinMillis);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                Task task = running.get(t);
                alive.add(t.getName() + (task == null ? "" : " (the start of " + Explain.name(task.bundle) + ")"));
            }
        }
        return alive;
    }

    private Stuck describe(Task task) {
        Thread t = task.thread;
        String state = t.getState().name();
        String lock = null;
        String owner = null;
        StackTraceElement[] frames = null;
        try {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            ThreadInfo info = mx.getThreadInfo(t.getId(), MAX_FRAMES);
            if (info != null) {
                frames = info.getStackTrace();
                state = info.getThreadState().name();
                lock = info.getLockName();
                if (info.getLockOwnerId() >= 0) {
                    owner = "\"" + info.getLockOwnerName() + "\" (id " + info.getLockOwnerId() + ")";
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no management beans here: the plain stack still says where it is
        }
        if (frames == null) {
            frames = t.getStackTrace();
        }
        List<String> stack = new ArrayList<>();
        for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
            stack.add(frames[i].toString());
        }
        return new Stuck(task.bundle, task.file, t.getName(), task.since, task.startNanos, limitMillis, state, lock, owner,
                Collections.unmodifiableList(stack), Explain.stuckAt(frames));
    }

    /** One start: runs on its own thread. */
    private final class Task implements Runnable {
        final Bundle bundle;
        final int options;
        final String file;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicInteger state = new AtomicInteger(RUNNING);
        volatile Thread thread;
        volatile Stuck stuck;
        volatile Throwable failure;
        volatile long startNanos;
        volatile Instant since;

        Task(Bundle bundle, int options, String file) {
            this.bundle = bundle;
            this.options = options;
            this.file = file;
        }

        @Override
        public void run() {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Operation op = null;
            try {
                op = operations.begin("start", Operations.TRIGGER_DEPLOY + file, Explain.name(bundle));
                bundle.start(options);
            } catch (Throwable e) { // reported to the deploy thread (or the late listener), which says what it means
                thrown.set(e);
                if (op != null) {
                    op.outcome(Operation.FAILED, Outcomes.capped(e instanceof BundleException ? Explain.startFailure((BundleException) e)
                            : String.valueOf(e)));
                }
            } finally {
                failure = thrown.get();
                running.remove(Thread.currentThread());
                boolean wasStuck = !state.compareAndSet(RUNNING, DONE);
                done.countDown();
                // the operation ends after the deploy thread was released: its journal sync is not on the deploy path
                if (op != null) {
                    op.close();
                }
                if (wasStuck && !closed) {
                    late.returned(stuck, thrown.get());
                }
            }
        }
    }

    /** What became of a start. */
    static final class Result {
        /** What {@code Bundle.start} threw, or {@code null}. */
        final Throwable failure;
        /** Non-null when the start has not returned within the limit. */
        final Stuck stuck;
        /** Non-null when the start was not even tried: why. */
        final String refused;

        private Result(Throwable failure, Stuck stuck, String refused) {
            this.failure = failure;
            this.stuck = stuck;
            this.refused = refused;
        }

        static Result returned(Throwable failure) {
            return new Result(failure, null, null);
        }

        static Result stuck(Stuck stuck) {
            return new Result(null, stuck, null);
        }

        static Result refused(String why) {
            return new Result(null, null, why);
        }

        /** @return whether start() returned without an exception */
        boolean started() {
            return failure == null && stuck == null && refused == null;
        }
    }

    /** A start that had not returned when the limit passed, as it was then. Immutable. */
    static final class Stuck {
        final Bundle bundle;
        final String file;
        final String thread;
        final Instant since;
        final long startNanos;
        final long limitMillis;
        final String threadState;
        /** The lock the thread waits for, when it waits for one. */
        final String lock;
        /** {@code "name" (id n)} of the thread holding that lock, when known. */
        final String lockOwner;
        /** Innermost frame first, at most {@value Starter#MAX_FRAMES}. */
        final List<String> stack;
        /** The top frames in one line, for people. */
        final String at;

        Stuck(Bundle bundle, String file, String thread, Instant since, long startNanos, long limitMillis, String threadState,
                String lock, String lockOwner, List<String> stack, String at) {
            this.bundle = bundle;
            this.file = file;
            this.thread = thread;
            this.since = since;
            this.startNanos = startNanos;
            this.limitMillis = limitMillis;
            this.threadState = threadState;
            this.lock = lock;
            this.lockOwner = lockOwner;
            this.stack = stack;
            this.at = at;
        }

        /** @return how long ago the start began, in ms */
        long elapsedMillis() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }

        /** @return "the activator of X has not returned after N s; its thread T is stuck at ..." */
        String describe() {
            return "the activator of " + Explain.name(bundle) + " has not returned after " + Explain.duration(limitMillis)
                    + "; its thread " + thread + " is stuck at " + at;
        }
    }
}
