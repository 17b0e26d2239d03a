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
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.internal.diagnostics.FakeFramework;
import dev.revisor.common.internal.FelixThreads;

/** The tracker and its parts (stacks, attribution, history) together, on bundles of the shared fake framework. */
class OperationTrackerTest {
    private final FakeFramework framework = new FakeFramework();
    private final List<String> journaled = new ArrayList<>();
    private final List<AuditEventDTO> events = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final BundleContext context = mock(BundleContext.class);
    private OperationTracker tracker;

    @BeforeEach
    void start() {
        tracker = tracker(60_000L);
        tracker.activate();
    }

    /** @return a tracker (not activated) whose sweep never ends an operation under the test */
    private OperationTracker tracker(long implicitMaxMillis) {
        Journal journal = mock(Journal.class);
        when(journal.record(anyString(), any(), any(), any())).thenAnswer(inv -> {
            AuditEventDTO e = new AuditEventDTO();
            e.seq = seq.incrementAndGet();
            e.type = inv.getArgument(0);
            e.operation = inv.getArgument(1);
            e.details = inv.getArgument(3);
            synchronized (journaled) {
                journaled.add(e.type + " " + e.operation);
                events.add(e);
            }
            return e;
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
        when(config.implicit_max_ms()).thenReturn(implicitMaxMillis);
        when(config.refresh_idle_ms()).thenReturn(60_000L);
        when(config.history()).thenReturn(100);
        when(config.recovery_events()).thenReturn(0);
        LoggerFactory loggers = mock(LoggerFactory.class);
        when(loggers.getLogger(any(Class.class))).thenReturn(mock(Logger.class));
        return new OperationTracker(context, config, journal, log, loggers);
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

    // ---------------------------------------------------------------- did the bundles come back?

    /** Fires the events on this thread, as the framework does for a change made by the thread (a Gogo statement). */
    private String fire(Bundle b, int... types) {
        String id = null;
        for (int type : types) {
            id = tracker.bundleEvent(new BundleEvent(type, b));
        }
        return id;
    }

    /** Ends this thread's implicit operation as the sweep does once the thread is quiet. */
    private OperationDTO endQuietly(String id) {
        tracker.endOp(tracker.top(Thread.currentThread()), Operation.SUCCEEDED, false);
        return tracker.find(id);
    }

    private AuditEventDTO journaled(String type, String operation) {
        synchronized (journaled) {
            return events.stream().filter(e -> e.type.equals(type) && operation.equals(e.operation)).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no " + type + " of " + operation + " in " + journaled));
        }
    }

    private FakeFramework.Rev known(long id) {
        FakeFramework.Rev r = framework.bundle(id, "org.example.b" + id, "1.0.0");
        when(context.getBundle(id)).thenReturn(r.bundle);
        return r;
    }

    @Test
    void anUpdateWhoseNewActivatorThrowsEndsFailedNamingTheBundle() {
        FakeFramework.Rev b = known(5);
        // Gogo "update 5 file:...": stop, update, start; the new activator throws, Felix stops it again
        String id = fire(b.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UPDATED,
                BundleEvent.RESOLVED, BundleEvent.STARTING, BundleEvent.STOPPING, BundleEvent.STOPPED);
        b.state(Bundle.RESOLVED);

        OperationDTO op = endQuietly(id);

        assertThat(op.kind).isEqualTo("update");
        assertThat(op.outcome).isEqualTo(Operation.FAILED);
        assertThat(op.reason).startsWith("1 bundle(s) did not come back: org.example.b5/1.0.0 [5] was ACTIVE and is RESOLVED now")
                .contains("start threw").contains("audit:why 5");
        assertThat(journaled("operation.ended", id).details).containsEntry("outcome", Operation.FAILED)
                .containsEntry("failures", List.of(op.reason.substring("1 bundle(s) did not come back: ".length())));
    }

    /**
     * An update whose new revision does not resolve (Felix stops, updates, and cannot start it), with or without the
     * framework's error about it: the error is the reason when there is one.
     */
    @Test
    void anUpdateThatNoLongerResolvesEndsFailedWithTheFrameworksErrorAsReason() {
        for (boolean withError : new boolean[] {false, true}) {
            FakeFramework.Rev b = known(withError ? 6 : 5);
            String id = fire(b.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UPDATED);
            b.state(Bundle.INSTALLED);
            persistentlyStarted(b, true);
            if (withError) {
                tracker.frameworkEvent(new FrameworkEvent(FrameworkEvent.ERROR, b.bundle,
                        new BundleException("Unable to resolve org.example.b6: missing requirement org.example.utils [2,3)")));
            }

            OperationDTO op = endQuietly(id);

            assertThat(op.outcome).isEqualTo(Operation.FAILED);
            assertThat(op.reason).contains(withError
                    ? "[6] was ACTIVE and is INSTALLED now: Unable to resolve org.example.b6: missing requirement"
                    : "[5] was ACTIVE and is INSTALLED now: it does not resolve (see audit:why 5)");
        }
    }

    @Test
    void aStopOrAnUninstallOnPurposeSucceeds() {
        FakeFramework.Rev stopped = known(5);
        FakeFramework.Rev gone = known(6);
        FakeFramework.Rev restarted = known(7);
        String id = fire(stopped.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED);
        fire(gone.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UNINSTALLED);
        fire(restarted.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UPDATED,
                BundleEvent.RESOLVED, BundleEvent.STARTING, BundleEvent.STARTED);
        stopped.state(Bundle.RESOLVED);
        gone.state(Bundle.UNINSTALLED);

        OperationDTO op = endQuietly(id);

        assertThat(op.outcome).isEqualTo(Operation.SUCCEEDED);
        assertThat(op.reason).isNull();
        assertThat(journaled("operation.ended", id).details).doesNotContainKey("failures");
    }

    @Test
    void anUpdateOfABundleStoppedOnPurposeEarlierSucceeds() {
        FakeFramework.Rev b = known(5);
        String id = fire(b.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED, BundleEvent.UNRESOLVED, BundleEvent.UPDATED);
        b.state(Bundle.INSTALLED);
        persistentlyStarted(b, false); // Bundle.stop(): not meant to run

        assertThat(endQuietly(id).outcome).isEqualTo(Operation.SUCCEEDED);
    }

    @Test
    void aStartThatThrowsEndsFailedToo() {
        FakeFramework.Rev b = known(5);
        String id = fire(b.bundle, BundleEvent.RESOLVED, BundleEvent.STARTING, BundleEvent.STOPPING, BundleEvent.STOPPED);
        b.state(Bundle.RESOLVED);

        OperationDTO op = endQuietly(id);

        assertThat(op.outcome).isEqualTo(Operation.FAILED);
        assertThat(op.reason).contains("org.example.b5/1.0.0 [5] did not start: it is RESOLVED now: its activator's start threw");
    }

    private static void persistentlyStarted(FakeFramework.Rev b, boolean started) {
        BundleStartLevel sl = mock(BundleStartLevel.class);
        when(sl.isPersistentlyStarted()).thenReturn(started);
        when(b.bundle.adapt(BundleStartLevel.class)).thenReturn(sl);
    }

    // ---------------------------------------------------------------- records of refreshes inside an operation

    /** The framework's refresh, at once: does what it changes, then reports it done (event, then its listener). */
    private void refreshesAt(FrameworkWiring wiring, Runnable changes) {
        doAnswer(inv -> {
            changes.run();
            tracker.frameworkEvent(new FrameworkEvent(FrameworkEvent.PACKAGES_REFRESHED, mock(Bundle.class), null));
            ((FrameworkListener) inv.getArgument(1)).frameworkEvent(
                    new FrameworkEvent(FrameworkEvent.PACKAGES_REFRESHED, mock(Bundle.class), null));
            return null;
        }).when(wiring).refreshBundles(any(), any(FrameworkListener.class));
    }

    /**
     * As the deploy bundle does: stops the plan's bundles (transiently: still meant to run), refreshes within its
     * operation, starts the library again and, when {@code pluginComesBack}, the plugin too (which the refresh left
     * INSTALLED and not wired).
     *
     * @return the operation's id
     */
    private String refreshWithinAnOperation(FakeFramework.Rev lib, FakeFramework.Rev plugin, boolean pluginComesBack)
            throws Exception {
        FrameworkWiring wiring = wiring();
        when(wiring.getDependencyClosure(any())).thenReturn(List.of(lib.bundle, plugin.bundle));
        List<Runnable> startAgain = new ArrayList<>();
        refreshesAt(wiring, () -> {
            startAgain.add(plugin.unresolvedUntilStarted()); // stopped before, not started by the refresh
            lib.state(Bundle.INSTALLED);
        });
        lib.state(Bundle.RESOLVED);
        plugin.state(Bundle.RESOLVED);
        persistentlyStarted(plugin, true);

        try (Operation op = tracker.begin("deploy", "deploy:utils-2.jar", "utils-2.jar")) {
            RefreshRecordDTO record = tracker.refresh("test", List.of(lib.bundle), 10_000);
            assertThat(record.restarted).extracting(r -> r.stateAfter).containsExactly("INSTALLED", "INSTALLED");
            assertThat(record.wiringChanges).singleElement().satisfies(c -> assertThat(c.toExporter).isNull());
            assertThat(record.failures).isEmpty();
            lib.state(Bundle.ACTIVE);
            if (pluginComesBack) {
                startAgain.forEach(Runnable::run);
                tracker.bundleEvent(new BundleEvent(BundleEvent.STARTED, plugin.bundle));
            }
            return op.id();
        }
    }

    /**
     * The record written when the refresh ends shows the importer INSTALLED and not wired; when the operation ends,
     * refresh.final says what runs (ACTIVE, wired as before, started) and points at the record it amends.
     */
    @Test
    void aRefreshWithinAnOperationThatStartsItsBundlesAgainIsAmendedAtTheOperationsEnd() throws Exception {
        FakeFramework.Rev lib = known(10).exports("org.example.utils", "2.0.0");
        FakeFramework.Rev plugin = known(11).wire("org.example.utils", "[2,3)", lib);

        String id = refreshWithinAnOperation(lib, plugin, true);

        AuditEventDTO recorded = journaled("refresh.record", id);
        AuditEventDTO amended = journaled("refresh.final", id);
        assertThat(amended.seq).as("written after the record, which stays as it was").isGreaterThan(recorded.seq);
        assertThat(amended.details).containsEntry("amends", recorded.seq).containsEntry("operation", id);
        List<Object> restarted = new ArrayList<>((List<?>) amended.details.get("restarted"));
        assertThat(restarted).extracting(r -> (Object) ((Map<?, ?>) r).get("stateAfter")).containsExactly("ACTIVE", "ACTIVE");
        assertThat(((Map<?, ?>) restarted.get(1)).get("started")).as("the plugin's start after the refresh").isNotNull();
        assertThat((List<?>) amended.details.get("wiringChanges")).as("wired as before: no change").isEmpty();
        assertThat((List<?>) amended.details.get("failures")).isEmpty();
        synchronized (journaled) {
            assertThat(journaled.indexOf("refresh.final " + id)).as("within the operation")
                    .isLessThan(journaled.indexOf("operation.ended " + id));
        }
    }

    /** A bundle the operation stopped for the refresh and did not bring back is a failure of the amended record. */
    @Test
    void aBundleMeantToRunThatIsNotBackIsAFailureOfTheAmendedRecord() throws Exception {
        FakeFramework.Rev lib = known(10).exports("org.example.utils", "2.0.0");
        FakeFramework.Rev plugin = known(11).wire("org.example.utils", "[2,3)", lib);

        String id = refreshWithinAnOperation(lib, plugin, false);

        AuditEventDTO amended = journaled("refresh.final", id);
        assertThat(amended.details.get("failures")).isEqualTo(List.of(
                "org.example.b11/1.0.0 [11] is INSTALLED now although it is meant to run: it does not resolve (see audit:why 11)"));
        assertThat((List<?>) amended.details.get("wiringChanges")).as("still not wired").hasSize(1);
    }

    @Test
    void aRecordThatAlreadySaysWhatRunsIsNotAmended() throws Exception {
        FakeFramework.Rev lib = known(10).exports("org.example.utils", "2.0.0");
        FrameworkWiring wiring = wiring();
        when(wiring.getDependencyClosure(any())).thenReturn(List.of(lib.bundle));
        refreshesAt(wiring, () -> { });

        String id;
        try (Operation op = tracker.begin("update", "api:test", null)) {
            id = op.id();
            tracker.refresh("test", List.of(lib.bundle), 10_000);
        }

        synchronized (journaled) {
            assertThat(journaled).contains("refresh.record " + id).doesNotContain("refresh.final " + id);
        }
    }

    /**
     * A Gogo refresh (nobody requested it through the audit) after the importer's exporter was uninstalled: its snapshot
     * is taken at its first event, the importer's STOPPING. The importer does not resolve again and the framework reports
     * no error about it: the refresh ends failed all the same, naming it.
     */
    @Test
    void aRefreshNobodyRequestedThatStrandsAnImporterEndsFailed() throws Exception {
        FakeFramework.Rev importer = known(11);
        FrameworkWiring wiring = wiring();
        when(wiring.getRemovalPendingBundles()).thenReturn(List.of());
        when(context.getBundles()).thenReturn(new Bundle[] {importer.bundle});
        AtomicReference<String> id = new AtomicReference<>();
        Thread refresh = new Thread(() -> {
            importer.state(Bundle.STOPPING);
            id.set(tracker.bundleEvent(new BundleEvent(BundleEvent.STOPPING, importer.bundle)));
            importer.state(Bundle.RESOLVED);
            tracker.bundleEvent(new BundleEvent(BundleEvent.STOPPED, importer.bundle));
            importer.unresolved();
            tracker.bundleEvent(new BundleEvent(BundleEvent.UNRESOLVED, importer.bundle));
        }, FelixThreads.WIRING);
        refresh.start();
        refresh.join();

        tracker.frameworkEvent(new FrameworkEvent(FrameworkEvent.PACKAGES_REFRESHED, mock(Bundle.class), null));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (tracker.find(id.get()).end == null && System.nanoTime() < end) {
            Thread.sleep(10);
        }

        OperationDTO op = tracker.find(id.get());
        assertThat(op.kind).isEqualTo("refresh");
        assertThat(op.outcome).isEqualTo(Operation.FAILED);
        assertThat(op.reason).contains("org.example.b11/1.0.0 [11] was ACTIVE and is INSTALLED now: it did not resolve again");
    }

    /**
     * A thread that never pauses is cut into operations at implicit.max.ms, but not inside one update: the update's
     * stop and its start stay in one operation, which is judged whole.
     */
    @Test
    void anUpdateSlowerThanTheLimitIsOneOperationFromItsStopToItsStart() throws Exception {
        tracker.deactivate();
        tracker = tracker(50); // deactivated after the test
        tracker.activate();
        FakeFramework.Rev b = known(5);
        String id = fire(b.bundle, BundleEvent.STOPPING, BundleEvent.STOPPED);
        Thread.sleep(80); // the new bytes took longer than implicit.max.ms to read

        assertThat(fire(b.bundle, BundleEvent.UNRESOLVED, BundleEvent.UPDATED, BundleEvent.RESOLVED, BundleEvent.STARTING,
                BundleEvent.STOPPING, BundleEvent.STOPPED)).as("the rest of the update").isEqualTo(id);
        b.state(Bundle.RESOLVED);
        assertThat(fire(known(6).bundle, BundleEvent.INSTALLED)).as("the next change opens the next operation")
                .isNotEqualTo(id);
        assertThat(tracker.find(id).outcome).isEqualTo(Operation.FAILED);
    }
}
