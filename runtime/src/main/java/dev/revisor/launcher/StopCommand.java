package dev.revisor.launcher;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code bin/revisor stop}: sends SIGTERM to the process that holds the home's instance lock and waits (bounded) for
 * it to exit. Exit status 0 when it stopped or none was running (as an LSB init script's {@code stop}), 1 when it could
 * not be stopped in time or its process cannot be named.
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
        HomeState state = HomeState.of(layout);
        if (state.kind == HomeState.Kind.STOPPED) {
            out.println("revisor: no Revisor instance runs in " + layout.home + "; nothing to stop");
            return ExitCodes.OK;
        }
        if (state.kind == HomeState.Kind.UNKNOWN) {
            err.println("revisor: " + state.detail + "; stop it by hand");
            return ExitCodes.FAILURE;
        }
        long pid = state.pid;
        Optional<ProcessHandle> process = state.process();
        if (process.isEmpty()) {
            out.println("revisor: the instance in " + layout.home + " (process " + pid + ") has just exited");
            return ExitCodes.OK;
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
