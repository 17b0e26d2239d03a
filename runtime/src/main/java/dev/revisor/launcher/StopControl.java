package dev.revisor.launcher;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleException;
import sun.misc.Signal;

/**
 * Turns SIGTERM (and SIGINT when headless) into a clean framework stop, and bounds every stop: once the framework
 * begins to stop, for whatever reason, a watchdog thread ("revisor-stop-watchdog") waits the configured time and, if
 * the process is still there, writes the stack of every remaining thread to standard error and halts with status 1.
 *
 * <p>Concurrent semantics: signal handlers run on the JVM's signal threads, the stop notification on the framework's
 * thread; state is volatile or guarded by this object.
 */
final class StopControl {
    private static final int FRAMES = 12;

    private final PrintStream err;
    private volatile long timeoutSeconds = Settings.DEFAULT_STOP_TIMEOUT_SECONDS;
    private Instance instance;
    private boolean stopRequested;
    private Thread watchdog;

    StopControl(PrintStream err) {
        this.err = err;
    }

    void setTimeout(long seconds) {
        timeoutSeconds = seconds;
    }

    long timeoutSeconds() {
        return timeoutSeconds;
    }

    /** Installs the handlers; SIGINT only when {@code alsoInterrupt} (headless), else JLine owns Ctrl-C. */
    void installSignalHandlers(boolean alsoInterrupt) {
        handle("TERM");
        if (alsoInterrupt) {
            handle("INT");
        }
    }

    private void handle(String name) {
        try {
            Signal.handle(new Signal(name), signal -> requestStop("SIG" + signal.getName()));
        } catch (IllegalArgumentException e) {
            err.println("revisor: WARNING: cannot handle SIG" + name + " (" + e.getMessage()
                    + "); it will end the process without stopping the framework");
        }
    }

    /** Returns false if a stop was requested before the instance existed: the caller stops it then. */
    synchronized boolean attach(Instance instance) {
        this.instance = instance;
        return !stopRequested;
    }

    /** The framework has stopped: forget it and call off the watchdog (a restart gets a fresh one). */
    synchronized void detach() {
        this.instance = null;
        if (watchdog != null) {
            watchdog.interrupt();
            watchdog = null;
        }
    }

    synchronized boolean stopRequested() {
        return stopRequested;
    }

    void requestStop(String why) {
        Instance target;
        synchronized (this) {
            if (stopRequested) {
                err.println("revisor: " + why + ": already stopping");
                return;
            }
            stopRequested = true;
            target = instance;
        }
        err.println("revisor: " + why + ": stopping the framework");
        if (target != null) {
            try {
                target.stop();
            } catch (BundleException | RuntimeException e) {
                err.println("revisor: cannot stop the framework: " + e.getMessage());
            }
        }
    }

    /** The framework begins to stop (any cause): start the watchdog once. */
    synchronized void frameworkStopping() {
        if (watchdog != null) {
            return;
        }
        long seconds = timeoutSeconds;
        watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            } catch (InterruptedException e) {
                return;
            }
            err.println("revisor: the framework did not stop within " + seconds + " s (revisor.stop.timeout);"
                    + " threads still running:");
            for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
                Thread thread = entry.getKey();
                if (thread == Thread.currentThread()) {
                    continue;
                }
                err.println("  \"" + thread.getName() + "\"" + (thread.isDaemon() ? " daemon" : "") + " "
                        + thread.getState());
                StackTraceElement[] stack = entry.getValue();
                for (int i = 0; i < Math.min(FRAMES, stack.length); i++) {
                    err.println("      at " + stack[i]);
                }
            }
            err.println("revisor: halting with status 1");
            err.flush();
            Runtime.getRuntime().halt(ExitCodes.FAILURE);
        }, "revisor-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
