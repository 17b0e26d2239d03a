package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The daemon verbs of the real distribution ({@code bin/revisor start|status|stop|restart|log}, issue 12) as a user's
 * script calls them: exit codes (LSB for status), the instance detached from the caller (its own session, standard
 * input /dev/null still open), a start that fails with its reason, a killed instance's stale pid file, a suspended
 * instance, and the usage errors.
 */
public class DaemonIT {
    private static Path distribution;
    private Path home;

    @BeforeClass
    public static void locate() {
        distribution = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
    }

    @Before
    public void newHome() throws IOException {
        home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-daemon");
    }

    @After
    public void stopAll() throws Exception {
        long pid = pid();
        Optional<ProcessHandle> process = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
        if (process.isPresent() && process.get().isAlive()) {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
            revisor("stop");
            if (process.get().isAlive()) {
                process.get().destroyForcibly();
            }
        }
    }

    private long pid() throws IOException {
        Path file = home.resolve("data/revisor.pid");
        return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : -1;
    }

    @Test
    public void startStatusLogRestartStopAsAScriptUsesThem() throws Exception {
        Result status = revisor("status");
        assertEquals(status.output, 3, status.status);

        Result start = revisor("start");
        assertEquals(start.output, 0, start.status);
        long pid = pid();
        // detached: a session of its own (no terminal can hang it up), standard input /dev/null and open (headless)
        String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals("session id of " + stat, Long.toString(pid), fields[3]);
        assertEquals("/dev/null", Files.readSymbolicLink(Paths.get("/proc/" + pid + "/fd/0")).toString());

        status = revisor("status");
        assertEquals(status.output, 0, status.status);
        assertTrue(status.output, status.output.contains("state:    running\npid:      " + pid + "\n"));
        assertTrue(status.output, Pattern.compile("health:   (\\d+) of \\1 feature bundles active\n")
                .matcher(status.output).find());
        assertTrue(status.output, status.output.contains("features: revisor-core\n"));

        Result again = revisor("start");
        assertEquals(again.output, 0, again.status);
        assertTrue(again.output, again.output.contains("already running"));

        Result log = revisor("log", "-n", "1");
        assertEquals(log.output, 0, log.status);
        // the runtime's log file (the logging backend writes one), else the console output of start
        Path logFile = home.resolve("data/log/revisor.log");
        assertTrue(log.output, Files.exists(logFile) ? Files.readString(logFile).contains(log.output.strip())
                : log.output.startsWith("revisor: started in"));

        // suspended: running, but its status cannot be had: unknown (4), within status's own timeout
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor());
        try {
            Result wedged = revisor("status", "--timeout", "2");
            assertEquals(wedged.output, 4, wedged.status);
            assertTrue(wedged.output, wedged.output.contains("state:    not answering"));
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        }

        Result restart = revisor("restart");
        assertEquals(restart.output, 0, restart.status);
        assertNotEquals(pid, pid());
        assertEquals(0, revisor("status").status);

        Result stop = revisor("stop");
        assertEquals(stop.output, 0, stop.status);
        Result stopAgain = revisor("stop");
        assertEquals(stopAgain.output, 0, stopAgain.status);
        assertTrue(stopAgain.output, stopAgain.output.contains("nothing to stop"));
        assertEquals(3, revisor("status").status);
    }

    @Test
    public void aStartThatFailsExits1WithTheReasonAndAKilledInstanceIsReportedDead() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/config.properties"), Files.readString(distribution.resolve(
                "etc/config.properties")) + "\nfelix.fileinstall.poll = often\n");
        Result failed = revisor("start", "--timeout", "60");
        assertEquals(failed.output, 1, failed.status);
        assertTrue(failed.output, failed.output.contains("felix.fileinstall.poll must be an integer"));

        Files.copy(distribution.resolve("etc/config.properties"), home.resolve("etc/config.properties"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(0, revisor("start").status);
        long pid = pid();
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor());
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        Result dead = revisor("status");
        assertEquals(dead.output, 1, dead.status); // LSB: dead, and the pid file exists
        assertTrue(dead.output, dead.output.contains("stale"));
        assertEquals(0, revisor("start").status);
        assertNotEquals(pid, pid());
    }

    @Test
    public void usageErrorsAndTheVersion() {
        Result typo = revisor("stauts");
        assertEquals(typo.output, 64, typo.status);
        assertTrue(typo.output, typo.output.startsWith("revisor: unknown command 'stauts'; did you mean 'status'?\n"));
        assertTrue(typo.output, typo.output.split("\n").length <= 3);
        Result version = revisor("--version");
        assertEquals(version.output, 0, version.status);
        assertTrue(version.output, version.output.matches("revisor \\d+\\.\\d+\\.\\d+\\S*\n"));
        assertEquals(0, revisor("version").status);
        assertTrue(Files.isRegularFile(distribution.resolve("etc/systemd/revisor.service")));
    }

    private static final class Result {
        final int status;
        final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    /** bin/revisor --home HOME ARGS, standard error merged into the output. */
    private Result revisor(String... args) {
        List<String> command = new ArrayList<>(List.of(distribution.resolve("bin/revisor").toString(), "--home",
                home.toString()));
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(new File("/dev/null"));
            pb.environment().put("REVISOR_OPTS", "-Xmx256m -XX:+UseSerialGC");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(-1, "failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
