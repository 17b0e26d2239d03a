package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.itests.fixtures.deploy.hold.Activator;

/**
 * A {@code kill -9} in the middle of a deploy transaction, on the real distribution ({@code bin/revisor} in child
 * processes, not Pax Exam: a framework cannot be killed inside the test's own JVM). The update's activator is held
 * until the test has killed the runtime; at the next start Revisor completes the transaction when the new version
 * verifies, and rolls it back to the previous bytes when it does not, and says which.
 */
public class DeployRecoveryIT {
    private static Path distribution;
    private Path home;
    private final List<Process> processes = new ArrayList<>();

    @BeforeClass
    public static void fixtures() {
        distribution = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
        for (String v : new String[] {"1.0.0", "2.0.0"}) {
            Fixtures.jar("hold-" + v + ".jar").symbolicName("dev.revisor.itests.hold").version(v)
                    .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
        }
        Fixtures.jar("blocker-3.0.0.jar").symbolicName("dev.revisor.itests.blocker").version("3.0.0")
                .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
    }

    @Before
    public void newHome() throws IOException {
        home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-rec");
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
    }

    @Test
    public void anUpdateInterruptedByKillIsRolledBackAtRestartWhenItDoesNotVerify() throws Exception {
        Process first = killDuringUpdate(true);
        assertFalse(first.isAlive());
        Files.delete(home.resolve("hold")); // "fail-2.0.0" stays: version 2.0.0 throws at every start from now on

        start();
        awaitCondition("app.jar rolled back after the restart", () -> "rolled-back".equals(field("app.jar", "state")));
        JsonObject app = entry("app.jar");
        assertEquals("1.0.0", app.getAsJsonObject("bundle").get("version").getAsString());
        assertEquals("ACTIVE", app.get("bundleState").getAsString());
        assertTrue(app.toString(), app.get("reason").getAsString().contains("the runtime stopped during the update of app.jar"));
        assertTrue(Files.readString(home.resolve("deploy/app.jar.failed")).contains("fails to start"));
        JsonObject recovered = lastEvent("deploy.recovered");
        assertEquals("rolled-back", recovered.getAsJsonObject("details").get("decision").getAsString());
        assertFalse("the write-ahead record is gone", Files.exists(home.resolve("data/deploy/transaction.json")));
    }

    @Test
    public void anUpdateInterruptedByKillIsCompletedAtRestartWhenItVerifies() throws Exception {
        killDuringUpdate(false);
        Files.delete(home.resolve("hold")); // no "fail-2.0.0": version 2.0.0 starts fine now

        start();
        awaitCondition("app.jar completed after the restart", () -> "deployed".equals(field("app.jar", "state"))
                && "2.0.0".equals(entry("app.jar").getAsJsonObject("bundle").get("version").getAsString()));
        JsonObject app = entry("app.jar");
        assertEquals("ACTIVE", app.get("bundleState").getAsString());
        assertTrue(app.toString(), app.get("reason").getAsString().contains("completed at restart"));
        assertEquals("completed", lastEvent("deploy.recovered").getAsJsonObject("details").get("decision").getAsString());
        assertFalse(Files.exists(home.resolve("deploy/app.jar.failed")));
        assertFalse(Files.exists(home.resolve("data/deploy/transaction.json")));
    }

    @Test
    public void aRollbackInterruptedByKillIsReportedRolledBackAndTheSameBytesCanBeRetried() throws Exception {
        Process runtime = start();
        drop("hold-1.0.0.jar");
        awaitCondition("1.0.0 deployed", () -> "deployed".equals(field("app.jar", "state")));
        Files.writeString(home.resolve("fail-2.0.0"), ""); // 2.0.0 throws at once: the update is rolled back
        Files.writeString(home.resolve("hold-1.0.0"), ""); // ... and the rollback's start of 1.0.0 is held
        drop("hold-2.0.0.jar");
        Path holding = home.resolve("holding");
        awaitCondition("the rollback's start of 1.0.0 is held", () -> Files.exists(holding) && read(holding).contains("1.0.0"));
        assertTrue("the write-ahead record is on disk", Files.exists(home.resolve("data/deploy/transaction.json")));
        assertTrue("it says the rollback is under way", Files.readString(home.resolve("data/deploy/transaction.json"))
                .contains("\"rollingBack\": true"));
        runtime.destroyForcibly();
        assertTrue(runtime.waitFor(30, TimeUnit.SECONDS));
        Files.delete(home.resolve("hold-1.0.0"));
        Files.deleteIfExists(holding);

        start();
        awaitCondition("app.jar rolled back after the restart", () -> "rolled-back".equals(field("app.jar", "state")));
        JsonObject app = entry("app.jar");
        assertEquals("it runs the previous bytes", "1.0.0", app.getAsJsonObject("bundle").get("version").getAsString());
        assertEquals("ACTIVE", app.get("bundleState").getAsString());
        assertEquals("rolled-back", app.get("outcome").getAsString());
        assertTrue(app.toString(), app.get("reason").getAsString().contains("the rollback was finished at restart"));
        assertTrue("the marker says so", Files.readString(home.resolve("deploy/app.jar.failed")).contains("rolled back"));
        assertEquals("rolled-back", lastEvent("deploy.recovered").getAsJsonObject("details").get("decision").getAsString());
        assertFalse(Files.exists(home.resolve("data/deploy/transaction.json")));

        // touching the file tries the same bytes again (now they start: the failure is gone)
        Files.delete(home.resolve("fail-2.0.0"));
        String before = app.get("operation").getAsString();
        Files.setLastModifiedTime(home.resolve("deploy/app.jar"), java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() + 2_000));
        awaitCondition("2.0.0 deployed after the touch", () -> "deployed".equals(field("app.jar", "state"))
                && "2.0.0".equals(entry("app.jar").getAsJsonObject("bundle").get("version").getAsString()));
        assertFalse("a new operation", before.equals(entry("app.jar").get("operation").getAsString()));
        assertFalse(Files.exists(home.resolve("deploy/app.jar.failed")));
    }

    /**
     * A jar changed while the runtime was down is an update at the next start; Felix's start-level thread is still
     * busy then (another plugin's activator holds it). Felix queues a start asked for from another thread meanwhile
     * and returns at once: the update must wait until the framework has started, not verify a start that has not
     * happened, roll back and record {@code failed} of a bundle the start-level thread starts a moment later.
     */
    @Test
    public void aChangeFoundAtStartIsAppliedOnceTheFrameworkHasStarted() throws Exception {
        Process runtime = start();
        drop("hold-1.0.0.jar");
        drop("blocker-3.0.0.jar", "blocker.jar");
        awaitCondition("app.jar and blocker.jar deployed", () -> "deployed".equals(field("app.jar", "state"))
                && "deployed".equals(field("blocker.jar", "state")));
        revisor("stop");
        assertTrue("the runtime stops", runtime.waitFor(60, TimeUnit.SECONDS));

        drop("hold-2.0.0.jar"); // changed while the runtime is down
        Files.writeString(home.resolve("hold-3.0.0"), ""); // at the next start the blocker holds the start-level thread
        start();
        Path holding = home.resolve("holding");
        awaitCondition("the blocker holds the start-level thread", () -> Files.exists(holding) && read(holding).contains("3.0.0"));
        Thread.sleep(1_500); // FileInstall has seen app.jar by now (it polls every 50 ms); the update must not run yet
        Files.delete(home.resolve("hold-3.0.0"));

        awaitCondition("app.jar updated to 2.0.0 once the framework has started", () -> "deployed".equals(field("app.jar", "state"))
                && "2.0.0".equals(entry("app.jar").getAsJsonObject("bundle").get("version").getAsString()));
        JsonObject app = entry("app.jar");
        assertEquals(app.toString(), "ACTIVE", app.get("bundleState").getAsString());
        assertEquals(app.toString(), "succeeded", app.get("outcome").getAsString());
        assertFalse(Files.exists(home.resolve("deploy/app.jar.failed")));
        String rollbacks = revisor("exec", "audit:events --type deploy.rolled-back --json") + revisor("exec",
                "audit:events --type deploy.rollback-failed --json");
        assertFalse("nothing was rolled back: " + rollbacks, rollbacks.contains("app.jar"));
    }

    /** Deploys 1.0.0, then 2.0.0 with its start held, and kills the runtime while the update's start is held. */
    private Process killDuringUpdate(boolean fail) throws Exception {
        Process runtime = start();
        drop("hold-1.0.0.jar");
        awaitCondition("1.0.0 deployed", () -> "deployed".equals(field("app.jar", "state")));
        Files.writeString(home.resolve("hold"), "");
        if (fail) {
            Files.writeString(home.resolve("fail-2.0.0"), "");
        }
        drop("hold-2.0.0.jar");
        Path holding = home.resolve("holding");
        awaitCondition("2.0.0's start is held inside the transaction", () -> Files.exists(holding) && read(holding).contains("2.0.0"));
        assertTrue("the write-ahead record is on disk", Files.exists(home.resolve("data/deploy/transaction.json")));
        runtime.destroyForcibly(); // SIGKILL: no shutdown hook, no deactivation
        assertTrue(runtime.waitFor(30, TimeUnit.SECONDS));
        Files.deleteIfExists(holding);
        return runtime;
    }

    // ---- the distribution

    private Process start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(distribution.resolve("bin/revisor").toString(), "--home", home.toString(), "run");
        pb.environment().put("REVISOR_OPTS", "-Xmx256m -XX:+UseSerialGC -Dfelix.fileinstall.poll=50");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("runtime.log").toFile()));
        Process p = pb.start();
        processes.add(p);
        awaitCondition("the instance answers audit:deploys", () -> p.isAlive() && revisor("exec", "audit:deploys --json").startsWith("{"));
        return p;
    }

    private String revisor(String... args) {
        List<String> command = new ArrayList<>(List.of(distribution.resolve("bin/revisor").toString(), "--home", home.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : "exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void drop(String fixture) throws IOException {
        drop(fixture, "app.jar");
    }

    private void drop(String fixture, String name) throws IOException {
        Path staging = Files.createDirectories(home.resolve("staging"));
        Path tmp = Files.copy(Fixtures.path(fixture), staging.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, home.resolve("deploy").resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private JsonObject entry(String file) {
        String json = revisor("exec", "audit:deploys --json");
        if (!json.startsWith("{")) {
            return null;
        }
        for (JsonElement e : JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("files")) {
            if (file.equals(e.getAsJsonObject().get("file").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    private String field(String file, String name) {
        JsonObject e = entry(file);
        return e == null || !e.has(name) ? null : e.get(name).getAsString();
    }

    private JsonObject lastEvent(String type) {
        String json = revisor("exec", "audit:events -n 1 --type " + type + " --json");
        JsonArray events = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("events");
        assertEquals(json, 1, events.size());
        return events.get(0).getAsJsonObject();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private void awaitCondition(String what, BooleanSupplier condition) throws Exception {
        try {
            RevisorTestSupport.await(what, 60_000, condition);
        } catch (AssertionError e) {
            Path log = home.resolve("runtime.log");
            throw new AssertionError(e.getMessage() + "\nruntime log:\n" + (Files.exists(log) ? Files.readString(log) : "none")
                    + "\naudit:deploys: " + revisor("exec", "audit:deploys"), e);
        }
    }
}
