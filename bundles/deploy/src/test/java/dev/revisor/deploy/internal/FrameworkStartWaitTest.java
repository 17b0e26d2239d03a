package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * The deploy thread's first task waits for the framework's start level: what it returns and when, against the fake
 * framework's system bundle.
 */
class FrameworkStartWaitTest {
    private final FakeFramework fw = new FakeFramework();
    private final LogLines log = new LogLines();
    private final FakeBundle system = (FakeBundle) fw.getBundle();

    @Test
    void anActiveFrameworkIsNotWaitedFor() {
        assertThat(new FrameworkStartWait(fw, log.logger()).await(() -> false)).isTrue();
    }

    @Test
    void returnsOnlyOnceTheSystemBundleIsActive() throws Exception {
        system.setState(Bundle.STARTING);
        AtomicInteger stateSeen = new AtomicInteger();
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            boolean started = new FrameworkStartWait(fw, log.logger()).await(() -> false);
            stateSeen.set(system.getState());
            return started;
        });
        Thread.sleep(5 * FrameworkStartWait.POLL_MILLIS);
        assertThat(waited).as("the framework is still starting").isNotDone();
        system.setState(Bundle.ACTIVE);
        assertThat(waited.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(stateSeen.get()).isEqualTo(Bundle.ACTIVE);
    }

    @Test
    void aComponentThatStopsEndsTheWaitWithoutStartingUp() throws Exception {
        system.setState(Bundle.STARTING);
        AtomicBoolean stopping = new AtomicBoolean();
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(
                () -> new FrameworkStartWait(fw, log.logger()).await(stopping::get));
        stopping.set(true);
        assertThat(waited.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void aFrameworkThatStopsWhileStartingEndsTheWait() throws Exception {
        system.setState(Bundle.STARTING);
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(
                () -> new FrameworkStartWait(fw, log.logger()).await(() -> false));
        system.setState(Bundle.STOPPING);
        assertThat(waited.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void anInterruptEndsTheWaitAndIsKept() throws Exception {
        system.setState(Bundle.STARTING);
        CompletableFuture<boolean[]> waited = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            boolean started = new FrameworkStartWait(fw, log.logger()).await(() -> false);
            waited.complete(new boolean[] {started, Thread.currentThread().isInterrupted()});
        }, "frameworkstartwait-test");
        t.start();
        t.interrupt();
        boolean[] r = waited.get(10, TimeUnit.SECONDS);
        assertThat(r[0]).as("started").isFalse();
        assertThat(r[1]).as("interrupt flag kept").isTrue();
        t.join(5_000);
    }
}
