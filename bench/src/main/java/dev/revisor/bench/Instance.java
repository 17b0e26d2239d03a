package dev.revisor.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.revisor.bench.probe.EventLog;

/**
 * One runtime process under measurement (Revisor or plain Felix), with the probe bundle inside. The home is a fresh
 * folder per instance unless reused on purpose.
 */
abstract class Instance implements AutoCloseable {
    final String name;
    final Path home;
    final Path benchDir;
    final List<String> jvmOptions;
    Process process;
    long spawnMicros;
    Events events;

    Instance(String name, Path home, List<String> jvmOptions) {
        this.name = name;
        this.home = home;
        this.benchDir = home.resolve("bench");
        this.jvmOptions = jvmOptions;
    }

    /** Writes the home's configuration; called once before {@link #start()}. */
    abstract void prepare() throws IOException;

    abstract ProcessBuilder command();

    abstract Path deployDir();

    void start() throws IOException {
        Files.createDirectories(benchDir.resolve("tasks"));
        Files.deleteIfExists(benchDir.resolve("events.log"));
        events = new Events(benchDir.resolve("events.log"));
        ProcessBuilder pb = command();
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("run.log").toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        spawnMicros = EventLog.nowMicros();
        process = pb.start();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** @return the probe's READY event (every bundle Active) */
    Events.Event awaitReady(Duration timeout) {
        return events.await(0, e -> e.type().equals("READY"), timeout, this::alive, () -> name + " ready (all bundles Active); log: "
                + tail(home.resolve("run.log")) + " probe: " + waitingLine());
    }

    private String waitingLine() {
        return events.since(0).stream().filter(e -> e.type().equals("WAITING")).map(Events.Event::rest).findFirst().orElse("");
    }

    long pid() {
        return process.pid();
    }

    /** @return resident set size of the process in KiB */
    long rssKiB() throws IOException {
        return parseVmRssKiB(Files.readString(Path.of("/proc", Long.toString(pid()), "status")));
    }

    /** @return user + system CPU time of the process so far, in ms (from /proc/PID/stat, clock ticks of 10 ms) */
    long cpuMillis() throws IOException {
        return parseCpuMillis(Files.readString(Path.of("/proc", Long.toString(pid()), "stat")));
    }

    /** Fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks (USER_HZ = 100 on Linux), after the command name. */
    static long parseCpuMillis(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state): utime is field 14 = f[11], stime field 15 = f[12]
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    static long parseVmRssKiB(String procStatus) {
        Matcher m = Pattern.compile("^VmRSS:\\s+(\\d+)\\s+kB", Pattern.MULTILINE).matcher(procStatus);
        if (!m.find()) {
            throw new IllegalArgumentException("no VmRSS line in /proc/<pid>/status");
        }
        return Long.parseLong(m.group(1));
    }

    /** Revisor's own start-up line: {@code revisor: started in 812 ms: ...}. */
    static OptionalLong parseStartedLine(String log) {
        Matcher m = Pattern.compile("revisor: started in (\\d+) ms").matcher(log);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /**
     * Runs a probe task ({@code dev.revisor.bench.probe.Tasks}) and waits for its result.
     *
     * @return the result lines grouped by their first word (in order)
     */
    Map<String, List<String>> task(String taskName, String line, Duration timeout) throws IOException {
        Path dir = benchDir.resolve("tasks");
        Files.createDirectories(dir);
        Path result = dir.resolve(taskName + ".result");
        Files.deleteIfExists(result);
        Path tmp = dir.resolve(taskName + ".tmp");
        Files.writeString(tmp, line, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(taskName + ".task"), StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(result)) {
            if (!alive()) {
                throw new IllegalStateException(name + " exited while running task " + line);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": task '" + line + "' took more than " + timeout.toSeconds() + " s");
            }
            sleep(10);
        }
        return parseTaskResult(Files.readString(result, StandardCharsets.UTF_8), line);
    }

    static Map<String, List<String>> parseTaskResult(String text, String task) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String last = "";
        for (String l : text.split("\n")) {
            if (l.isBlank()) {
                continue;
            }
            String[] kv = l.split(" ", 2);
            out.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
            last = l;
        }
        if (last.startsWith("error")) {
            throw new IllegalStateException("task '" + task + "' failed: " + last.substring(5).trim());
        }
        if (!last.equals("ok")) {
            throw new IllegalStateException("task '" + task + "' gave no verdict: " + text);
        }
        return out;
    }

    /** Stops the process with SIGTERM (a clean stop in both runtimes). @return milliseconds until it exited */
    long stop() {
        if (process == null) {
            return 0;
        }
        long t0 = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public void close() {
        if (alive()) {
            stop();
        }
    }

    static String tail(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            return s.length() > 1500 ? "..." + s.substring(s.length() - 1500) : s;
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
