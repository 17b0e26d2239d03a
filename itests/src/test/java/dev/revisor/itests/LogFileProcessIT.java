package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

import dev.revisor.itests.fixtures.hello.Activator;

/**
 * The log file of the real distribution ({@code bin/revisor} in child processes, issue 12): a deploy refusal's reason
 * in {@code data/log/revisor.log} under the deploy bundle's name, rotation by size as {@code etc/logback.xml} says,
 * a level edited in {@code etc/logback.xml} while the instance runs, and {@code audit:events --follow} through
 * {@code bin/revisor exec}.
 */
public class LogFileProcessIT {
    private static Path distribution;
    private Path home;
    private final List<Process> processes = new ArrayList<>();
    private int dropped;

    @BeforeClass
    public static void locate() {
        distribution = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
    }

    @Before
    public void newHome() throws IOException {
        home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-log");
    }

    @After
    public void stopAll() throws Exception {
        for (Process p : processes) {
            if (p.isAlive()) {
                revisor("stop");
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        RevisorTestSupport.deleteTree(home);
    }

    @Test
    public void aDeployRefusalIsInTheLogFileWithItsReasonUnderTheDeployBundlesName() throws Exception {
        start(shippedLogback());
        String jar = dropGarbage();
        RevisorTestSupport.await("the refusal of " + jar + " in data/log/revisor.log", 30_000,
                () -> logLines().stream().anyMatch(l -> l.contains(jar)));
        String line = logLines().stream().filter(l -> l.contains(jar)).findFirst().orElseThrow();
        assertTrue(line, line.contains(" WARN "));
        assertTrue(line, line.contains(" dev.revisor.deploy."));
        assertTrue(line, line.contains(jar + " refused: the file is not a jar"));
    }

    @Test
    public void theLogRotatesBySizeAndKeepsTheConfiguredNumberOfFiles() throws Exception {
        start(shippedLogback().replace("value=\"10MB\"", "value=\"1KB\"").replace(
                "name=\"revisor.log.maxFiles\" value=\"5\"", "name=\"revisor.log.maxFiles\" value=\"2\""));
        Path log = home.resolve("data/log");
        for (int i = 0; i < 60 && !Files.exists(log.resolve("revisor.log.2")); i++) {
            awaitMarker(dropGarbage());
        }
        assertTrue(Files.exists(log.resolve("revisor.log.1")));
        assertTrue("no second rotated file after 60 refusals", Files.exists(log.resolve("revisor.log.2")));
        for (int i = 0; i < 10; i++) {
            awaitMarker(dropGarbage());
        }
        assertTrue(Files.exists(log.resolve("revisor.log")));
        assertFalse("more rotated files than revisor.log.maxFiles", Files.exists(log.resolve("revisor.log.3")));
    }

    @Test
    public void aLevelEditedInEtcLogbackXmlTakesEffectWhileTheInstanceRuns() throws Exception {
        String shipped = shippedLogback();
        String quiet = shipped.replace("<logger name=\"dev.revisor\" level=\"INFO\"/>",
                "<logger name=\"dev.revisor\" level=\"ERROR\"/>");
        assertTrue("the shipped etc/logback.xml sets dev.revisor to INFO", !quiet.equals(shipped));
        start(quiet);

        // at ERROR the refusal (a WARN) is left out: a bundle event logged after it, through the same OSGi log
        // queue, shows that everything before it has been written
        String unlogged = dropGarbage();
        awaitMarker(unlogged);
        Path hello = Fixtures.jar("log-it-hello.jar").symbolicName("log.it.hello").version("1.0.0")
                .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
        Path staged = home.resolve("log-it-hello.jar");
        Files.copy(hello, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, home.resolve("deploy/log-it-hello.jar"), StandardCopyOption.ATOMIC_MOVE);
        RevisorTestSupport.await("log.it.hello's STARTED event in the log", 30_000,
                () -> logLines().stream().anyMatch(l -> l.contains("Events.Bundle.log.it.hello - BundleEvent STARTED")));
        assertFalse(logLines().stream().anyMatch(l -> l.contains(unlogged)));

        // back to INFO in the running instance: Logback rescans the file (scanPeriod) and a later refusal is logged
        Files.writeString(home.resolve("etc/logback.xml"), shipped);
        List<String> refused = new ArrayList<>();
        RevisorTestSupport.await("a refusal logged after etc/logback.xml set dev.revisor to INFO again", 60_000, () -> {
            if (refused.isEmpty() || Files.exists(home.resolve("deploy/" + refused.get(refused.size() - 1)
                    + ".failed"))) {
                refused.add(dropGarbage());
            }
            return logLines().stream().anyMatch(l -> refused.stream().anyMatch(l::contains));
        });
    }

    @Test
    public void eventsFollowThroughExecPrintsAnEventThatHappensAfterItStarted() throws Exception {
        start(shippedLogback());
        // the shell answers at start level 4; the framework's STARTED event comes after level 5: wait for it, or the
        // follow below would rightly print it
        RevisorTestSupport.await("framework.started in the journal", 60_000,
                () -> output("exec", "audit:events --type framework.started").contains("framework.started"));
        Process follow = new ProcessBuilder(distribution.resolve("bin/revisor").toString(), "--home", home.toString(),
                "exec", "audit:events --follow -n 0 --for 30s").redirectErrorStream(true)
                .redirectInput(new File("/dev/null")).start();
        processes.add(follow);
        List<String> seen = new ArrayList<>();
        String jar = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(follow.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.add(line);
                if (line.startsWith("following ")) { // subscribed: only now does the event happen
                    jar = dropGarbage();
                } else if (jar != null && line.contains("deploy.refused") && line.contains("file=" + jar)) {
                    break;
                }
            }
        } finally {
            follow.destroy();
        }
        assertTrue(String.join("\n", seen), jar != null);
        String last = seen.get(seen.size() - 1);
        assertTrue(String.join("\n", seen), last.contains("deploy.refused") && last.contains(jar));
        assertEquals("no event from before the follow started", 0, seen.stream()
                .filter(l -> l.contains("framework.started")).count());
    }

    // ---- helpers

    private String shippedLogback() throws IOException {
        return Files.readString(distribution.resolve("etc/logback.xml"));
    }

    /** Drops a file that is no jar into deploy/ (written beside it, then moved in) and returns its name. */
    private String dropGarbage() {
        String name = "garbage-" + (++dropped) + ".jar";
        try {
            Path staged = home.resolve(name);
            Files.writeString(staged, "not a jar " + dropped);
            Files.move(staged, home.resolve("deploy").resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return name;
    }

    private void awaitMarker(String jar) throws InterruptedException {
        RevisorTestSupport.await(jar + ".failed", 30_000, () -> Files.exists(home.resolve("deploy/" + jar + ".failed")));
    }

    private List<String> logLines() {
        try {
            return Files.readAllLines(home.resolve("data/log/revisor.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private Process start(String logbackXml) throws Exception {
        Path etc = Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(etc.resolve("revisor.properties"), Files.readString(distribution.resolve(
                "etc/revisor.properties")) + "\nrevisor.console = off\n");
        Files.writeString(etc.resolve("logback.xml"), logbackXml);
        ProcessBuilder pb = new ProcessBuilder(distribution.resolve("bin/revisor").toString(), "--home",
                home.toString(), "run");
        pb.environment().put("REVISOR_OPTS", "-Xmx256m -XX:+UseSerialGC");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("runtime.log").toFile()));
        pb.redirectInput(new File("/dev/null"));
        Process p = pb.start();
        processes.add(p);
        RevisorTestSupport.await("the instance answers lb", 60_000, () -> p.isAlive() && revisor("exec", "lb") == 0);
        return p;
    }

    /** @return what the command printed (standard output and error), or "" if it could not run */
    private String output(String... args) {
        try {
            Process p = client(args).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return text;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private int revisor(String... args) {
        try {
            return client(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private ProcessBuilder client(String... args) {
        List<String> command = new ArrayList<>(List.of(distribution.resolve("bin/revisor").toString(), "--home",
                home.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null"));
    }
}
