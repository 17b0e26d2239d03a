package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;

/**
 * The time box around bundle starts: real threads, bundles whose start() does what each test needs (return, throw,
 * wait on a latch the test counts down). The limits are short where a start must be reported stuck and long where it
 * must not; nothing is timed.
 */
class StarterTest {
    private static final long WAIT_SECONDS = 20;
    private static final long SHORT = 50;
    private static final long LONG = 60_000;

    private final List<String> operations = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> toRelease = new ArrayList<>();
    private final List<Starter> starters = new ArrayList<>();

    @AfterEach
    void letEverythingGo() {
        toRelease.forEach(CountDownLatch::countDown);
        starters.forEach(s -> s.close(5_000));
    }

    @Test
    void aStartThatReturnsIsReportedAsSoonAsItReturns() {
        AtomicInteger calls = new AtomicInteger();
        Starter starter = starter(LONG, 4, (s, f) -> { });
        Starter.Result r = starter.start(bundle(1, options -> calls.incrementAndGet()), Bundle.START_ACTIVATION_POLICY, "a.jar");
        assertThat(r.started()).isTrue();
        assertThat(calls).hasValue(1);
        assertThat(starter.stuckIds()).isEmpty();
        assertThat(operations).contains("begin start deploy:a.jar x.b1/1.0.0 [1]");
    }

    @Test
    void whatTheStartThrowsIsPassedOnAndItsOperationFails() {
        Starter starter = starter(LONG, 4, (s, f) -> { });
        BundleException thrown = new BundleException("Activator start error", BundleException.ACTIVATOR_ERROR,
                new IllegalStateException("no database"));
        Starter.Result r = starter.start(bundle(2, options -> {
            throw thrown;
        }), 0, "b.jar");
        assertThat(r.failure).isSameAs(thrown);
        assertThat(r.stuck).isNull();
        assertThat(operations).anyMatch(o -> o.startsWith("outcome failed") && o.contains("no database"));
    }

    @Test
    void aStartThatHasNotReturnedWithinTheLimitIsReportedStuckWithItsStackAndToldWhenItReturns() throws Exception {
        CountDownLatch release = latch();
        AtomicReference<Starter.Stuck> lateStuck = new AtomicReference<>();
        AtomicReference<Throwable> lateFailure = new AtomicReference<>(new Throwable("not called"));
        CountDownLatch returned = new CountDownLatch(1);
        Starter starter = starter(SHORT, 4, (s, f) -> {
            lateStuck.set(s);
            lateFailure.set(f);
            returned.countDown();
        });
        Bundle b = bundle(3, options -> awaitQuietly(release));

        Starter.Result r = starter.start(b, 0, "c.jar");

        assertThat(r.stuck).isNotNull();
        assertThat(r.stuck.thread).startsWith(Starter.THREAD_PREFIX);
        assertThat(r.stuck.file).isEqualTo("c.jar");
        assertThat(r.stuck.limitMillis).isEqualTo(SHORT);
        assertThat(r.stuck.stack).anyMatch(f -> f.contains("CountDownLatch.await"));
        assertThat(r.stuck.at).startsWith("java.util.concurrent.CountDownLatch.await(").doesNotContain("Unsafe.park");
        assertThat(r.stuck.describe()).contains("the activator of x.b3/1.0.0 [3] has not returned after 50 ms")
                .contains("its thread " + r.stuck.thread + " is stuck at java.util.concurrent.CountDownLatch.await");
        assertThat(starter.isStuck(3)).isTrue();
        assertThat(starter.stuckIds()).containsExactly(3L);

        release.countDown();
        assertThat(returned.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("told when the start returns").isTrue();
        assertThat(lateStuck.get()).isSameAs(r.stuck);
        assertThat(lateFailure.get()).as("it returned normally").isNull();
        assertThat(starter.isStuck(3)).isFalse();
    }

    @Test
    void whatALateStartThrowsGoesToTheListener() throws Exception {
        CountDownLatch release = latch();
        AtomicReference<Throwable> lateFailure = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        Starter starter = starter(SHORT, 4, (s, f) -> {
            lateFailure.set(f);
            returned.countDown();
        });
        BundleException thrown = new BundleException("late", BundleException.ACTIVATOR_ERROR, new IllegalStateException("late"));
        Starter.Result r = starter.start(bundle(4, options -> {
            awaitQuietly(release);
            throw thrown;
        }), 0, "d.jar");
        assertThat(r.stuck).isNotNull();
        release.countDown();
        assertThat(returned.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(lateFailure.get()).isSameAs(thrown);
    }

    @Test
    void onceAsManyStartsAreStuckAsThereMayBeThreadsFurtherStartsAreRefusedWithoutTrying() {
        CountDownLatch release = latch();
        Starter starter = starter(SHORT, 2, (s, f) -> { });
        assertThat(starter.start(bundle(5, options -> awaitQuietly(release)), 0, "e.jar").stuck).isNotNull();
        assertThat(starter.full()).isFalse();
        assertThat(starter.start(bundle(6, options -> awaitQuietly(release)), 0, "f.jar").stuck).isNotNull();
        assertThat(starter.full()).isTrue();

        AtomicInteger calls = new AtomicInteger();
        Starter.Result r = starter.start(bundle(7, options -> calls.incrementAndGet()), 0, "g.jar");
        assertThat(r.refused).contains("2 bundle starts have not returned").contains("x.b5/1.0.0 [5]").contains("x.b6/1.0.0 [6]");
        assertThat(calls).as("not even tried").hasValue(0);
        assertThat(starter.runningNames()).hasSize(2);
    }

    @Test
    void closeInterruptsTheStartThreadsAndWaitsForThem() {
        CountDownLatch release = latch();
        AtomicInteger late = new AtomicInteger();
        Starter starter = starter(SHORT, 4, (s, f) -> late.incrementAndGet());
        Starter.Result r = starter.start(bundle(8, options -> {
            try {
                release.await(); // interruptible, like most waits in activators
            } catch (InterruptedException e) {
                throw new BundleException("interrupted", BundleException.ACTIVATOR_ERROR, e);
            }
        }), 0, "h.jar");
        assertThat(r.stuck).isNotNull();

        assertThat(starter.close(5_000)).as("no thread left").isEmpty();
        assertThat(threadsNamed(r.stuck.thread)).isZero();
        assertThat(late).as("nobody is told after close: the deploy folder is going away").hasValue(0);
        assertThat(starter.start(bundle(9, options -> { }), 0, "i.jar").refused).contains("stopping");
    }

    @Test
    void closeNamesAStartThatIgnoresInterruption() {
        CountDownLatch release = latch();
        Starter starter = starter(SHORT, 4, (s, f) -> { });
        Starter.Result r = starter.start(bundle(10, options -> awaitQuietly(release)), 0, "j.jar");
        assertThat(r.stuck).isNotNull();
        assertThat(starter.close(SHORT)).singleElement().asString().contains(r.stuck.thread).contains("x.b10/1.0.0 [10]");
    }

    // ---- helpers

    private interface StartBehaviour {
        void start(int options) throws BundleException;
    }

    private Starter starter(long limit, int threads, Starter.LateListener late) {
        Starter s = new Starter(new RecordingOperations(), limit, threads, late);
        starters.add(s);
        return s;
    }

    private CountDownLatch latch() {
        CountDownLatch l = new CountDownLatch(1);
        toRelease.add(l);
        return l;
    }

    /** Waits for the latch, ignoring interrupts (an activator that does not react to them). */
    private static void awaitQuietly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).count();
    }

    private static Bundle bundle(long id, StartBehaviour start) {
        return (Bundle) Proxy.newProxyInstance(StarterTest.class.getClassLoader(), new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "getBundleId": return id;
                case "getSymbolicName": return "x.b" + id;
                case "getVersion": return new Version(1, 0, 0);
                case "start":
                    start.start(args == null ? 0 : (Integer) args[0]);
                    return null;
                case "hashCode": return (int) id;
                case "equals": return proxy == args[0];
                case "toString": return "x.b" + id;
                default: throw new UnsupportedOperationException(method.getName());
            }
        });
    }

    /** Operations that only note what is asked of them. */
    private final class RecordingOperations implements Operations {
        @Override
        public Operation begin(String kind, String trigger, String subject) {
            operations.add("begin " + kind + " " + trigger + " " + subject);
            return new Operation() {
                @Override
                public String id() {
                    return "op-1";
                }

                @Override
                public void outcome(String outcome, String reason) {
                    operations.add("outcome " + outcome + " " + reason);
                }

                @Override
                public OperationDTO describe() {
                    return new OperationDTO();
                }

                @Override
                public void close() {
                    operations.add("close");
                }
            };
        }

        @Override
        public OperationDTO current() {
            return null;
        }

        @Override
        public OperationDTO find(String id) {
            return null;
        }

        @Override
        public List<OperationDTO> recent(int limit) {
            return List.of();
        }
    }
}
