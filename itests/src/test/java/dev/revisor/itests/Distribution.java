package dev.revisor.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The assembled distribution ({@code runtime/target/revisor}, built before the itests) run as child processes in a
 * fresh home of its own: {@code bin/revisor run} headless, {@code exec}, {@code stop}. For the process-level tests
 * that must see exactly what a user sees (no Pax Exam bundles beside the runtime's own).
 * <p>
 * Concurrent Semantics: not thread safe; one instance per test.
 */
final class Distribution implements AutoCloseable {
    final Path root;
    final Path home;
    private String options = "-Xmx256m -XX:+UseSerialGC";
    private Process process;

    Distribution(String prefix) throws IOException {
        this(prefix, Paths.get(RevisorTestSupport.required("revisor.itest.distribution")));
    }

    /** A home of its own for the distribution in {@code root} (a copy, when a test must see its lib/ alone). */
    Distribution(String prefix, Path root) throws IOException {
        this.root = root;
        this.home = Files.createTempDirectory(Paths.get("/tmp"), prefix);
    }

    /** Appends JVM options to the REVISOR_OPTS of the next {@link #start()}. */
    Distribution options(String more) {
        options = options + " " + more;
        return this;
    }

    /** Starts {@code bin/revisor run} in the home and returns once it answers {@code exec}. */
    Distribution start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/revisor").toString(), "--home", home.toString(), "run");
        pb.environment().put("REVISOR_OPTS", options);
        pb.redirectErrorStream(true);
        pb.redirectInput(new File("/dev/null"));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("runtime.log").toFile()));
        process = pb.start();
        try {
            RevisorTestSupport.await("the instance in " + home + " answers exec", 90_000,
                    () -> process.isAlive() && run("exec", "audit:deploys --json").out.startsWith("{"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nruntime log:\n" + log(), e);
        }
        return this;
    }

    /** Kills the instance the test started, as {@code kill -9} does (no shutdown hook, no deactivation), and waits. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The outcome of one {@code bin/revisor} call. */
    record Result(int exit, String out) {
        @Override
        public String toString() {
            return "exit " + exit + ": " + out;
        }
    }

    /** Runs {@code bin/revisor --home HOME ARGS...}, its standard error merged into its output. */
    Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(root.resolve("bin/revisor").toString(), "--home", home.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(-1, "failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /**
     * Puts a jar into the home's deploy/ as a user should: copied beside the folder, then renamed in (replacing a file
     * of that name), so that FileInstall never sees half of it.
     */
    void deploy(Path jar, String name) throws IOException {
        Path staged = home.resolve(name);
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, home.resolve("deploy").resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** @return the output of {@code exec COMMAND}; fails the test when the command fails */
    String exec(String commandLine) {
        Result r = run("exec", commandLine);
        if (r.exit != 0) {
            throw new AssertionError("bin/revisor exec '" + commandLine + "' failed: " + r);
        }
        return r.out;
    }

    /**
     * Runs a bash script from {@code directory} with {@code REVISOR_HOME} set to the home. Its output goes to a file, not
     * a pipe: an instance the script starts in the background keeps the script's standard output open.
     */
    Result bash(String script, Path directory, Map<String, String> env, long timeoutSeconds) throws Exception {
        Path file = home.resolve("script-" + System.nanoTime() + ".sh");
        Path output = home.resolve(file.getFileName() + ".out");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).directory(directory.toFile()).redirectErrorStream(true)
                .redirectInput(new File("/dev/null")).redirectOutput(output.toFile());
        pb.environment().put("REVISOR_HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the script did not finish within " + timeoutSeconds + " s; its output:\n"
                    + Files.readString(output) + "\nscript:\n" + script);
        }
        return new Result(p.exitValue(), Files.readString(output));
    }

    String log() {
        try {
            Path log = home.resolve("runtime.log");
            return Files.exists(log) ? Files.readString(log) : "none";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    /** Stops the instance of this home, whoever started it (the test or a script), and waits for it. */
    @Override
    public void close() throws Exception {
        run("stop");
        if (process != null && process.isAlive() && !process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (process == null || !process.isAlive()) {
            deleteHome();
        }
    }

    /** Deletes the home; a file that cannot be deleted is left (the next test uses a home of its own). */
    private void deleteHome() {
        try {
            RevisorTestSupport.deleteTree(home);
        } catch (IOException e) {
            // left for the OS to clean /tmp
        }
    }
}
