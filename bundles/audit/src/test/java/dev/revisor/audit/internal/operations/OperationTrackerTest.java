package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.internal.diagnostics.FakeFramework;
import dev.revisor.common.internal.FelixThreads;

/** The tracker and its parts (stacks, attribution, history) together, on bundles of the shared fake framework. */
class OperationTrackerTest {
    private final FakeFramework framework = new FakeFramework();
    private final List<String> journaled = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final BundleContext context = mock(BundleContext.class);
    private OperationTracker tracker;

    @BeforeEach
    void start() {
        Journal journal = mock(Journal.class);
        when(journal.record(anyString(), any(), any(), any())).thenAnswer(inv -> {
            synchronized (journaled) {
                journaled.add(inv.getArgument(0) + " " + inv.getArgument(1));
            }
            return null;
        });
        OperationLog log = new OperationLog() {
            @Override
            public AuditEventDTO recordOperationStart(Bundle bundle, Map<String, Object> details) {
                AuditEventDTO e = new AuditEventDTO();
                e.seq = seq.incrementAndGet();
                e.type = STARTED;
                e.operation = ID_PREFIX + e.seq;
                e.time = Instant.now().toString();
                e.details = details;
                return e;
            }

            @Override
            public List<AuditEventDTO> operationEvents(int lastEvents) {
                return List.of();
            }

            @Override
            public long lastSeq() {
                return seq.get();
            }
        };
        OperationTracker.Config config = mock(OperationTracker.Config.class);
        when(config.implicit_idle_ms()).thenReturn(60_000L); // the sweep never ends an operation under the test
        when(config.implicit_max_ms()).thenReturn(60_000L);
        when(config.refresh_idle_ms()).thenReturn(60_000L);
        when(config.history()).thenReturn(100);
        when(config.recovery_events()).thenReturn(0);
        LoggerFactory loggers = mock(LoggerFactory.class);
        when(loggers.getLogger(any(Class.class))).thenReturn(mock(Logger.class));
        tracker = new OperationTracker(context, config, journal, log, loggers);
        tracker.activate();
    }

    @AfterEach
    void stop() {
        tracker.deactivate();
    }

    /** @return the framework's wiring, a mock behind the system bundle of the mocked context */
    private FrameworkWiring wiring() {
        Bundle system = mock(Bundle.class);
        FrameworkWiring wiring = mock(FrameworkWiring.class);
        when(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)).thenReturn(system);
        when(system.adapt(FrameworkWiring.class)).thenReturn(wiring);
        return wiring;
    }

    @Test
    void aRefreshWhoseWaitTimedOutIsRefreshingUntilTheFrameworkEndsIt() throws Exception {
        FrameworkWiring wiring = wiring();
        AtomicReference<FrameworkListener> listener = new AtomicReference<>();
        doAnswer(inv -> {
            listener.set(inv.getArgument(1));
            return null;
        }).when(wiring).refreshBundles(any(), any(FrameworkListener.class));
        assertThat(tracker.refreshing()).isFalse();

        assertThatThrownBy(() -> tracker.refresh("test", List.of(), 50)).isInstanceOf(TimeoutException.class);

        assertThat(tracker.refreshing()).as("the framework goes on with it").isTrue();
        listener.get().frameworkEvent(new FrameworkEvent(FrameworkEvent.PACKAGES_REFRESHED, mock(Bundle.class), null));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (tracker.refreshing() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(tracker.refreshing()).as("ended once the framework called the refresh's listener").isFalse();
    }

    @Test
    void aRefreshTheFrameworkRefusesLeavesNoRefreshRunning() {
        FrameworkWiring wiring = wiring();
        doThrow(new IllegalStateException("Framework is stopping")).when(wiring).refreshBundles(any(), any(FrameworkListener.class));

        assertThatThrownBy(() -> tracker.refresh("test", List.of(), 1000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopping");

        assertThat(tracker.refreshing()).as("no refresh runs: nothing has to wait for one").isFalse();
    }

    private Bundle bundle(long id) {
        return framework.bundle(id, "org.example.b" + id, "1.0.0").getBundle();
    }

    @Test
    void eventsOfAThreadWithoutOperationShareOneImplicitOperation() {
        Bundle a = bundle(5);
        Bundle b = bundle(6);
        String first = tracker.bundleEvent(new BundleEvent(BundleEvent.STARTED, a));
        String second = tracker.bundleEvent(new BundleEvent(BundleEvent.STARTED, b));

        assertThat(second).isEqualTo(first);
        assertThat(tracker.currentId()).isEqualTo(first);
        OperationDTO op = tracker.find(first);
        assertThat(op.implicit).isTrue();
        assertThat(op.bundles).extracting(r -> r.id).containsExactly(5L, 6L);
    }

    @Test
    void anExplicitOperationTakesTheEventsOfItsThreadAndEndsWhenClosed() {
        Bundle a = bundle(5);
        String id;
        try (Operation op = tracker.begin("update", "shell:update 5", "org.example.b5")) {
            id = op.id();
            assertThat(tracker.bundleEvent(new BundleEvent(BundleEvent.UPDATED, a))).isEqualTo(id);
        }
        assertThat(tracker.currentId()).isNull();
        assertThat(tracker.find(id).outcome).isEqualTo(Operation.SUCCEEDED);
        assertThat(tracker.recent(10)).extracting(o -> o.id).containsExactly(id);
        synchronized (journaled) {
            assertThat(journaled).contains("operation.ended " + id);
        }
    }

    @Test
    void anImplicitOperationEndsWhenAnExplicitOneBegins() {
        String implicit = tracker.bundleEvent(new BundleEvent(BundleEvent.STARTED, bundle(5)));
        try (Operation op = tracker.begin("deploy", "deploy:x.jar", null)) {
            assertThat(tracker.find(implicit).end).as("ended as the explicit one began").isNotNull();
            assertThat(tracker.currentId()).isEqualTo(op.id());
        }
    }

    /**
     * A start-level change that ends while the tracker stops: the hand-off to the tracker's thread is refused quietly,
     * never thrown on the framework's thread.
     */
    @Test
    void aHandOffWhileStoppingThrowsNothingOnTheFrameworksThread() throws Exception {
        tracker.deactivate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread startLevel = new Thread(() -> {
            try {
                tracker.bundleEvent(new BundleEvent(BundleEvent.STARTED, bundle(7)));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, FelixThreads.START_LEVEL);
        startLevel.start();
        startLevel.join();
        assertThat(failure.get()).isNull();
        assertThatCode(() -> tracker.frameworkEvent(new FrameworkEvent(FrameworkEvent.STARTLEVEL_CHANGED, bundle(0), null)))
                .doesNotThrowAnyException();
    }
}
