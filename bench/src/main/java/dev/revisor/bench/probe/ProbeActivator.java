package dev.revisor.bench.probe;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;

/**
 * The benchmark probe: one small bundle that runs the same way in Revisor and in plain Felix.
 * <ul>
 * <li>Writes every bundle event, with the time it happened, to {@code ${revisor.bench.dir}/events.log}
 * (a synchronous bundle listener: the line is written on the thread that changed the bundle, right after the
 * change, without the framework's asynchronous delivery delay).</li>
 * <li>Writes {@code READY} the moment the framework has reached its start level and every bundle is Active
 * (fragments Resolved): the same "ready" signal in both runtimes.</li>
 * <li>Runs tasks the harness drops into {@code ${revisor.bench.dir}/tasks/} ({@link Tasks}) and times them in-process.</li>
 * </ul>
 * {@code revisor.bench.dir} is read with {@link BundleContext#getProperty}, which falls back to the JVM's system
 * properties, so {@code -Drevisor.bench.dir=...} works in both runtimes. Without it the probe does nothing.
 */
public final class ProbeActivator implements BundleActivator {
    public static final String DIR_PROPERTY = "revisor.bench.dir";

    private EventLog log;
    private ScheduledExecutorService executor;
    private final AtomicBoolean frameworkStarted = new AtomicBoolean();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean waitingReported = new AtomicBoolean();
    private BundleContext context;
    private SynchronousBundleListener bundleListener;
    private FrameworkListener frameworkListener;

    @Override
    public void start(BundleContext context) throws IOException {
        String dir = context.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            return;
        }
        this.context = context;
        Path base = Paths.get(dir);
        log = new EventLog(base.resolve("events.log"));
        log.write(EventLog.nowMicros(), "PROBE", "jvmStartMillis=" + ManagementFactory.getRuntimeMXBean().getStartTime());
        bundleListener = event -> {
            if (!log.muted()) {
                Bundle b = event.getBundle();
                log.write(EventLog.nowMicros(), type(event.getType()),
                        b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion());
            }
            if (event.getType() == BundleEvent.STARTED && frameworkStarted.get()) {
                checkReady();
            }
        };
        frameworkListener = event -> {
            if (event.getType() == FrameworkEvent.STARTED || event.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
                log.write(EventLog.nowMicros(), event.getType() == FrameworkEvent.STARTED ? "FW_STARTED" : "FW_STARTLEVEL", "");
                frameworkStarted.set(true);
                checkReady();
            }
        };
        context.addBundleListener(bundleListener);
        context.addFrameworkListener(frameworkListener);
        if (context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).getState() == Bundle.ACTIVE) {
            frameworkStarted.set(true); // deployed into a running framework
            checkReady();
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "revisor-bench-probe");
            t.setDaemon(true);
            return t;
        });
        Tasks tasks = new Tasks(context, base.resolve("tasks"), log);
        executor.scheduleWithFixedDelay(tasks::poll, 20, 20, TimeUnit.MILLISECONDS);
    }

    private void checkReady() {
        if (ready.get()) {
            return;
        }
        StringBuilder waiting = new StringBuilder();
        int count = 0;
        for (Bundle b : context.getBundles()) {
            count++;
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            boolean done = fragment ? b.getState() == Bundle.RESOLVED : b.getState() == Bundle.ACTIVE;
            if (!done) {
                waiting.append(' ').append(b.getSymbolicName()).append('=').append(b.getState());
            }
        }
        if (waiting.length() == 0) {
            if (ready.compareAndSet(false, true)) {
                log.write(EventLog.nowMicros(), "READY", "bundles=" + count);
            }
        } else if (waitingReported.compareAndSet(false, true)) {
            log.write(EventLog.nowMicros(), "WAITING", waiting.toString().trim());
        }
    }

    static String type(int type) {
        switch (type) {
        case BundleEvent.INSTALLED: return "INSTALLED";
        case BundleEvent.RESOLVED: return "RESOLVED";
        case BundleEvent.LAZY_ACTIVATION: return "LAZY_ACTIVATION";
        case BundleEvent.STARTING: return "STARTING";
        case BundleEvent.STARTED: return "STARTED";
        case BundleEvent.STOPPING: return "STOPPING";
        case BundleEvent.STOPPED: return "STOPPED";
        case BundleEvent.UPDATED: return "UPDATED";
        case BundleEvent.UNRESOLVED: return "UNRESOLVED";
        case BundleEvent.UNINSTALLED: return "UNINSTALLED";
        default: return "EVENT_" + type;
        }
    }

    @Override
    public void stop(BundleContext context) throws Exception {
        if (log == null) {
            return;
        }
        context.removeBundleListener(bundleListener);
        context.removeFrameworkListener(frameworkListener);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        log.close();
    }
}
