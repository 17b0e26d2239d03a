package dev.revisor.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;

/**
 * {@code bin/revisor run}: holds the home's instance lock, boots the plan in a framework, and turns the way the
 * framework ends into the process's exit status: 0 when it stopped cleanly (SIGTERM, SIGINT when headless,
 * {@code bin/revisor stop}, {@code stop 0} or {@code exit 0} in Gogo), 1 when it could not start or stopped with an
 * error. A framework that asks for a restart (system bundle update or refresh) is started again.
 */
final class Launcher {
    private final Layout layout;
    private final PrintStream out;
    private final PrintStream err;
    private final StopControl stopControl;

    private Launcher(Layout layout, PrintStream out, PrintStream err) {
        this.layout = layout;
        this.out = out;
        this.err = err;
        this.stopControl = new StopControl(err);
    }

    /** The {@code run} command in this process: blocks until the framework has stopped; returns the exit status. */
    static int runForeground(Layout layout, PrintStream out, PrintStream err) {
        boolean console = System.console() != null;
        if (console && !Terminal.inForeground()) {
            // an interactive console would stop at its first read (SIGTTIN) and wedge the instance
            err.println("revisor: started in the background of a terminal (bin/revisor &): running headless;"
                    + " send commands with 'bin/revisor exec', or use 'bin/revisor start' to run detached");
            console = false;
        }
        return new Launcher(layout, out, err).run(console, true, System.getProperties(), System.getenv());
    }

    /**
     * @param consoleAvailable standard input and output are a terminal
     * @param handleSignals install SIGTERM (and, headless, SIGINT) handlers; false in tests that run in-process
     */
    int run(boolean consoleAvailable, boolean handleSignals, java.util.Properties system, Map<String, String> env) {
        InstanceLock lock;
        try {
            lock = InstanceLock.acquire(layout.lockFile(), layout.pidFile());
        } catch (InstanceLock.InUseException e) {
            err.println("revisor: " + layout.home + " is already in use by "
                    + (e.pid > 0 ? "process " + e.pid : "another process") + " (it holds " + layout.lockFile()
                    + "). Stop it with: revisor --home " + shellQuoted(layout.home.toString())
                    + " stop (or choose another home with --home)");
            return ExitCodes.FAILURE;
        } catch (IOException e) {
            err.println("revisor: cannot take the instance lock " + layout.lockFile() + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        try {
            return runLocked(consoleAvailable, handleSignals, system, env, lock.pid());
        } finally {
            InstanceInfo.remove(InstanceInfo.file(layout), lock.pid());
            lock.close();
        }
    }

    private int runLocked(boolean consoleAvailable, boolean handleSignals, java.util.Properties system,
            Map<String, String> env, long pid) {
        List<java.nio.file.Path> created;
        try {
            created = BootPlan.provideDefaults(layout);
        } catch (ConfigException e) {
            err.println("revisor: cannot start: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        for (java.nio.file.Path file : created) {
            out.println("revisor: created " + file + " from the distribution's defaults");
        }
        try (EarlyWork early = EarlyWork.begin(LogSetup.fileToCheck(layout, system))) {
            return boot(consoleAvailable, handleSignals, system, env, pid, early);
        }
    }

    /** Reads the plan (while {@code early} checks logback.xml), then runs the framework until it stops. */
    private int boot(boolean consoleAvailable, boolean handleSignals, java.util.Properties system,
            Map<String, String> env, long pid, EarlyWork early) {
        BootPlan plan;
        try {
            plan = BootPlan.load(layout, consoleAvailable, system, env);
            if (LogSetup.apply(layout, system, early::awaitCheck) == null) {
                err.println("revisor: WARNING: no " + layout.etc().resolve(LogSetup.LOGBACK_XML)
                        + ": Logback logs to standard output only, not to " + layout.data().resolve("log/revisor.log"));
            }
        } catch (ConfigException | FeatureException e) {
            err.println("revisor: cannot start: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        if (handleSignals) {
            stopControl.installSignalHandlers(!plan.interactive);
        }
        warnAboutSocketPath();
        plan.reportWarnings(err);
        stopControl.setTimeout(plan.settings.stopTimeoutSeconds);
        Instance instance;
        try {
            instance = Instance.create(plan, out, err);
        } catch (ConfigException e) {
            err.println("revisor: cannot start: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        instance.onStopping(stopControl::frameworkStopping);
        instance.onReady(() -> announceReady(plan, pid));
        while (true) {
            try {
                instance.start();
            } catch (BundleException | RuntimeException e) {
                err.println("revisor: cannot start the framework: " + FrameworkMessages.describe(e));
                stopQuietly(instance);
                return ExitCodes.FAILURE;
            }
            if (!stopControl.attach(instance)) {
                stopQuietly(instance);
            }
            FrameworkEvent event = instance.waitForStop();
            stopControl.detach();
            switch (event.getType()) {
                case FrameworkEvent.STOPPED:
                    out.println("revisor: stopped");
                    return ExitCodes.OK;
                case FrameworkEvent.STOPPED_UPDATE:
                case FrameworkEvent.STOPPED_SYSTEM_REFRESHED:
                    if (stopControl.stopRequested()) {
                        out.println("revisor: stopped");
                        return ExitCodes.OK;
                    }
                    // the same framework object: it owns the cache lock; etc/ is not read again
                    out.println("revisor: the framework asked for a restart; starting it again");
                    break;
                default:
                    err.println("revisor: the framework stopped with an error: "
                            + FrameworkMessages.describe(event.getThrowable()));
                    return ExitCodes.FAILURE;
            }
        }
    }

    /** Writes data/instance.properties, which 'start' waits for and 'status' reads. */
    private void announceReady(BootPlan plan, long pid) {
        java.util.List<String> features = java.util.Arrays.asList(plan.featureNames().split(", "));
        InstanceInfo info = new InstanceInfo(pid, Version.get(), features, plan.bundles.size(),
                java.nio.file.Files.exists(layout.controlSocket()), java.time.Instant.now());
        try {
            info.write(InstanceInfo.file(layout));
        } catch (IOException | RuntimeException e) {
            err.println("revisor: WARNING: cannot write " + InstanceInfo.file(layout) + " (bin/revisor start and"
                    + " status read it): " + e.getMessage());
        }
    }

    /** The word as a shell would need it typed: single-quoted when it holds anything but safe characters. */
    static String shellQuoted(String word) {
        if (word.matches("[A-Za-z0-9_./:=+-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private void warnAboutSocketPath() {
        int length = layout.controlSocket().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (length > 107) {
            err.println("revisor: WARNING: the control socket path " + layout.controlSocket() + " is " + length
                    + " bytes long; Unix domain sockets allow at most 107, so 'exec' and the socket will not work."
                    + " Use a shorter --home.");
        }
    }

    private void stopQuietly(Instance instance) {
        try {
            instance.stop();
            instance.framework().waitForStop(TimeUnit.SECONDS.toMillis(stopControl.timeoutSeconds()));
        } catch (BundleException | RuntimeException e) {
            err.println("revisor: cannot stop the framework: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
