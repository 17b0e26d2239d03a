package dev.revisor.common.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one executor type for a thread a Revisor component owns (as Felix SCR's {@code ComponentActorExecutor}): one
 * named daemon thread, made on the first task (so making the executor starts nothing; a component makes it in its
 * constructor and queues work in its activate step), every failure of a task handed to the owner's log in
 * {@link #afterExecute}, delayed tasks dropped at shutdown.
 * <p>
 * Owns: its thread. Runs: tasks on that thread; {@link #afterExecute} and the optional {@code afterEach} hook run
 * there too, after every task (for a periodic task, after every run of it).
 * <p>
 * {@link #tryExecute} and {@link #trySchedule} answer "stopping" instead of throwing {@link RejectedExecutionException}:
 * callers on framework threads must never fail because the component is going away.
 * <p>
 * Inlined into each bundle by bnd {@code -conditionalpackage} (common/README.md): each bundle has its own copy.
 * Concurrent Semantics: thread safe.
 */
public final class OwnedExecutor extends ScheduledThreadPoolExecutor {
    private final String threadName;
    private final Consumer<Throwable> failures;
    private final Runnable afterEach;

    /**
     * @param threadName the name of the one thread
     * @param failures told every failure of a task (on the executor's thread); must not throw
     */
    public OwnedExecutor(String threadName, Consumer<Throwable> failures) {
        this(threadName, failures, null);
    }

    /**
     * @param afterEach run after every task whatever its outcome (e.g. to balance a count of tasks in progress), or
     *        {@code null}
     */
    public OwnedExecutor(String threadName, Consumer<Throwable> failures, Runnable afterEach) {
        super(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        if (threadName == null || threadName.isBlank() || failures == null) {
            throw new IllegalArgumentException("an owned executor needs a thread name and a place to report failures");
        }
        this.threadName = threadName;
        this.failures = failures;
        this.afterEach = afterEach;
        setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /** @return the name of its thread */
    public String threadName() {
        return threadName;
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
        super.afterExecute(r, t);
        try {
            Throwable failure = failureOf(r, t);
            if (failure != null) {
                try {
                    failures.accept(failure);
                } catch (RuntimeException e) {
                    // the log itself failed: nothing left to tell; the thread goes on
                }
            }
        } finally {
            if (afterEach != null) {
                afterEach.run();
            }
        }
    }

    /**
     * The failure of a task that ran: the throwable the worker saw, or what the task's future ended with (a cancelled
     * task did not fail). The thread's interrupt flag is kept: an interrupt is never swallowed here.
     */
    static Throwable failureOf(Runnable r, Throwable t) {
        if (t != null || !(r instanceof Future<?>) || !((Future<?>) r).isDone()) {
            return t;
        }
        try {
            ((Future<?>) r).get();
            return null;
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping: keep the flag for whoever looks next
            return null;
        }
    }

    /** @return whether the task was queued; {@code false} when the executor is stopping */
    public boolean tryExecute(Runnable task) {
        try {
            execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** @return the scheduled task, or {@code null} when the executor is stopping */
    public ScheduledFuture<?> trySchedule(Runnable task, long delay, TimeUnit unit) {
        try {
            return schedule(task, delay, unit);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Stops the thread: lets the running and queued tasks end within {@code graceMillis} (delayed ones are dropped),
     * then interrupts and waits {@code forceMillis} more. Restores the caller's interrupt flag if interrupted.
     *
     * @return whether the thread has ended
     */
    public boolean close(long graceMillis, long forceMillis) {
        shutdown();
        try {
            if (awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                return true;
            }
            shutdownNow();
            return awaitTermination(forceMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            shutdownNow();
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops the thread at once: drops queued tasks, interrupts the running one, waits at most {@code millis}.
     *
     * @return whether the thread has ended
     */
    public boolean closeNow(long millis) {
        shutdownNow();
        try {
            return awaitTermination(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
