package dev.revisor.common.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class OwnedExecutorTest {
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    @Test
    void runsOnOneNamedDaemonThread() throws Exception {
        OwnedExecutor executor = new OwnedExecutor("test-owned", failures::add);
        try {
            Thread t = executor.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertThat(t.getName()).isEqualTo("test-owned");
            assertThat(t.isDaemon()).isTrue();
        } finally {
            assertThat(executor.close(5_000, 1_000)).isTrue();
        }
    }

    @Test
    void failuresOfExecutedAndSubmittedTasksAreReported() throws Exception {
        OwnedExecutor executor = new OwnedExecutor("test-owned", failures::add);
        try {
            executor.execute(() -> {
                throw new IllegalStateException("executed");
            });
            executor.submit(() -> {
                throw new IllegalArgumentException("submitted");
            });
            executor.submit(() -> { }).get(10, TimeUnit.SECONDS); // after both
        } finally {
            executor.close(5_000, 1_000);
        }
        assertThat(failures).extracting(Throwable::getMessage).containsExactlyInAnyOrder("executed", "submitted");
    }

    @Test
    void afterEachRunsAfterEveryTaskAndEveryRunOfAPeriodicOne() throws Exception {
        AtomicInteger after = new AtomicInteger();
        CountDownLatch runs = new CountDownLatch(3);
        OwnedExecutor executor = new OwnedExecutor("test-owned", failures::add, after::incrementAndGet);
        try {
            executor.execute(() -> { });
            executor.execute(() -> {
                throw new IllegalStateException("counted all the same");
            });
            executor.scheduleWithFixedDelay(runs::countDown, 0, 1, TimeUnit.MILLISECONDS);
            assertThat(runs.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            executor.close(5_000, 1_000);
        }
        assertThat(after.get()).isGreaterThanOrEqualTo(2 + 3);
    }

    @Test
    void aStoppingExecutorSaysSoInsteadOfThrowing() {
        OwnedExecutor executor = new OwnedExecutor("test-owned", failures::add);
        executor.close(1_000, 1_000);
        assertThat(executor.tryExecute(() -> { })).isFalse();
        assertThat((Object) executor.trySchedule(() -> { }, 1, TimeUnit.MILLISECONDS)).isNull();
    }

    /** afterExecute never swallows an interrupt: a future that answers with InterruptedException keeps the flag set. */
    @Test
    void theInterruptFlagIsKept() {
        Future<Object> interrupted = new Future<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                return false;
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean isDone() {
                return true;
            }

            @Override
            public Object get() throws InterruptedException {
                throw new InterruptedException("stopping");
            }

            @Override
            public Object get(long timeout, TimeUnit unit) throws InterruptedException {
                throw new InterruptedException("stopping");
            }
        };
        class Task implements Runnable, Future<Object> {
            @Override
            public void run() {
            }

            @Override
            public boolean cancel(boolean b) {
                return interrupted.cancel(b);
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean isDone() {
                return true;
            }

            @Override
            public Object get() throws InterruptedException, ExecutionException {
                return interrupted.get();
            }

            @Override
            public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException {
                return interrupted.get();
            }
        }
        try {
            assertThat(OwnedExecutor.failureOf(new Task(), null)).isNull();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted(); // clear it for the next test
        }
    }

    @Test
    void aCancelledTaskIsNoFailure() throws Exception {
        OwnedExecutor executor = new OwnedExecutor("test-owned", failures::add);
        try {
            Future<?> f = executor.schedule(() -> { }, 1, TimeUnit.HOURS);
            f.cancel(false);
            executor.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } finally {
            executor.close(1_000, 1_000);
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void felixThreadsAreKnownByName() {
        assertThat(FelixThreads.isFelix("FelixStartLevel")).isTrue();
        assertThat(FelixThreads.isFelix("FelixDispatchQueue")).isTrue();
        assertThat(FelixThreads.isFelix("fileinstall-/deploy")).isFalse();
        assertThat(FelixThreads.isFelix((String) null)).isFalse();
        Thread wiring = new Thread(() -> { }, FelixThreads.WIRING);
        assertThat(FelixThreads.isWiring(wiring)).isTrue();
        assertThat(FelixThreads.isStartLevel(wiring)).isFalse();
    }
}
