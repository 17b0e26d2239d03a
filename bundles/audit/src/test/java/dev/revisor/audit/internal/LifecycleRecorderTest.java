package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.internal.operations.OperationTracker;

/** How a framework event's throwable is journaled: class and message of the throwable, its cause and its root cause. */
class LifecycleRecorderTest {
    private static Map<String, Object> details(Throwable t) {
        Map<String, Object> d = new LinkedHashMap<>();
        LifecycleRecorder.throwableDetails(t, d);
        return d;
    }

    @Test
    void anActivatorsExceptionIsTheExceptionItsMessageWholeTheFrameworksWrapperApart() {
        Throwable t = new BundleException("Activator start error in bundle orders [7].",
                new IllegalStateException("no URL: set orders.db.url\nin etc/orders.cfg"));
        assertThat(details(t)).containsExactly(
                Map.entry("exception", "java.lang.IllegalStateException"),
                Map.entry("message", "no URL: set orders.db.url\nin etc/orders.cfg"),
                Map.entry("wrapper", "org.osgi.framework.BundleException: Activator start error in bundle orders [7]."));
    }

    @Test
    void theRootCauseIsRecordedWhenItIsAnotherThanTheException() {
        Throwable t = new BundleException("Activator start error",
                new IllegalStateException("cannot open the orders database",
                        new RuntimeException(new SQLException("Connection refused"))));
        Map<String, Object> d = details(t);
        assertThat(d).containsEntry("exception", "java.lang.IllegalStateException")
                .containsEntry("message", "cannot open the orders database")
                .containsEntry("rootCauseClass", "java.sql.SQLException")
                .containsEntry("rootCauseMessage", "Connection refused")
                .doesNotContainKeys("cause", "causeClass", "causeMessage");
    }

    @Test
    void missingMessagesAndCausesLeaveTheirFieldsOut() {
        assertThat(details(new BundleException("Unable to resolve"))).containsOnlyKeys("exception", "message");
        assertThat(details(new BundleException("x", new NullPointerException())))
                .containsEntry("exception", "java.lang.NullPointerException").doesNotContainKeys("message", "rootCauseClass");
        Throwable root = new IllegalArgumentException();
        assertThat(details(new BundleException("x", new IllegalStateException("y", root))))
                .containsEntry("rootCauseClass", "java.lang.IllegalArgumentException").doesNotContainKey("rootCauseMessage");
        assertThat(details(null)).isEmpty();
    }

    @Test
    void anErrorThatIsNoBundleExceptionIsTheExceptionItself() {
        assertThat(details(new IllegalStateException("listener failed", new RuntimeException("inner"))))
                .containsExactly(Map.entry("exception", "java.lang.IllegalStateException"),
                        Map.entry("message", "listener failed"), Map.entry("rootCauseClass", "java.lang.RuntimeException"),
                        Map.entry("rootCauseMessage", "inner"));
    }

    @Test
    void aCauseCycleEnds() {
        IllegalStateException a = new IllegalStateException("a");
        IllegalStateException b = new IllegalStateException("b", a);
        a.initCause(b);
        Map<String, Object> d = details(new BundleException("x", a));
        assertThat(d).containsEntry("message", "a").containsEntry("rootCauseMessage", "b");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFrameworkErrorIsJournaledWithTheseFields() {
        BundleContext context = mock(BundleContext.class);
        when(context.getBundles()).thenReturn(new Bundle[0]);
        Journal journal = mock(Journal.class);
        OperationTracker operations = mock(OperationTracker.class);
        Bundle bundle = mock(Bundle.class);
        FrameworkEvent event = new FrameworkEvent(FrameworkEvent.ERROR, bundle,
                new BundleException("Activator start error", new IllegalStateException("no URL")));
        when(operations.frameworkEvent(event)).thenReturn("op-9");

        LifecycleRecorder recorder = new LifecycleRecorder(context, journal, operations, loggers());
        recorder.activate();
        recorder.frameworkEvent(event);

        ArgumentCaptor<Map<String, Object>> details = ArgumentCaptor.forClass(Map.class);
        verify(journal).record(eq("framework.error"), eq("op-9"), eq(bundle), details.capture());
        assertThat(details.getValue()).containsEntry("exception", "java.lang.IllegalStateException")
                .containsEntry("message", "no URL").containsKey("wrapper");
        verify(journal).record(eq("audit.started"), any(), any(), any());
    }

    private static org.osgi.service.log.LoggerFactory loggers() {
        org.osgi.service.log.LoggerFactory loggers = mock(org.osgi.service.log.LoggerFactory.class);
        when(loggers.getLogger(any(Class.class))).thenReturn(mock(org.osgi.service.log.Logger.class));
        return loggers;
    }

    /** A tap that throws never keeps the event from the taps after it, nor from the journal. */
    @Test
    void oneFailingTapLosesNoEvent() throws Exception {
        BundleContext context = mock(BundleContext.class);
        when(context.getBundles()).thenReturn(new Bundle[0]);
        Journal journal = mock(Journal.class);
        OperationTracker operations = mock(OperationTracker.class);
        Bundle bundle = mock(Bundle.class);
        when(bundle.getBundleId()).thenReturn(7L);
        org.osgi.framework.BundleEvent event = new org.osgi.framework.BundleEvent(org.osgi.framework.BundleEvent.STOPPED, bundle);
        when(operations.bundleEvent(event)).thenReturn("op-3");
        java.util.List<org.osgi.framework.BundleEvent> seen = new java.util.ArrayList<>();
        LifecycleTap failing = new LifecycleTap() {
            @Override
            public void bundleEvent(org.osgi.framework.BundleEvent e) {
                throw new IllegalStateException("broken tap");
            }

            @Override
            public void serviceEvent(org.osgi.framework.ServiceEvent e) {
                throw new IllegalStateException("broken tap");
            }
        };
        LifecycleTap working = new LifecycleTap() {
            @Override
            public void bundleEvent(org.osgi.framework.BundleEvent e) {
                seen.add(e);
            }

            @Override
            public void serviceEvent(org.osgi.framework.ServiceEvent e) {
            }
        };
        LifecycleRecorder recorder = new LifecycleRecorder(context, journal, operations, loggers());
        java.lang.reflect.Field taps = LifecycleRecorder.class.getDeclaredField("taps");
        taps.setAccessible(true);
        taps.set(recorder, new java.util.concurrent.CopyOnWriteArrayList<>(java.util.List.of(failing, working)));

        recorder.event(event, java.util.List.of());

        assertThat(seen).containsExactly(event);
        verify(journal).record(eq("bundle.stopped"), eq("op-3"), eq(bundle), any());
    }
}
