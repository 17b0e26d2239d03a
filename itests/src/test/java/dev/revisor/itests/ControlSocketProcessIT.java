package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The control socket under abuse and across users, on the real distribution ({@code bin/revisor} in child processes):
 * a suspended instance, clients that never read, another user without and with an allow-list entry (issue 19).
 * The tests with a second user create it with {@code useradd} and therefore run only as root (CI does).
 */
public class ControlSocketProcessIT {
    private static final String OTHER = "revisor-it-other";
    private static Path distribution;
    private Path home;
    private final List<Process> processes = new ArrayList<>();
    private final List<SocketChannel> abusers = new ArrayList<>();

    @BeforeClass
    public static void locate() {
        distribution = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
    }

    @Before
    public void newHome() throws IOException {
        home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-sock");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x")); // others may pass
    }

    @After
    public void stopAll() throws Exception {
        for (SocketChannel c : abusers) {
            c.close();
        }
        for (Process p : processes) {
            if (p.isAlive()) {
                new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
                revisor(List.of(), "stop");
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    public void execOnASuspendedInstanceTimesOutWithItsOwnExitCode() throws Exception {
        Process runtime = start("");
        // bin/revisor execs the JVM: the process is the runtime itself
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(runtime.pid())).start().waitFor());
        try {
            Result r = revisor(List.of(), "exec", "--timeout", "2", "lb");
            assertEquals(r.output, 124, r.status);
            assertTrue(r.output, r.output.contains("revisor: timed out after 2.0 s waiting for the answer"));
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(runtime.pid())).start().waitFor();
        }
        assertEquals(0, revisor(List.of(), "exec", "lb").status);
    }

    @Test
    public void sixteenClientsThatNeverReadLargeOutputDoNotKeepExecOut() throws Exception {
        start("");
        Path big = home.resolve("big.txt");
        Files.writeString(big, ("z".repeat(99) + "\n").repeat(20_000)); // 2 MB, far beyond the socket buffers
        for (int i = 0; i < 16; i++) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(home.resolve("data/run/control.sock")));
            abusers.add(c);
            c.write(ByteBuffer.wrap(request("cat " + big))); // and never read
        }
        Result r = revisor(List.of(), "exec", "--timeout", "30", "lb");
        assertEquals(r.output, 0, r.status);
        assertTrue(r.output, r.output.contains("System Bundle"));
    }

    @Test
    public void anUpdateOfTheShellSentThroughItsOwnSocketBringsTheShellBack() throws Exception {
        start("");
        String shellJar;
        try (java.util.stream.Stream<Path> jars = Files.walk(distribution.resolve("system/dev/revisor/dev.revisor.shell"))) {
            shellJar = jars.filter(f -> f.toString().endsWith(".jar")).findFirst().orElseThrow().toUri().toString();
        }
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("(?m)^\\s*(\\d+)\\|.*\\|dev\\.revisor\\.shell \\(")
                .matcher(revisor(List.of(), "exec", "lb -s").output);
        assertTrue("lb -s names the shell", id.find());

        // the update stops the shell, and with it the socket that carries this command
        Result update = revisor(List.of(), "exec", "update " + id.group(1) + " " + shellJar);
        assertEquals(update.output, 1, update.status);
        assertTrue(update.output, update.output.contains("the control socket is stopping"));

        // the framework went on: the shell started again with its new revision, and the socket is back
        Result status = revisor(List.of(), "status", "--wait", "60");
        assertEquals(status.output, 0, status.status);
        String shell = revisor(List.of(), "exec", "audit:why --json " + id.group(1)).output;
        assertTrue(shell, shell.contains("\"active\": true") || shell.contains("\"active\":true"));
        // the old shell's connection thread ended with its command: Revisor is not in its own leak report
        Result leaks = revisor(List.of(), "exec", "audit:leaks --json");
        assertEquals(leaks.output, 0, leaks.status);
        assertFalse(leaks.output, leaks.output.contains("dev.revisor.shell"));
    }

    @Test
    public void anotherUserIsToldPermissionDeniedNotNoInstance() throws Exception {
        assumeRootWithUseradd();
        start("");
        Result r = revisor(List.of("runuser", "-u", OTHER, "--"), "exec", "lb");
        assertEquals(r.output, 77, r.status);
        assertTrue(r.output, r.output.startsWith("revisor: permission denied: " + OTHER + " cannot enter "
                + home.resolve("data/run")));
    }

    @Test
    public void anotherUserIsRefusedByCredentialsUnlessAllowed() throws Exception {
        assumeRootWithUseradd();
        start("revisor.control.allow.users = somebody-else\n");
        Result refused = revisor(List.of("runuser", "-u", OTHER, "--"), "exec", "lb");
        assertEquals(refused.output, 77, refused.status);
        assertTrue(refused.output, refused.output.contains("permission denied: user " + OTHER));
        assertTrue(refused.output, refused.output.contains("may not use this control socket"));
        revisor(List.of(), "stop");

        start("revisor.control.allow.users = " + OTHER + "\n");
        Result allowed = revisor(List.of("runuser", "-u", OTHER, "--"), "exec", "lb");
        assertEquals(allowed.output, 0, allowed.status);
        assertTrue(allowed.output, allowed.output.contains("System Bundle"));
    }

    // ---- helpers

    private static void assumeRootWithUseradd() throws Exception {
        assumeTrue("needs root to create a second user with useradd (CI runs as root)",
                "root".equals(System.getProperty("user.name")));
        if (new ProcessBuilder("id", "-u", OTHER).start().waitFor() != 0) {
            Process add = new ProcessBuilder("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER)
                    .redirectErrorStream(true).start();
            String out = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assumeTrue("useradd " + OTHER + " failed: " + out, add.waitFor() == 0);
        }
    }

    private Process start(String revisorProperties) throws Exception {
        Path etc = Files.createDirectories(home.resolve("etc"));
        Files.writeString(etc.resolve("revisor.properties"), Files.readString(distribution.resolve(
                "etc/revisor.properties")) + "\nrevisor.console = off\n" + revisorProperties);
        ProcessBuilder pb = new ProcessBuilder(distribution.resolve("bin/revisor").toString(), "--home",
                home.toString(), "run");
        pb.environment().put("REVISOR_OPTS", "-Xmx256m -XX:+UseSerialGC");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("runtime.log").toFile()));
        pb.redirectInput(new File("/dev/null"));
        Process p = pb.start();
        processes.add(p);
        RevisorTestSupport.await("the instance answers lb", 60_000,
                () -> p.isAlive() && revisor(List.of(), "exec", "lb").status == 0);
        return p;
    }

    private static byte[] request(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(10 + bytes.length).put(new byte[] {'R', 'V', 'S', 'R', 1, 'X'})
                .putInt(bytes.length).put(bytes).array();
    }

    private record Result(int status, String output) {
    }

    private Result revisor(List<String> prefix, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(distribution.resolve("bin/revisor").toString(), "--home", home.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null"))
                    .start();
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
