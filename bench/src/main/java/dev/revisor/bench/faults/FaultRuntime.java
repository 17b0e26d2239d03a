package dev.revisor.bench.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.revisor.bench.Props;

/**
 * One real Revisor process as a user runs it: {@code bin/revisor --home HOME run}, headless (standard input is
 * {@code /dev/null}), its output appended to {@code HOME/run.log}. The home gets a copy of the distribution's
 * {@code etc/} and a feature {@code faults-settings} with the deploy bundle's configuration of the campaign (shorter
 * time limits, so that stuck starts and rollbacks happen within seconds). Every process started here is listed in
 * {@link #LIVE} until it has exited, and a JVM shutdown hook (installed once) kills what is left.
 * Used by one campaign thread.
 */
final class FaultRuntime implements AutoCloseable {
    static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "faults-kill-runtimes"));
    }

    final Path dist;
    final Path home;
    final Path deploy;
    final ControlClient client;
    private Process process;
    private long logOffset;
    int starts;

    FaultRuntime(Path dist, Path home) {
        this.dist = dist;
        this.home = home;
        this.deploy = home.resolve("deploy");
        this.client = new ControlClient(home.resolve("data/run/control.sock"));
    }

    void prepare(Map<String, String> deploySettings) throws IOException {
        Files.createDirectories(deploy);
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("features"));
        Files.writeString(home.resolve("etc/revisor.properties"), Props.override(Files.readString(dist.resolve("etc/revisor.properties")),
                Map.of("revisor.features", "revisor-core faults-settings", "revisor.console", "off")));
        Files.copy(dist.resolve("etc/config.properties"), home.resolve("etc/config.properties"));
        StringBuilder json = new StringBuilder("{ \"feature-resource-version\": \"1.0\", \"id\": \"dev.revisor.bench:faults-settings:1\",\n"
                + "  \"configurations\": { \"dev.revisor.deploy\": {");
        String sep = " ";
        for (Map.Entry<String, String> e : deploySettings.entrySet()) {
            json.append(sep).append('"').append(e.getKey()).append("\": ").append(e.getValue());
            sep = ", ";
        }
        json.append(" } } }\n");
        Files.writeString(home.resolve("features/faults-settings.json"), json.toString());
    }

    void start() throws IOException {
        Path log = home.resolve("run.log");
        logOffset = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/revisor").toString(), "--home", home.toString(), "run");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.directory(home.toFile());
        process = pb.start();
        LIVE.add(process);
        starts++;
    }

    /** Waits for the launcher's "started" line of this start and for the control socket to answer. */
    void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!alive()) {
                throw new IllegalStateException("the runtime in " + home + " exited with status " + process.exitValue()
                        + " while starting: " + logTail());
            }
            if (newLog().contains("revisor: started in")) {
                try {
                    if (client.execute("audit:deploys --json").status() == 0) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the runtime in " + home + " was not ready after " + timeout.toSeconds() + " s: " + logTail());
            }
            Campaign.sleep(50);
        }
    }

    private String newLog() throws IOException {
        byte[] all = Files.readAllBytes(home.resolve("run.log"));
        return new String(all, (int) Math.min(logOffset, all.length), (int) (all.length - Math.min(logOffset, all.length)), StandardCharsets.UTF_8);
    }

    String logTail() {
        try {
            String s = newLog();
            return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no run.log: " + e + ")";
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits until the process is gone. */
    void kill9() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(20));
    }

    /** SIGTERM (a clean stop), at most {@code timeout}, then SIGKILL. */
    void stop(Duration timeout) {
        if (!alive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        waitGone(Duration.ofSeconds(20));
    }

    private void waitGone(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("runtime process " + process.pid() + " did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + process.pid(), e);
        } finally {
            if (!process.isAlive()) {
                LIVE.remove(process);
            }
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (process != null && !process.isAlive()) {
            LIVE.remove(process);
        }
    }
}
