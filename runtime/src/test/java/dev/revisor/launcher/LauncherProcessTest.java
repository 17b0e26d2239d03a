package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a real process (java -cp classes:felix:gson dev.revisor.launcher.Main run), driven the way users
 * drive it: instance lock, stop, SIGTERM/SIGINT exit status, startup failures.
 */
class LauncherProcessTest {
    @TempDir
    Path dir;

    private TestDistribution dist;
    private Path home;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void distribution() {
        dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION, TestDistribution.PROMISE);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@2");
        dist.feature("console", null, TestDistribution.COMPONENT + "@3");
        dist.write("etc/revisor.properties", "revisor.features = tiny\nrevisor.features.console = console\n"
                + "revisor.stop.timeout = 20\n");
        home = dir.resolve("home");
    }

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts {@code revisor run --home HOME} with stdin a pipe that stays open (or /dev/null); waits for "started". */
    private Process startChild(boolean stdinAtEof) throws Exception {
        Files.createDirectories(home);
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-Drevisor.dist=" + dist.dist.toAbsolutePath(), "-cp", System.getProperty("revisor.test.classpath"),
                "dev.revisor.launcher.Main", "run", "--home", home.toString())
                .redirectOutput(home.resolve("out.log").toFile())
                .redirectError(home.resolve("err.log").toFile());
        if (stdinAtEof) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process child = builder.start();
        children.add(child);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!log("out.log").contains("revisor: started")) {
            assertThat(child.isAlive()).as("launcher alive; stderr: %s", log("err.log")).isTrue();
            assertThat(System.nanoTime()).as("launcher started in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        return child;
    }

    private String log(String name) throws IOException {
        Path file = home.resolve(name);
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private int revisor(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        return Main.run(args, Map.of(), dist.dist.toAbsolutePath(), new PrintStream(out, true),
                new PrintStream(err, true));
    }

    private Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                files.put(root.relativize(path).toString(), Files.getLastModifiedTime(path) + " "
                        + (Files.isRegularFile(path) ? Files.size(path) : -1));
            }
        }
        return files;
    }

    @Test
    void stopEndsTheInstanceWithExit0AndASecondStopFindsNone() throws Exception {
        Process child = startChild(false);
        assertThat(InstanceLock.readPid(home.resolve("data/revisor.pid"))).isEqualTo(child.pid());
        assertThat(home.resolve("etc/revisor.properties")).exists();
        assertThat(log("out.log")).contains("created " + home.resolve("etc/config.properties"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(revisor(out, err, "--home", home.toString(), "stop")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("stopped the instance in " + home);
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(log("out.log")).contains("revisor: stopped");
        assertThat(log("err.log")).contains("SIGTERM: stopping the framework");
        assertThat(home.resolve("data/revisor.pid")).doesNotExist();

        // as an LSB init script's stop: nothing to stop is success (set -e scripts go on)
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertThat(revisor(again, new ByteArrayOutputStream(), "--home", home.toString(), "stop")).isZero();
        assertThat(again.toString(StandardCharsets.UTF_8)).contains("no Revisor instance runs in " + home);
    }

    @Test
    void aSecondRunOnAHomeInUseIsRefusedAndTouchesNothing() throws Exception {
        Process child = startChild(false);
        // the child may still write for a moment after "started" (its data directory's time changed 56 ms later once)
        Map<String, String> before = snapshot(home.resolve("data"));
        for (int i = 0; i < 50; i++) {
            Thread.sleep(200);
            Map<String, String> now = snapshot(home.resolve("data"));
            if (now.equals(before)) {
                break;
            }
            before = now;
        }

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(revisor(new ByteArrayOutputStream(), err, "run", "--home", home.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(home.toString())
                .contains("already in use by process " + child.pid());
        assertThat(snapshot(home.resolve("data"))).isEqualTo(before);
        assertThat(child.isAlive()).isTrue();
    }

    @Test
    void sigtermAndHeadlessSigintStopCleanlyWithExit0() throws Exception {
        Process first = startChild(false);
        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isZero();

        Process second = startChild(false);
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(second.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isZero();
        assertThat(log("err.log")).contains("SIGINT: stopping the framework");
    }

    @Test
    void headlessWithStdinAtEndOfInputKeepsRunningWithoutTheConsoleFeature() throws Exception {
        Process child = startChild(true);
        assertThat(log("out.log")).contains("features tiny,").contains("headless");
        Thread.sleep(500);
        assertThat(child.isAlive()).isTrue();
        child.destroy();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
    }

    @Test
    void aStartupFailureExits1NamingTheFile() throws Exception {
        Path broken = dist.write("features/tiny.json", "{\"id\": \"a:b:1\", \"bundles\": [ {\"id\": }");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(revisor(new ByteArrayOutputStream(), err, "run", "--home", home.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("revisor: cannot start: " + broken.toAbsolutePath() + ": malformed JSON");
        assertThat(InstanceLock.isHeld(home.resolve("data/revisor.lock"))).isFalse();
        assertThat(home.resolve("data/revisor.pid")).doesNotExist();
    }

    @Test
    void aBadEtcValueExits1NamingTheFileTheKeyTheValueAndWhatIsAllowed() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.copy(dist.dist.resolve("etc/config.properties"), home.resolve("etc/config.properties"));
        Files.writeString(home.resolve("etc/config.properties"), "\nfelix.fileinstall.bundles.new.start = maybe\n",
                java.nio.file.StandardOpenOption.APPEND);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(revisor(new ByteArrayOutputStream(), err, "run", "--home", home.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("revisor: cannot start: "
                + home.resolve("etc/config.properties") + ": felix.fileinstall.bundles.new.start must be true or false,"
                + " not 'maybe'");
        assertThat(InstanceLock.isHeld(home.resolve("data/revisor.lock"))).isFalse();
    }

    @Test
    void stopWithoutAnyHomeDataSaysNoInstanceAndCreatesNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path nowhere = dir.resolve("empty-home");
        assertThat(revisor(out, new ByteArrayOutputStream(), "--home", nowhere.toString(), "stop")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("nothing to stop");
        assertThat(revisor(new ByteArrayOutputStream(), new ByteArrayOutputStream(), "--home", nowhere.toString(),
                "status")).isEqualTo(3);
        assertThat(nowhere).doesNotExist();
    }
}
