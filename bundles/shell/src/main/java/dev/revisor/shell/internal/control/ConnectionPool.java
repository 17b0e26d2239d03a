package dev.revisor.shell.internal.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.osgi.service.log.Logger;

/**
 * The connection threads of a {@link ControlServer}: at most {@code maxThreads}, named {@code PREFIX}N, daemon, idle
 * ones retire after a minute. Failures that escape a connection are logged in {@link #afterExecute}.
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class ConnectionPool extends ThreadPoolExecutor {
    private final Logger logger;
    /** Every thread this pool made that may still be alive; pruned as new ones are made. */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    ConnectionPool(int maxThreads, String prefix, Logger logger) {
        super(maxThreads, maxThreads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(maxThreads));
        this.logger = logger;
        allowCoreThreadTimeOut(true);
        AtomicInteger count = new AtomicInteger();
        setThreadFactory(r -> {
            threads.removeIf(t -> !t.isAlive());
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            threads.add(t);
            return t;
        });
    }

    /**
     * Stops the pool as {@link #shutdownNow()} does, but leaves one thread uninterrupted.
     *
     * @param spared a thread not to interrupt (its task runs on), or null
     * @return the tasks that never started
     */
    List<Runnable> shutdownNowSparing(Thread spared) {
        shutdown(); // no new tasks; idle threads end
        List<Runnable> neverStarted = new ArrayList<>();
        getQueue().drainTo(neverStarted);
        for (Thread t : threads) {
            if (t != spared) {
                t.interrupt();
            }
        }
        return neverStarted;
    }

    /**
     * Waits until every thread of this shut-down pool but {@code spared} has really ended ({@link #awaitTermination}
     * also returns while the last worker is still on its way out).
     *
     * @param spared a thread not to wait for, or null
     */
    boolean joinAll(long millis, Thread spared) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Thread t : threads) {
            if (t != spared) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        }
        return threads.stream().noneMatch(t -> t != spared && t.isAlive());
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
        super.afterExecute(r, t);
        if (t != null) {
            logger.error("control socket: a connection failed", t);
        }
    }

    String threadNames() {
        return threads.stream().filter(Thread::isAlive).map(Thread::getName).sorted()
                .collect(Collectors.joining(", "));
    }
}
