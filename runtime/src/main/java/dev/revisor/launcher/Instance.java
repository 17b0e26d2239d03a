package dev.revisor.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * One framework of a {@link BootPlan}: created, initialised, its feature bundles reconciled, started, and stopped.
 * Holds no lock; {@link Launcher} owns the process-level concerns (instance lock, signals, exit status).
 */
final class Instance {
    private final BootPlan plan;
    private final PrintStream out;
    private final PrintStream err;
    private final Framework framework;
    private volatile CountDownLatch started = new CountDownLatch(1);
    /**
     * Which start the listeners belong to. Felix keeps listeners across a restart of the same framework (and may
     * deliver a late event of the previous run), so each start's listeners act only while their start is current.
     */
    private final AtomicInteger generation = new AtomicInteger();
    private volatile long startNanos = System.nanoTime();
    /** Run when the framework has STARTED; filled before it starts. */
    private final List<Runnable> startedActions = new CopyOnWriteArrayList<>();
    private volatile Map<String, Bundle> featureBundles = Map.of();
    private volatile Runnable onStopping = () -> { };
    private volatile Runnable onReady = () -> { };

    private Instance(BootPlan plan, PrintStream out, PrintStream err, Framework framework) {
        this.plan = plan;
        this.out = out;
        this.err = err;
        this.framework = framework;
    }

    /** Creates (does not start) the framework through {@code ServiceLoader<FrameworkFactory>}. */
    static Instance create(BootPlan plan, PrintStream out, PrintStream err) throws ConfigException {
        Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class,
                Instance.class.getClassLoader()).iterator();
        if (!factories.hasNext()) {
            throw new ConfigException("no OSGi framework found on the class path: " + plan.layout.distribution
                    .resolve("lib") + " must hold org.apache.felix.framework");
        }
        Map<String, String> properties = new HashMap<>(plan.frameworkProperties);
        return new Instance(plan, out, err, factories.next().newFramework(properties));
    }

    /** Called (once, on the framework's thread) when the framework begins to stop, whoever asked for it. */
    void onStopping(Runnable action) {
        onStopping = action;
    }

    /** Called (on the framework's event thread) after each start-up report: the instance is ready. */
    void onReady(Runnable action) {
        onReady = action;
    }

    Framework framework() {
        return framework;
    }

    /** The installed feature bundles, by location. */
    Map<String, Bundle> featureBundles() {
        return featureBundles;
    }

    /**
     * Initialises the framework, reconciles the feature bundles, and starts it; returns once the framework is
     * starting (bundles start on the framework's start-level thread; {@link #awaitStarted} waits for them). Called
     * again on the same framework when it stopped for a restart (system bundle update or refresh): Felix keeps its
     * cache lock in the framework object, so a restart must reuse it.
     */
    void start() throws BundleException {
        int current = generation.incrementAndGet();
        ArchivedBundleClasses.release(); // a restart: the loaders of the last start are gone from the framework
        if (started.getCount() == 0) {
            started = new CountDownLatch(1);
            startNanos = System.nanoTime();
        }
        startedActions.clear();
        try {
            Files.createDirectories(plan.layout.deploy());
        } catch (IOException e) {
            err.println("revisor: WARNING: cannot create " + plan.layout.deploy() + ": " + e.getMessage());
        }
        framework.init();
        BundleContext context = framework.getBundleContext();
        // FileInstall's watchers (deploy/ and etc/) each make this folder when they start, as "exists, else mkdirs":
        // the one that loses the race fails to start ("Cannot create folder", seen in the fault campaign, seed 3618)
        String fileInstallTmp = context.getProperty("felix.fileinstall.tmpdir");
        if (fileInstallTmp != null && !fileInstallTmp.isBlank()) {
            try {
                Files.createDirectories(java.nio.file.Paths.get(fileInstallTmp));
            } catch (IOException | RuntimeException e) {
                err.println("revisor: WARNING: cannot create " + fileInstallTmp + " (felix.fileinstall.tmpdir): " + e.getMessage());
            }
        }
        FrameworkMessages messages = new FrameworkMessages(err, () -> {
            if (generation.get() == current) {
                started();
            }
        });
        context.addFrameworkListener(event -> {
            if (generation.get() == current) {
                messages.frameworkEvent(event);
            }
        });
        context.addBundleListener(new SynchronousBundleListener() {
            @Override
            public void bundleChanged(BundleEvent event) {
                if (generation.get() == current && event.getBundle().getBundleId() == 0
                        && event.getType() == BundleEvent.STOPPING) {
                    ArchivedBundleClasses.keep(context.getBundles());
                    onStopping.run();
                }
            }
        });
        featureBundles = Map.copyOf(new FeatureBundles(context, plan.layout.system(), plan.layout.featureState(), out, err)
                .reconcile(plan.bundles));
        if (ConfigurationInstaller.needed(plan.features)) {
            ConfigurationInstaller configurations = new ConfigurationInstaller(context, plan.features, err);
            configurations.register();
            startedActions.add(configurations::checkApplied);
        }
        framework.start();
    }

    private synchronized void started() {
        if (started.getCount() == 0 || framework.getState() != Bundle.ACTIVE) {
            return; // one report per start; ignore a STARTED left over from before a restart
        }
        for (Runnable action : startedActions) {
            action.run();
        }
        awaitSettling();
        List<String> inactive = new ArrayList<>();
        int active = 0;
        for (Bundle bundle : featureBundles.values()) {
            if (bundle.getState() == Bundle.ACTIVE || FeatureBundles.isFragment(bundle)) {
                active++;
            } else if (bundle.getState() != Bundle.UNINSTALLED) {
                inactive.add(FeatureBundles.name(bundle) + " (" + state(bundle.getState()) + ")");
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (!inactive.isEmpty()) {
            err.println("revisor: WARNING: " + inactive.size() + " feature bundle(s) are not active: "
                    + String.join(", ", inactive));
        }
        int missing = plan.bundles.size() - featureBundles.size();
        out.println("revisor: started in " + millis + " ms: home " + plan.layout.home + ", features "
                + plan.featureNames() + ", " + active + " of " + plan.bundles.size() + " feature bundles active"
                + (missing > 0 ? " (" + missing + " missing)" : "") + ", "
                + (plan.interactive ? "interactive console" : "headless (revisor exec 'lb')"));
        out.flush();
        onReady.run();
        started.countDown();
    }

    /**
     * After a restart of the same framework object (a system bundle update) Felix can report STARTED while a bundle
     * it is about to start at the reached level is still Resolved (seen in about one restart in four). Such a bundle
     * is not a failure: wait a little (2 s at most) for it before the start-up report counts it as inactive.
     */
    private void awaitSettling() {
        int level = framework.adapt(FrameworkStartLevel.class).getStartLevel();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && featureBundles.values().stream().anyMatch(b -> aboutToStart(b, level))) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean aboutToStart(Bundle bundle, int level) {
        if (bundle.getState() != Bundle.RESOLVED && bundle.getState() != Bundle.STARTING) {
            return false;
        }
        BundleStartLevel startLevel = bundle.adapt(BundleStartLevel.class);
        return startLevel != null && startLevel.isPersistentlyStarted() && startLevel.getStartLevel() <= level
                && !FeatureBundles.isFragment(bundle);
    }

    /** Waits until the framework has reached its beginning start level. */
    boolean awaitStarted(long timeout, TimeUnit unit) throws InterruptedException {
        return started.await(timeout, unit);
    }

    /** Asks the framework to stop; returns at once. */
    void stop() throws BundleException {
        framework.stop();
    }

    /** Waits for the framework to stop, however long it takes. */
    FrameworkEvent waitForStop() {
        while (true) {
            try {
                return framework.waitForStop(0);
            } catch (InterruptedException e) {
                // the main thread is not interrupted by anybody who means it: keep waiting
            }
        }
    }

    static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "INSTALLED: not resolved";
            case Bundle.RESOLVED: return "RESOLVED: not started";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return "UNINSTALLED";
        }
    }
}
