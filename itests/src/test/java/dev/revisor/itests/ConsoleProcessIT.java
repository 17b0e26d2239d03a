package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The interactive console of the real distribution in a terminal, driven through tmux (send-keys, capture-pane):
 * Revisor's banner and prompt instead of Gogo's, usage errors, completion, {@code exit} without a number ending
 * {@code bin/revisor} with 0; and the same usage errors through {@code bin/revisor exec} (issue 12). Skipped where
 * tmux is not installed.
 */
public class ConsoleProcessIT {
    private static Path distribution;
    private Path home;
    private String server;

    @BeforeClass
    public static void locate() {
        distribution = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
        assumeTrue("tmux is installed", run("tmux", "-V").status == 0);
    }

    @Before
    public void startConsole() throws Exception {
        home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-console");
        server = "revisor-it-" + ProcessHandle.current().pid();
        String command = "REVISOR_OPTS='-Xmx256m -XX:+UseSerialGC' " + distribution.resolve("bin/revisor") + " --home "
                + home + " run; echo $? > " + home.resolve("exit-status");
        assertEquals(0, run("tmux", "-L", server, "new-session", "-d", "-s", "console", "-x", "150", "-y", "50",
                "sh", "-c", command).status);
        awaitScreen("the prompt", "revisor> ");
    }

    @After
    public void stop() throws Exception {
        if (!Files.exists(home.resolve("exit-status"))) {
            revisor("stop");
        }
        run("tmux", "-L", server, "kill-server");
        RevisorTestSupport.deleteTree(home);
    }

    @Test
    public void theConsoleIsRevisorsAndExitNeedsNoNumber() throws Exception {
        String screen = screen();
        assertTrue(screen, screen.contains("Revisor "));
        assertTrue(screen, screen.contains("help audit"));
        assertFalse(screen, screen.contains("Welcome to Apache Felix Gogo"));
        assertFalse(screen, screen.contains("g! "));

        keys("audit:why", "Enter");
        awaitScreen("the usage of audit:why", "usage: audit:why [-j] [-s] BUNDLE");
        assertFalse(screen(), screen().contains("Cannot coerce"));

        keys("clear", "Enter");
        keys("audit:lek", "Tab");
        awaitScreen("audit:leaks completed", "revisor> audit:leaks");
        keys("C-u");

        keys("exit", "Enter");
        RevisorTestSupport.await("bin/revisor ended", 60_000, () -> Files.exists(home.resolve("exit-status")));
        assertEquals("0", Files.readString(home.resolve("exit-status")).strip());
    }

    @Test
    public void execGivesUsageAndStatusOne() throws Exception {
        Result why = revisor("exec", "audit:why");
        assertEquals(why.output, 1, why.status);
        assertTrue(why.output, why.output.contains("audit:why: missing BUNDLE"));
        assertTrue(why.output, why.output.contains("usage: audit:why"));

        Result help = revisor("exec", "audit:events --help");
        assertEquals(help.output, 0, help.status);
        assertTrue(help.output, help.output.startsWith("audit:events - "));

        Result typo = revisor("exec", "audit:lekas");
        assertEquals(typo.output, 1, typo.status);
        assertTrue(typo.output, typo.output.contains("did you mean audit:leaks?"));

        Result exit = revisor("exec", "exit");
        assertEquals(exit.output, 1, exit.status);
        assertTrue(exit.output, exit.output.contains("bin/revisor stop"));
    }

    private void keys(String... keys) {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", server, "send-keys", "-t", "console"));
        command.addAll(List.of(keys));
        assertEquals(0, run(command.toArray(new String[0])).status);
    }

    private String screen() {
        return run("tmux", "-L", server, "capture-pane", "-p", "-t", "console", "-S", "-200").output;
    }

    private void awaitScreen(String what, String text) throws InterruptedException {
        try {
            RevisorTestSupport.await(what, 60_000, () -> screen().contains(text));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nscreen:\n" + screen(), e);
        }
    }

    private Result revisor(String... args) {
        List<String> command = new ArrayList<>(List.of(distribution.resolve("bin/revisor").toString(), "--home",
                home.toString()));
        command.addAll(List.of(args));
        return run(command.toArray(new String[0]));
    }

    private record Result(int status, String output) {
    }

    private static Result run(String... command) {
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
}
