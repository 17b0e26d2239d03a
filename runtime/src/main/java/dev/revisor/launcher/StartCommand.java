package dev.revisor.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/revisor start}: runs {@code bin/revisor run} for the home in the background, detached from the terminal
 * (its own session through {@code setsid}, else with SIGHUP ignored through {@code nohup}), standard input
 * {@code /dev/null} (open, so the instance is headless and never reads it), standard output and error appended to
 * {@code data/log/console.out} (the previous ones kept as {@code console.out.1} to {@code .3}). Returns 0 once the
 * instance is ready (it has reached its start level and answers {@code exec}), 1 with the reason (the end of
 * console.out) when it exited or did not become ready in time. On a home where an instance already runs, it waits
 * for that one to be ready and exits 0, as an LSB init script's {@code start} does.
 */
final class StartCommand {
    static final int KEEP_CONSOLE_LOGS = 3;
    private static final int TAIL_LINES = 25;

    private final Layout layout;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    StartCommand(Layout layout, PrintStream out, PrintStream err, Map<String, String> env) {
        this.layout = layout;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    static Path consoleLog(Layout layout) {
        return layout.data().resolve("log").resolve("console.out");
    }

    int start(long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        HomeState state = HomeState.of(layout);
        if (state.kind == HomeState.Kind.UNKNOWN) {
            err.println("revisor: cannot start: " + state.detail);
            return ExitCodes.FAILURE;
        }
        if (state.kind == HomeState.Kind.RUNNING) {
            InstanceProbe probe = awaitReady(null, deadline);
            if (probe.readiness == InstanceProbe.Readiness.READY) {
                out.println("revisor: already running in " + layout.home + " (process " + probe.home.pid + ")");
                return ExitCodes.OK;
            }
            if (probe.readiness != InstanceProbe.Readiness.STOPPED) {
                return notReady(probe, timeoutSeconds);
            }
            // it stopped meanwhile: start a new one
        }
        Path launcher = layout.distribution.resolve("bin").resolve("revisor");
        if (!Files.isExecutable(launcher)) {
            err.println("revisor: cannot start: " + launcher + " is missing or not executable");
            return ExitCodes.FAILURE;
        }
        Path console = consoleLog(layout);
        Process child;
        try {
            Files.createDirectories(console.getParent());
            rotate(console);
            ProcessBuilder builder = new ProcessBuilder(command(launcher))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                    .redirectErrorStream(true)
                    .directory(layout.home.toFile().isDirectory() ? layout.home.toFile() : null);
            builder.environment().remove("NOTIFY_SOCKET");
            child = builder.start();
        } catch (IOException e) {
            err.println("revisor: cannot start " + launcher + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        out.println("revisor: starting in " + layout.home + " (process " + child.pid() + "; output in " + console
                + ")");
        InstanceProbe probe = awaitReady(child, deadline);
        if (probe.readiness == InstanceProbe.Readiness.READY) {
            out.println("revisor: started: process " + probe.home.pid + ", features "
                    + String.join(", ", probe.info.features) + "; bin/revisor status, exec, log, stop");
            return ExitCodes.OK;
        }
        if (probe.readiness == InstanceProbe.Readiness.STOPPED) {
            err.println("revisor: the instance could not start" + (child.isAlive() ? ""
                    : " (exit status " + child.exitValue() + ")") + "; the end of " + console + ":");
            tail(console);
            return ExitCodes.FAILURE;
        }
        return notReady(probe, timeoutSeconds);
    }

    private int notReady(InstanceProbe probe, long timeoutSeconds) {
        err.println("revisor: the instance in " + layout.home + " did not become ready within " + timeoutSeconds
                + " s (" + probe.readiness.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + (probe.problem == null ? "" : ": " + probe.problem) + "); it is still running"
                + (probe.home.pid > 0 ? " as process " + probe.home.pid : "")
                + ": see bin/revisor log, stop it with bin/revisor stop. The end of " + consoleLog(layout) + ":");
        tail(consoleLog(layout));
        return ExitCodes.FAILURE;
    }

    /**
     * Polls until the instance is ready, or (when {@code child} is given) it has exited without leaving an instance,
     * or the deadline passed. A {@code setsid} that forks exits 0 at once and its child takes the lock a moment later:
     * after an exit status 0 the lock gets a few seconds more to tell.
     */
    private InstanceProbe awaitReady(Process child, long deadline) {
        long exitedAt = 0;
        while (true) {
            InstanceProbe probe = InstanceProbe.look(layout, 5000);
            if (probe.readiness == InstanceProbe.Readiness.READY) {
                return probe;
            }
            if (probe.readiness == InstanceProbe.Readiness.STOPPED) {
                if (child == null) {
                    return probe;
                }
                if (!child.isAlive()) {
                    if (child.exitValue() != 0) {
                        return probe;
                    }
                    exitedAt = exitedAt == 0 ? System.nanoTime() : exitedAt;
                    if (System.nanoTime() - exitedAt > TimeUnit.SECONDS.toNanos(10)) {
                        return probe;
                    }
                }
            }
            if (System.nanoTime() >= deadline || !StatusCommand.sleep(100)) {
                return probe;
            }
        }
    }

    private List<String> command(Path launcher) {
        List<String> command = new ArrayList<>();
        String setsid = onPath("setsid");
        if (setsid != null) {
            command.add(setsid);
        } else {
            String nohup = onPath("nohup");
            if (nohup != null) {
                command.add(nohup);
            }
        }
        command.add(launcher.toString());
        command.add("run");
        command.add("--home");
        command.add(layout.home.toString());
        return command;
    }

    private String onPath(String program) {
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return null;
    }

    /** console.out becomes console.out.1, .1 becomes .2, ...; the oldest beyond {@link #KEEP_CONSOLE_LOGS} goes. */
    static void rotate(Path console) throws IOException {
        if (!Files.exists(console) || Files.size(console) == 0) {
            return;
        }
        Path dir = console.getParent();
        String name = console.getFileName().toString();
        Files.deleteIfExists(dir.resolve(name + "." + KEEP_CONSOLE_LOGS));
        for (int i = KEEP_CONSOLE_LOGS - 1; i >= 1; i--) {
            Path from = dir.resolve(name + "." + i);
            if (Files.exists(from)) {
                Files.move(from, dir.resolve(name + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(console, dir.resolve(name + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }

    private void tail(Path file) {
        try {
            for (String line : LogCommand.lastLines(file, TAIL_LINES)) {
                err.println("  " + line);
            }
        } catch (IOException e) {
            err.println("  (cannot read " + file + ": " + e.getMessage() + ")");
        }
    }
}
