package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code start}, {@code status}, {@code stop}, {@code restart} and {@code log} against real instances: a distribution
 * with the shipped etc/, the staged features and system/, and a {@code bin/revisor} that runs the launcher classes
 * (as the real script does, it {@code exec}s the JVM, so the instance's pid is the script's). The client commands run
 * in this JVM through {@link Main#run}, exactly as {@code bin/revisor} would run them.
 */
class DaemonProcessTest {
    @TempDir
    Path dir;

    private Path dist;
    private Path home;
    private final List<Long> started = new ArrayList<>();

    @BeforeEach
    void distribution() throws IOException {
        dist = dir.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createSymbolicLink(dist.resolve("etc"), TestDistribution.shippedEtc().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("features"), TestDistribution.stagedFeatures().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("system"), TestDistribution.stagedSystem().toAbsolutePath());
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path script = dist.resolve("bin/revisor");
        Files.writeString(script, "#!/usr/bin/env bash\nexec " + quote(java.toString())
                + " -Xmx128m -XX:+UseSerialGC " + quote("-Drevisor.dist=" + dist.toAbsolutePath()) + " -cp "
                + quote(System.getProperty("revisor.test.classpath")) + " dev.revisor.launcher.Main \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = dir.resolve("home");
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    @AfterEach
    void killInstances() {
        long pid = InstanceLock.readPid(home.resolve("data/revisor.pid"));
        if (pid > 0) {
            started.add(pid);
        }
        for (long each : started) {
            Optional<ProcessHandle> process = ProcessHandle.of(each);
            if (process.isPresent() && process.get().isAlive()) {
                process.get().destroyForcibly();
                process.get().onExit().join();
            }
        }
    }

    /** One {@code bin/revisor} command; its exit status, standard output and error. */
    private static final class Result {
        int status;
        String out;
        String err;

        @Override
        public String toString() {
            return "status " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    private Result revisor(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--home";
        all[1] = home.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        Result result = new Result();
        result.status = Main.run(all, System.getenv(), dist.toAbsolutePath(), new PrintStream(out, true),
                new PrintStream(err, true));
        result.out = out.toString(StandardCharsets.UTF_8);
        result.err = err.toString(StandardCharsets.UTF_8);
        return result;
    }

    private long pid() {
        long pid = InstanceLock.readPid(home.resolve("data/revisor.pid"));
        started.add(pid);
        return pid;
    }

    @Test
    void startStatusRestartStopFollowTheLsbExitCodes() throws Exception {
        Result status = revisor("status");
        assertThat(status.status).as("%s", status).isEqualTo(3);
        assertThat(status.out).contains("state:    stopped");

        Result start = revisor("start");
        assertThat(start.status).as("%s", start).isZero();
        assertThat(start.out).contains("started: process ");
        long pid = pid();
        ProcessHandle instance = ProcessHandle.of(pid).orElseThrow();
        assertThat(instance.isAlive()).isTrue();
        assertThat(home.resolve("data/log/console.out")).content().contains("revisor: started in")
                .contains("headless");

        // it answers exec, and 'start' again only says so
        ByteArrayOutputStream lb = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"--home", home.toString(), "exec", "lb"}, System.getenv(), dist,
                new PrintStream(lb, true), new PrintStream(new ByteArrayOutputStream(), true))).isZero();
        assertThat(lb.toString(StandardCharsets.UTF_8)).contains("Revisor shell");
        Result again = revisor("start");
        assertThat(again.status).as("%s", again).isZero();
        assertThat(again.out).contains("already running in " + home + " (process " + pid + ")");

        status = revisor("status");
        assertThat(status.status).as("%s", status).isZero();
        assertThat(status.out).contains("state:    running", "pid:      " + pid, "home:     " + home,
                "version:  " + Version.get(), "features: revisor-core", "uptime:   ");
        assertThat(status.out).containsPattern("health:   (\\d+) of \\1 feature bundles active\n");

        // a second instance on the home in use is refused, and nothing changes
        Result run = revisor("run");
        assertThat(run.status).isEqualTo(1);
        assertThat(run.err).contains("already in use by process " + pid);

        Result log = revisor("log", "-n", "1");
        assertThat(log.status).as("%s", log).isZero();
        assertThat(log.out).hasLineCount(1);
        // the runtime's log file when the logging backend writes one, else the console output of start
        java.nio.file.Path logFile = home.resolve("data/log/revisor.log");
        if (java.nio.file.Files.exists(logFile)) {
            assertThat(java.nio.file.Files.readString(logFile)).contains(log.out.strip());
        } else {
            assertThat(log.out).startsWith("revisor: started in");
        }

        Result restart = revisor("restart");
        assertThat(restart.status).as("%s", restart).isZero();
        assertThat(instance.isAlive()).isFalse();
        long second = pid();
        assertThat(second).isNotEqualTo(pid);
        assertThat(home.resolve("data/log/console.out.1")).content().contains("revisor: stopped");

        Result stop = revisor("stop");
        assertThat(stop.status).as("%s", stop).isZero();
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(home.resolve("data/instance.properties")).doesNotExist();

        Result stopAgain = revisor("stop");
        assertThat(stopAgain.status).as("%s", stopAgain).isZero();
        assertThat(stopAgain.out).contains("no Revisor instance runs in " + home + "; nothing to stop");
        assertThat(revisor("status").status).isEqualTo(3);
    }

    @Test
    void startExits1WithTheReasonWhenTheInstanceCannotStart() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/revisor.properties"), "revisor.features = revisor-core\n"
                + "revisor.stop.timeout = soon\n");
        Result start = revisor("start");
        assertThat(start.status).as("%s", start).isEqualTo(1);
        assertThat(start.err).contains("could not start (exit status 1)")
                .contains("revisor: cannot start: " + home.resolve("etc/revisor.properties")
                        + ": revisor.stop.timeout");
        assertThat(InstanceLock.isHeld(home.resolve("data/revisor.lock"))).isFalse();
        assertThat(revisor("status").status).isEqualTo(3);
    }

    @Test
    void aKilledInstanceLeavesAStalePidFileThatStatusReportsAndStartReplaces() throws Exception {
        assertThat(revisor("start").status).isZero();
        long pid = pid();
        ProcessHandle killed = ProcessHandle.of(pid).orElseThrow();
        killed.destroyForcibly(); // kill -9: no clean-up
        killed.onExit().get(30, TimeUnit.SECONDS);
        assertThat(home.resolve("data/revisor.pid")).exists();

        Result status = revisor("status");
        assertThat(status.status).as("%s", status).isEqualTo(1); // LSB: dead, and the pid file exists
        assertThat(status.out).contains("state:    stopped").contains("stale").contains("process " + pid);
        assertThat(revisor("stop").status).isZero();

        Result start = revisor("start");
        assertThat(start.status).as("%s", start).isZero();
        assertThat(pid()).isNotEqualTo(pid);
        assertThat(revisor("status").status).isZero();
        assertThat(revisor("stop").status).isZero();
    }

    @Test
    void execWithWaitAnswersOnceTheNextInstanceIsUpEvenOverTheSocketOfAKilledOne() throws Exception {
        assertThat(revisor("start").status).isZero();
        ProcessHandle killed = ProcessHandle.of(pid()).orElseThrow();
        killed.destroyForcibly(); // kill -9: its control socket file stays behind, refusing connections
        killed.onExit().get(30, TimeUnit.SECONDS);
        assertThat(home.resolve("data/run/control.sock")).exists();
        Result refused = revisor("exec", "lb");
        assertThat(refused.status).as("%s", refused).isEqualTo(ExitCodes.NO_INSTANCE);

        CompletableFuture<Result> waiting =
                CompletableFuture.supplyAsync(() -> revisor("exec", "--wait", "120", "lb -s"));
        Thread.sleep(500);
        assertThat(waiting).as("no instance answers yet").isNotDone();
        assertThat(revisor("start").status).isZero();
        pid();
        Result answered = waiting.get(120, TimeUnit.SECONDS);
        assertThat(answered.status).as("%s", answered).isZero();
        assertThat(answered.out).contains("dev.revisor.shell");
        assertThat(answered.err).isEmpty();
        assertThat(revisor("stop").status).isZero();
    }

    @Test
    void execWithWaitOnAHomeWhereNothingStartsSaysSoAndExits2() {
        Result waited = revisor("exec", "--wait", "1", "lb");
        assertThat(waited.status).as("%s", waited).isEqualTo(ExitCodes.NO_INSTANCE);
        assertThat(waited.err).startsWith("revisor: no instance in " + home + " was ready within --wait 1 s; trying its"
                + " control socket anyway\nrevisor: no Revisor instance runs in " + home + " (no control socket ");
    }

    @Test
    void statusIsUnknownWhenTheLockHolderCannotBeNamed() throws Exception {
        try (InstanceLock lock = InstanceLock.acquire(home.resolve("data/revisor.lock"),
                home.resolve("data/revisor.pid"))) {
            Files.writeString(home.resolve("data/revisor.pid"), "garbage\n");
            Result status = revisor("status");
            assertThat(status.status).as("%s", status).isEqualTo(4);
            assertThat(status.err).contains("does not name it");
            Result start = revisor("start");
            assertThat(start.status).isEqualTo(1);
            assertThat(start.err).contains("cannot start:");
            assertThat(revisor("stop").status).isEqualTo(1);
        }
    }
}
