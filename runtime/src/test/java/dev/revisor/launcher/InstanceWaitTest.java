package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code exec --wait}'s wait for a ready instance, with the lock check replaced (the real one: DaemonProcessTest). */
class InstanceWaitTest {
    @TempDir
    Path data;

    @Test
    void waitsWhileTheInstanceHasNotAnnouncedItselfAndReturnsOnceItHas() throws Exception {
        Path info = data.resolve("instance.properties");
        AtomicInteger checks = new AtomicInteger();
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> InstanceWait.await(info, () -> {
            checks.incrementAndGet();
            return true;
        }, 30_000));
        Thread.sleep(300);
        assertThat(ready).as("no instance.properties yet").isNotDone();
        assertThat(checks).as("the lock is not looked at before the file exists").hasValue(0);
        Files.writeString(info, "pid=1\n");
        assertThat(ready.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFileLeftByAKilledInstanceIsWaitedOutUntilTheNextInstanceIsReady() throws Exception {
        Path info = Files.writeString(data.resolve("instance.properties"), "pid=1\n");
        AtomicBoolean nextOneReady = new AtomicBoolean();
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(
                () -> InstanceWait.await(info, nextOneReady::get, 30_000));
        Thread.sleep(300);
        assertThat(ready).isNotDone();
        nextOneReady.set(true);
        assertThat(ready.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theWaitEndsFalseWhenTheTimeRunsOut() {
        long started = System.nanoTime();
        assertThat(InstanceWait.await(data.resolve("instance.properties"), () -> true, 200)).isFalse();
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(InstanceWait.await(data.resolve("instance.properties"), () -> true, 0)).as("0: one look").isFalse();
    }

    @Test
    void aReadyInstanceIsNotWaitedFor() throws Exception {
        Path info = Files.writeString(data.resolve("instance.properties"), "pid=1\n");
        assertThat(InstanceWait.await(info, () -> true, 0)).isTrue();
    }
}
