package dev.revisor.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code bin/revisor stop}: sends SIGTERM to the process that holds the home's instance lock and waits (bounded) for
 * it to exit. Exit status 0 when it stopped, 2 when no instance runs, 1 when it could not be stopped in time.
 */
final class StopCommand {
    private final Layout layout;
    private final PrintStream out;
    private final PrintStream err;

    StopCommand(Layout layout, PrintStream out, PrintStream err) {
        this.layout = layout;
        this.out = out;
        this.err = err;
    }

    int stop(long timeoutSeconds) {
        boolean held;
        try {
            held = InstanceLock.isHeld(layout.lockFile());
        } catch (IOException e) {
            err.println("revisor: cannot check the instance lock " + layout.lockFile() + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        if (!held) {
            err.println("revisor: no Revisor instance runs in " + layout.home);
            return ExitCodes.NO_INSTANCE;
        }
        long pid = InstanceLock.readPid(layout.pidFile());
        if (pid <= 0) {
            err.println("revisor: an instance holds " + layout.lockFile() + " but " + layout.pidFile()
                    + " does not name its process; stop it by hand");
            return ExitCodes.FAILURE;
        }
        if (pid == ProcessHandle.current().pid()) {
            err.println("revisor: " + layout.pidFile() + " names this very process (" + pid + "); not stopping it");
            return ExitCodes.FAILURE;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            err.println("revisor: an instance holds " + layout.lockFile() + " but its process " + pid
                    + " (from " + layout.pidFile() + ") does not exist; stop it by hand");
            return ExitCodes.FAILURE;
        }
        ProcessHandle handle = process.get();
        if (!handle.destroy()) {
            err.println("revisor: could not send SIGTERM to process " + pid);
            return ExitCodes.FAILURE;
        }
        try {
            handle.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            err.println("revisor: process " + pid + " did not stop within " + timeoutSeconds
                    + " s and is still running in " + layout.home + " (its standard error says what it waits for)");
            return ExitCodes.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("revisor: interrupted while waiting for process " + pid + " to stop");
            return ExitCodes.FAILURE;
        } catch (ExecutionException e) {
            err.println("revisor: cannot wait for process " + pid + ": " + e.getCause());
            return ExitCodes.FAILURE;
        }
        out.println("revisor: stopped the instance in " + layout.home + " (process " + pid + ")");
        return ExitCodes.OK;
    }
}
