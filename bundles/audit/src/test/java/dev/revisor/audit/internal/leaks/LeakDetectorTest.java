package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.internal.operations.RetiredRevision;

/**
 * The leak detector driven the way the audit drives it: the operation tracker's hook ({@code refreshed},
 * {@code removed}) retires revisions, the detector's own bundle listener only learns the current revision of each
 * bundle and plain stops. Class loaders made in the test stand in for revisions; a loader the test keeps is a zombie.
 */
class LeakDetectorTest {
    private static final long ID = 7;

    private final BundleContext context = mock(BundleContext.class);
    private final Journal journal = mock(Journal.class);
    private final List<String[]> journaled = new ArrayList<>();
    private final List<Map<String, Object>> journaledDetails = new ArrayList<>();
    private final Bundle bundle = mock(Bundle.class);
    private URLClassLoader loader;
    private LeakDetector detector;
    private Thread thread;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void framework() {
        Bundle system = mock(Bundle.class);
        FrameworkWiring fw = mock(FrameworkWiring.class);
        when(context.getBundles()).thenReturn(new Bundle[0]);
        when(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)).thenReturn(system);
        when(system.adapt(FrameworkWiring.class)).thenReturn(fw);
        when(fw.getRemovalPendingBundles()).thenReturn(List.of());
        Bundle own = mock(Bundle.class);
        when(own.getBundleId()).thenReturn(3L);
        when(context.getBundle()).thenReturn(own);
        when(bundle.getBundleId()).thenReturn(ID);
        when(bundle.getSymbolicName()).thenReturn("org.example.x");
        when(bundle.getVersion()).thenReturn(new Version("1.0.0"));
        when(journal.record(anyString(), any(), any(), any())).thenAnswer(inv -> {
            synchronized (journaled) {
                journaled.add(new String[] {inv.getArgument(0), inv.getArgument(1)});
                journaledDetails.add((Map<String, Object>) inv.getArgument(3));
            }
            return null;
        });
        LoggerFactory loggers = mock(LoggerFactory.class);
        when(loggers.getLogger(LeakDetector.class)).thenReturn(mock(Logger.class));
        URL classes = LeakDetectorTest.class.getProtectionDomain().getCodeSource().getLocation();
        loader = new URLClassLoader("revision", new URL[] {classes}, LeakDetectorTest.class.getClassLoader().getParent());
        detector = new LeakDetector(context, config(Map.of()), journal, loggers);
        detector.activate();
    }

    @AfterEach
    void stop() throws Exception {
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
        detector.deactivate();
        loader.close();
    }

    /** The detector's configuration: the defaults of its annotation, some replaced. */
    static LeakDetector.Config config(Map<String, Object> values) {
        return (LeakDetector.Config) Proxy.newProxyInstance(LeakDetector.Config.class.getClassLoader(),
                new Class<?>[] {LeakDetector.Config.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "annotationType": return LeakDetector.Config.class;
                        case "hashCode": return System.identityHashCode(proxy);
                        case "equals": return proxy == args[0];
                        case "toString": return "config " + values;
                        default:
                            return values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue();
                    }
                });
    }

    private static BundleRefDTO ref(String version) {
        BundleRefDTO b = new BundleRefDTO();
        b.id = ID;
        b.symbolicName = "org.example.x";
        b.version = version;
        return b;
    }

    /** A revision as the operation tracker reports it. */
    private static RetiredRevision retired(ClassLoader cl, boolean uninstalled, boolean wasCurrent, boolean fragment) {
        RetiredRevision r = mock(RetiredRevision.class);
        when(r.bundle()).thenReturn(ref("1.0.0"));
        when(r.revision()).thenReturn("org.example.x [7](R 7.0)");
        when(r.uninstalled()).thenReturn(uninstalled);
        when(r.wasCurrent()).thenReturn(wasCurrent);
        when(r.fragment()).thenReturn(fragment);
        when(r.hadClassLoader()).thenReturn(!fragment);
        when(r.classLoader()).thenReturn(cl);
        return r;
    }

    /** The bundle resolves with {@link #loader} as its class loader (what the framework's listeners tell). */
    private void resolved() {
        BundleWiring wiring = mock(BundleWiring.class);
        BundleRevision revision = mock(BundleRevision.class);
        when(revision.getTypes()).thenReturn(0);
        when(revision.toString()).thenReturn("org.example.x [7](R 7.0)");
        when(wiring.getRevision()).thenReturn(revision);
        when(wiring.getClassLoader()).thenReturn(loader);
        when(bundle.adapt(BundleWiring.class)).thenReturn(wiring);
        detector.bundleEvent(new BundleEvent(BundleEvent.RESOLVED, bundle));
        detector.bundleEvent(new BundleEvent(BundleEvent.STARTING, bundle));
    }

    private List<LeakFindingDTO> zombies() {
        return detector.check().stream().filter(f -> f.kind.equals(LeakFindingDTO.ZOMBIE)).toList();
    }

    @Test
    void aRevisionTheHookRemovedIsAZombieWhileSomethingHoldsItsLoader() {
        detector.removed("op-12", List.of(retired(loader, false, false, false)));

        assertThat(zombies()).singleElement().satisfies(f -> {
            assertThat(f.bundle.id).isEqualTo(ID);
            assertThat(f.bundle.version).isEqualTo("1.0.0");
            assertThat(f.operation).isEqualTo("op-12");
            assertThat(f.revision).contains("revision 7.0").endsWith("retired by update)");
        });
        synchronized (journaled) {
            assertThat(journaled).anySatisfy(e -> assertThat(e).containsExactly("leak.found", "op-12"));
        }
    }

    @Test
    void aRefreshedRevisionIsNamedByHowItWasRetired() {
        RefreshRecordDTO record = new RefreshRecordDTO();
        record.operation = "op-30";
        detector.refreshed(record, List.of(retired(loader, true, true, false)));

        assertThat(zombies()).singleElement().satisfies(f -> {
            assertThat(f.operation).isEqualTo("op-30");
            assertThat(f.revision).endsWith("retired by uninstall)");
        });
    }

    @Test
    void aRevisionKnownSinceItResolvedKeepsItsKeyAndIsRetiredOnceWhenReportedTwice() {
        resolved();
        List<LeakFindingDTO> before = detector.check();
        assertThat(before).as("a current revision is no zombie").isEmpty();

        RefreshRecordDTO record = new RefreshRecordDTO();
        record.operation = "op-40";
        detector.refreshed(record, List.of(retired(loader, false, true, false)));
        detector.removed("op-41", List.of(retired(loader, false, true, false)));

        List<LeakFindingDTO> zombies = zombies();
        assertThat(zombies).singleElement().satisfies(f -> {
            assertThat(f.operation).as("the first report counts").isEqualTo("op-40");
            assertThat(f.revision).as("the key it got when it resolved").matches("r[0-9a-z]+-1 \\(.*retired by refresh\\)");
        });
        synchronized (journaled) {
            long checkedRevisions = journaledDetails.stream().filter(d -> d != null && d.get("revisions") instanceof List)
                    .mapToLong(d -> ((List<?>) d.get("revisions")).size()).max().orElse(0);
            assertThat(checkedRevisions).as("one revision in every leak.checked").isEqualTo(1);
        }
    }

    @Test
    void bundleEventsAloneRetireNothing() {
        resolved();
        detector.bundleEvent(new BundleEvent(BundleEvent.UNRESOLVED, bundle));
        detector.bundleEvent(new BundleEvent(BundleEvent.UPDATED, bundle));
        detector.bundleEvent(new BundleEvent(BundleEvent.UNINSTALLED, bundle));

        assertThat(zombies()).as("only the hook retires a revision (so never twice)").isEmpty();
    }

    @Test
    void fragmentsAndLoadersCollectedAlreadyAreNotChecked() {
        detector.removed("op-5", List.of(retired(null, true, false, false), retired(null, false, false, true)));

        assertThat(detector.check()).isEmpty();
        assertThat(detector.status().pending).isZero();
    }

    @Test
    void aPlainStopChecksTheThreadsOfTheCurrentRevision() throws Exception {
        resolved();
        thread = (Thread) loader.loadClass(SleeperThread.class.getName()).getConstructor().newInstance();
        thread.start();
        when(context.getBundle(eq(ID))).thenReturn(bundle);
        when(bundle.getState()).thenReturn(Bundle.RESOLVED);
        detector.bundleEvent(new BundleEvent(BundleEvent.STOPPED, bundle));

        List<LeakFindingDTO> findings = detector.check();
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.kind).isEqualTo(LeakFindingDTO.THREAD);
            assertThat(f.bundle.id).isEqualTo(ID);
            assertThat(f.thread.attribution).isEqualTo("thread-class");
            assertThat(f.revision).as("stopped, not retired").doesNotContain("retired by");
        });
    }

    @Test
    void aServiceUnregisteredWhileHeldByARunningProviderIsNoReasonToCheckItsThreads() throws Exception {
        resolved();
        thread = (Thread) loader.loadClass(SleeperThread.class.getName()).getConstructor().newInstance();
        thread.start();
        when(context.getBundle(eq(ID))).thenReturn(bundle);
        Bundle holder = mock(Bundle.class);
        when(holder.getBundleId()).thenReturn(9L);
        when(holder.getSymbolicName()).thenReturn("org.example.holder");
        when(holder.getVersion()).thenReturn(new Version("1.0.0"));
        @SuppressWarnings("unchecked")
        ServiceReference<Object> ref = mock(ServiceReference.class);
        when(ref.getBundle()).thenReturn(bundle);
        when(ref.getUsingBundles()).thenReturn(new Bundle[] {holder});
        when(ref.getProperty(Constants.OBJECTCLASS)).thenReturn(new String[] {"org.example.Api"});
        when(ref.getProperty(Constants.SERVICE_ID)).thenReturn(42L);

        // a DS component of a running bundle is re-activated: its service goes while FileInstall holds it
        when(bundle.getState()).thenReturn(Bundle.ACTIVE);
        detector.serviceEvent(new ServiceEvent(ServiceEvent.UNREGISTERING, ref));
        assertThat(detector.check()).as("the threads of a running bundle are its own").isEmpty();
    }

    @Test
    void aRetiredRevisionNothingHoldsIsCollectedAndLeavesNoFinding() {
        java.lang.ref.WeakReference<ClassLoader> weak = new java.lang.ref.WeakReference<>(
                new URLClassLoader("clean", new URL[0], null));
        RetiredRevision r = retired(null, true, false, false);
        when(r.hadClassLoader()).thenReturn(true);
        when(r.classLoader()).thenAnswer(inv -> weak.get());
        detector.removed("op-7", List.of(r));

        assertThat(zombies()).as("a clean uninstall: its loader went with the collection").isEmpty();
        assertThat(detector.status().pending).isZero();
    }

    /** The heap analyzer's kill timer has a thread of its own: a check that takes long never delays it. */
    @Test
    void theAnalyzerTimerRunsWhileACheckTakesLong() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch fired = new java.util.concurrent.CountDownLatch(1);
        detector.checkExecutor().execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            detector.analyzerTimer().schedule(fired::countDown, 1, java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(fired.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the timer fired while the check ran").isTrue();
            assertThat(detector.analyzerTimer().threadName()).isNotEqualTo(detector.checkExecutor().threadName());
        } finally {
            release.countDown();
        }
    }

    /** Findings are copies: what a caller does with one never shows in the next answer. */
    @Test
    void findingsAreCopies() {
        detector.removed("op-12", List.of(retired(loader, false, false, false)));
        List<LeakFindingDTO> first = zombies();
        assertThat(first).hasSize(1);
        first.get(0).summary = "changed";
        assertThat(detector.findings().get(0).summary).isNotEqualTo("changed");
    }

    @Test
    void whatTheDetectionCannotDoHereIsStillSaidAtTheStartAndInTheStatus() throws Exception {
        LoggerFactory loggers = mock(LoggerFactory.class);
        Logger logger = mock(Logger.class);
        when(loggers.getLogger(LeakDetector.class)).thenReturn(logger);
        LeakDetector other = new LeakDetector(context, config(Map.of()), journal, loggers);
        try {
            other.activate();
            // the JVM is looked at on revisor-leaks right after the start, not on the thread that starts the bundle
            other.checkExecutor().submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            Internals internals = new Internals();
            GcMode gc = GcMode.detect();
            int notes = (internals.note() == null ? 0 : 1) + (gc.note() == null ? 0 : 1);
            org.mockito.Mockito.verify(logger, org.mockito.Mockito.times(notes)).warn(eq("leak detection: {}"), anyString());
            assertThat(other.status().gc).isEqualTo(gc.mode());
            assertThat(other.status().inspectable).isEqualTo(internals.missing().isEmpty());
            assertThat(other.status().notes).hasSize(notes);
        } finally {
            other.deactivate();
        }
    }
}
