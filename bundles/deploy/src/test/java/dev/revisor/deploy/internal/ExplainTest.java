package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleException;

class ExplainTest {
    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(Explain.duration(30_000)).isEqualTo("30 s");
        assertThat(Explain.duration(1_500)).isEqualTo("1.5 s");
        assertThat(Explain.duration(500)).isEqualTo("500 ms");
    }

    @Test
    void stuckAtShowsTheCallThatWaitsAndTheActivatorNotTheJdkInternalsNorTheFramework() {
        StackTraceElement[] stack = {
            frame("jdk.internal.misc.Unsafe", "park", null, -2),
            frame("java.util.concurrent.locks.LockSupport", "park", "LockSupport.java", 211),
            frame("java.util.concurrent.locks.AbstractQueuedSynchronizer", "acquire", "AbstractQueuedSynchronizer.java", 715),
            frame("java.util.concurrent.CountDownLatch", "await", "CountDownLatch.java", 230),
            frame("com.example.orders.Activator", "start", "Activator.java", 31),
            frame("org.apache.felix.framework.util.SecureAction", "startActivator", "SecureAction.java", 697),
            frame("org.apache.felix.framework.Felix", "activateBundle", "Felix.java", 2427),
        };
        assertThat(Explain.stuckAt(stack)).isEqualTo("java.util.concurrent.CountDownLatch.await(CountDownLatch.java:230)"
                + " < com.example.orders.Activator.start(Activator.java:31)");
    }

    @Test
    void aDeepStackKeepsTheInnermostFramesAndTheActivatorsOwn() {
        StackTraceElement[] stack = new StackTraceElement[12];
        for (int i = 0; i < 10; i++) {
            stack[i] = frame("com.example.Deep", "level" + i, "Deep.java", i + 1);
        }
        stack[10] = frame("com.example.Activator", "start", "Activator.java", 9);
        stack[11] = frame("org.apache.felix.framework.Felix", "activateBundle", "Felix.java", 2427);
        String at = Explain.stuckAt(stack);
        assertThat(at).startsWith("com.example.Deep.level0(Deep.java:1) < com.example.Deep.level1(Deep.java:2)")
                .contains("... 5 more").endsWith("com.example.Activator.start(Activator.java:9)");
    }

    @Test
    void aThreadWaitingInsideTheFrameworkShowsTheFrameworksFrames() {
        StackTraceElement[] stack = {
            frame("jdk.internal.misc.Unsafe", "park", null, -2),
            frame("org.apache.felix.framework.Felix", "acquireBundleLock", "Felix.java", 5553),
            frame("org.apache.felix.framework.Felix", "startBundle", "Felix.java", 2137),
        };
        assertThat(Explain.stuckAt(stack)).isEqualTo("org.apache.felix.framework.Felix.acquireBundleLock(Felix.java:5553)"
                + " < org.apache.felix.framework.Felix.startBundle(Felix.java:2137)");
        assertThat(Explain.stuckAt(new StackTraceElement[0])).contains("no stack");
    }

    @Test
    void theActivatorsExceptionItsRootCauseAndTheFrameworksWrapperAreJournaledApart() {
        BundleException e = new BundleException("Activator start error in bundle x [7].", BundleException.ACTIVATOR_ERROR,
                new IllegalStateException("cannot open the orders database",
                        new RuntimeException("pool failed", new IOException("connection refused"))));
        Map<String, Object> d = Explain.exceptionDetails(e);
        assertThat(d).containsEntry("exception", "java.lang.IllegalStateException")
                .containsEntry("message", "cannot open the orders database")
                .containsEntry("rootCauseClass", "java.io.IOException")
                .containsEntry("rootCauseMessage", "connection refused")
                .containsEntry("wrapper", "org.osgi.framework.BundleException: Activator start error in bundle x [7].");
        assertThat(d.keySet()).containsExactly("exception", "message", "rootCauseClass", "rootCauseMessage", "wrapper");
    }

    @Test
    void anExceptionWithoutCauseOrMessageLeavesThoseOut() {
        Map<String, Object> d = Explain.exceptionDetails(new BundleException("Unable to resolve x", BundleException.RESOLVE_ERROR));
        assertThat(d).containsOnlyKeys("exception", "message").containsEntry("exception", "org.osgi.framework.BundleException");
        assertThat(Explain.exceptionDetails(new IllegalStateException())).containsOnlyKeys("exception");
        assertThat(Explain.exceptionDetails(null)).isEmpty();
    }

    @Test
    void aCauseCycleEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(Explain.rootCause(b)).isIn(a, b);
    }

    @Test
    void aFailureReadsAsTheActivatorsException() {
        assertThat(Explain.failure(new BundleException("x", BundleException.ACTIVATOR_ERROR, new IllegalStateException("no URL"))))
                .isEqualTo("its activator threw java.lang.IllegalStateException: no URL");
        assertThat(Explain.failure(new BundleException("x", BundleException.ACTIVATOR_ERROR,
                new IllegalStateException("no database", new IOException("connection refused")))))
                .isEqualTo("its activator threw java.lang.IllegalStateException: no database"
                        + " (root cause java.io.IOException: connection refused)");
        assertThat(Explain.failure(new IllegalStateException("Bundle in unexpected state.")))
                .isEqualTo("java.lang.IllegalStateException: Bundle in unexpected state.");
    }

    private static StackTraceElement frame(String cls, String method, String file, int line) {
        return new StackTraceElement(cls, method, file, line);
    }
}
