package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.curator.test.TestingServer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Fleet mode end to end (issue 18, docs/fleet.md): a real ZooKeeper server in the test JVM (Curator's TestingServer)
 * and three Revisor runtimes as separate processes ({@code bin/revisor run} of the assembled distribution, feature
 * revisor-fleet, members m1, m2, m3), each with the example plugins leak-free and leaky-thread in its deploy folder.
 * The rollouts are started with {@code bin/revisor fleet rollout} and followed with {@code fleet status --json}.
 * The tests share the fleet and run in name order, so that leak-free's versions only go up (0.2.0, an aborted 0.2.5, 0.3.0, then 0.4.0).
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FleetIT {
    private static final String LEAK_FREE = "org.example.leakfree";
    private static final String LEAKY = "org.example.leaky.thread";
    private static final long ROLLOUT_MILLIS = 90_000;

    private static TestingServer zookeeper;
    private static Path store;
    private static Path jars;
    private static final List<Distribution> members = new ArrayList<>();

    @BeforeClass
    public static void startFleet() throws Exception {
        zookeeper = new TestingServer(true);
        jars = Files.createTempDirectory(Path.of("/tmp"), "rvs-fleet-jars");
        store = jars.resolve("store");
        ExecutorService starter = Executors.newFixedThreadPool(3, r -> new Thread(r, "fleet-it-start"));
        try {
            List<Future<Distribution>> started = new ArrayList<>();
            for (String id : List.of("m1", "m2", "m3")) {
                Distribution d = new Distribution("rvs-fleet-" + id + "-");
                members.add(d);
                configure(d, id);
                started.add(starter.submit(d::start));
            }
            for (Future<Distribution> f : started) {
                f.get();
            }
        } finally {
            starter.shutdownNow();
        }
        for (Distribution d : members) {
            RevisorTestSupport.await("the three members joined, seen by " + d.home, 60_000,
                    () -> status(d).getAsJsonArray("members").size() == 3);
        }
    }

    /** etc/ with the fleet on, and the two example plugins in deploy/ before the first start. */
    private static void configure(Distribution d, String id) throws IOException {
        Path etc = Files.createDirectories(d.home.resolve("etc"));
        Path distEtc = d.root.resolve("etc");
        Files.writeString(etc.resolve("revisor.properties"), Files.readString(distEtc.resolve("revisor.properties"))
                .replace("revisor.features = revisor-core", "revisor.features = revisor-core revisor-fleet"));
        Files.writeString(etc.resolve("config.properties"), Files.readString(distEtc.resolve("config.properties"))
                + "\nrevisor.fleet.zookeeper = " + zookeeper.getConnectString() + "\nrevisor.fleet.store = " + store
                + "\nrevisor.fleet.member = " + id + "\nrevisor.fleet.session.timeout.ms = 6000\n");
        Path deploy = Files.createDirectories(d.home.resolve("deploy"));
        Files.copy(RevisorTestSupport.reactorBundle("example-leak-free"), deploy.resolve("leak-free.jar"));
        Files.copy(RevisorTestSupport.reactorBundle("example-leaky-thread"), deploy.resolve("leaky-thread.jar"));
    }

    @AfterClass
    public static void stopFleet() throws Exception {
        for (Distribution d : members) {
            d.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @Test
    public void aGoodUpdateReachesEveryMemberInWavesAcrossAZooKeeperRestart() throws Exception {
        Path jar = version("example-leak-free", "0.2.0");
        Distribution m1 = members.get(0);
        String id = rollout(m1, "--canary", "1", "--waves", "50,100", "--hold", "2s", jar.toString());
        JsonObject rollout = awaitRollout(m1, LEAK_FREE, id, r -> r.getAsJsonObject("rollout").get("wave").getAsInt() >= 1);
        assertEquals("[[\"m1\"],[\"m2\"],[\"m3\"]]", rollout.getAsJsonObject("rollout").get("plan").toString());
        zookeeper.restart(); // the rollout lives in ZooKeeper's data, not in a session
        rollout = awaitRollout(m1, LEAK_FREE, id, r -> ended(r));
        assertEquals(rollout.toString(), "succeeded", state(rollout));
        String sha = rollout.getAsJsonObject("rollout").get("sha256").getAsString();
        for (Distribution d : members) {
            assertEquals(d.home.toString(), sha, runningSha(d, LEAK_FREE));
            String events = d.exec("audit:events --type fleet.applied -n 50");
            assertTrue(events, events.contains("fleetOperation=" + id));
        }
    }

    @Test
    public void aCanaryThatLeaksAThreadHaltsAndRollsBackWhileTheOthersNeverTakeIt() throws Exception {
        Distribution m1 = members.get(0);
        String before = runningSha(m1, LEAKY);
        Path jar = version("example-leaky-thread", "0.2.0");
        String id = rollout(members.get(1), "--canary", "1", "--hold", "1s", jar.toString());
        JsonObject rollout = awaitRollout(m1, LEAKY, id, r -> ended(r));
        assertEquals(rollout.toString(), "halted", state(rollout));
        String reason = rollout.getAsJsonObject("rollout").get("reason").getAsString();
        assertTrue(reason, reason.startsWith("member m1: leak finding"));
        assertTrue(reason, reason.contains("(thread)") && reason.contains("leaky-thread-poller"));
        assertEquals("the canary runs its previous bytes again", before, runningSha(m1, LEAKY));
        for (Distribution other : members.subList(1, 3)) {
            assertEquals(before, runningSha(other, LEAKY));
            assertFalse(other.exec("audit:events --type fleet.apply -n 50").contains(id));
        }
        String refused = members.get(2).run("fleet", "status").out();
        assertTrue(refused, refused.contains("state halted"));
    }

    @Test
    public void aHoldingCanaryIsRolledBackByAbortFromAnotherMember() throws Exception {
        Distribution m1 = members.get(0);
        String before = runningSha(m1, LEAK_FREE);
        Path jar = version("example-leak-free", "0.2.5");
        String id = rollout(m1, "--canary", "1", "--hold", "5m", "--wave-timeout", "10m", jar.toString());
        JsonObject holding = awaitRollout(m1, LEAK_FREE, id,
                r -> r.getAsJsonObject("verdicts").has("m1")
                        && "holding".equals(r.getAsJsonObject("verdicts").getAsJsonObject("m1").get("state").getAsString()));
        String sha = holding.getAsJsonObject("rollout").get("sha256").getAsString();
        assertEquals("the canary runs the update while it holds", sha, runningSha(m1, LEAK_FREE));

        Distribution.Result aborted = members.get(1).run("fleet", "abort", LEAK_FREE);
        assertEquals(aborted.toString(), 0, aborted.exit());
        assertTrue(aborted.out(), aborted.out().contains("is aborting"));
        JsonObject rollout = awaitRollout(m1, LEAK_FREE, id, r -> ended(r));
        assertEquals(rollout.toString(), "aborted", state(rollout));
        assertTrue(rollout.toString(), rollout.getAsJsonObject("rollout").get("reason").getAsString()
                .startsWith("aborted by 'fleet abort' on member m2"));
        for (Distribution d : members) {
            assertEquals("runs its previous bytes: " + d.home, before, runningSha(d, LEAK_FREE));
        }
        Distribution.Result again = m1.run("fleet", "abort", LEAK_FREE);
        assertTrue(again.toString(), again.exit() != 0 && again.out().contains("has ended: aborted"));
    }

    @Test
    public void aKilledCoordinatorAndMemberLeaveARolloutThatResumesAndConverges() throws Exception {
        Distribution m1 = members.get(0);
        Distribution m3 = members.get(2);
        Path jar = version("example-leak-free", "0.3.0");
        // m3 coordinates the rollout and is a member of its second wave; it dies at once
        String id = rollout(m3, "--canary", "1", "--waves", "100", "--hold", "2s", jar.toString());
        m3.kill();
        String again = m1.run("fleet", "rollout", jar.toString()).out();
        assertTrue("a second rollout of the same plugin is refused: " + again, again.contains("is in progress: " + id));
        awaitRollout(m1, LEAK_FREE, id, r -> r.get("coordinator").isJsonNull()); // m3's session expired
        Distribution.Result resumed = m1.run("fleet", "resume", LEAK_FREE);
        assertEquals(resumed.toString(), 0, resumed.exit());
        awaitRollout(m1, LEAK_FREE, id, r -> r.getAsJsonObject("rollout").get("wave").getAsInt() == 1);
        m3.start();
        JsonObject rollout = awaitRollout(m1, LEAK_FREE, id, r -> ended(r));
        assertEquals(rollout.toString(), "succeeded", state(rollout));
        String sha = rollout.getAsJsonObject("rollout").get("sha256").getAsString();
        for (Distribution d : members) {
            assertEquals(d.home.toString(), sha, runningSha(d, LEAK_FREE));
        }
    }

    @Test
    public void aWaveWithADeadMemberTimesOutHaltsAndRollsBackWithoutWaitingForIt() throws Exception {
        Distribution m1 = members.get(0);
        Distribution m3 = members.get(2);
        String before = runningSha(m1, LEAK_FREE);
        Path jar = version("example-leak-free", "0.4.0");
        // m3 is in the second wave and dies before its turn: that wave cannot succeed
        String id = rollout(m1, "--canary", "1", "--waves", "100", "--hold", "1s", "--wave-timeout", "8s",
                jar.toString());
        m3.kill();
        JsonObject rollout = awaitRollout(m1, LEAK_FREE, id, r -> ended(r));
        assertEquals(rollout.toString(), "halted", state(rollout));
        String reason = rollout.getAsJsonObject("rollout").get("reason").getAsString();
        assertTrue(reason, reason.startsWith("wave 2 timed out: no success from m3 (no report"));
        for (Distribution d : members.subList(0, 2)) {
            assertEquals("rolled back on " + d.home, before, runningSha(d, LEAK_FREE));
        }
        m3.start(); // back, it reads its assignment (roll back) and never takes the update
        assertEquals(before, runningSha(m3, LEAK_FREE));
        String said = m1.run("fleet", "status").out();
        assertTrue(said, said.contains("wave timeout 8000 ms"));
    }

    private static String rollout(Distribution d, String... args) {
        List<String> command = new ArrayList<>(List.of("fleet", "rollout"));
        command.addAll(List.of(args));
        Distribution.Result r = d.run(command.toArray(new String[0]));
        assertEquals(r.toString(), 0, r.exit());
        String out = r.out();
        return out.substring("rollout ".length(), out.indexOf(':'));
    }

    private static JsonObject status(Distribution d) {
        Distribution.Result r = d.run("fleet", "status", "--json");
        if (r.exit() != 0 || !r.out().startsWith("{")) {
            return JsonParser.parseString("{\"members\":[],\"rollouts\":[]}").getAsJsonObject();
        }
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static JsonObject rolloutOf(Distribution d, String plugin) {
        for (JsonElement e : status(d).getAsJsonArray("rollouts")) {
            JsonObject view = e.getAsJsonObject();
            if (plugin.equals(view.getAsJsonObject("rollout").get("plugin").getAsString())) {
                return view;
            }
        }
        return null;
    }

    private static JsonObject awaitRollout(Distribution d, String plugin, String id,
            java.util.function.Predicate<JsonObject> condition) throws InterruptedException {
        JsonObject[] last = new JsonObject[1];
        RevisorTestSupport.await("rollout " + id + " of " + plugin, ROLLOUT_MILLIS, () -> {
            last[0] = rolloutOf(d, plugin);
            return last[0] != null && id.equals(last[0].getAsJsonObject("rollout").get("id").getAsString())
                    && condition.test(last[0]);
        }, () -> last[0] + membersState());
        return last[0];
    }

    /**
     * For a wait that timed out: each member's fleet component (or why its instance did not answer) and the end of
     * its log, before the homes are deleted.
     */
    private static String membersState() {
        StringBuilder s = new StringBuilder();
        for (Distribution m : members) {
            Distribution.Result info = m.run("exec", "scr:info dev.revisor.fleet.internal.Fleet");
            s.append("\n--- ").append(m.home).append(": ").append(info.exit() == 0
                    ? String.join(" ", info.out().lines().filter(l -> l.startsWith("State")).toList()) : info.toString());
            Path log = m.home.resolve("data/log/revisor.log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of("(no log)");
                s.append('\n').append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            } catch (IOException e) {
                s.append("\n(log unreadable: ").append(e).append(')');
            }
        }
        return s.toString();
    }

    private static boolean ended(JsonObject view) {
        String state = state(view);
        return state.equals("succeeded") || state.equals("halted") || state.equals("aborted");
    }

    private static String state(JsonObject view) {
        return view.getAsJsonObject("rollout").get("state").getAsString();
    }

    private static String runningSha(Distribution d, String plugin) {
        JsonArray files = JsonParser.parseString(d.exec("audit:deploys --json")).getAsJsonObject().getAsJsonArray("files");
        for (JsonElement e : files) {
            JsonObject file = e.getAsJsonObject();
            if (file.has("bundle") && plugin.equals(file.getAsJsonObject("bundle").get("symbolicName").getAsString())) {
                return file.get("sha256").getAsString();
            }
        }
        throw new AssertionError(d.home + " runs no " + plugin + ": " + files);
    }

    /** The example bundle with another Bundle-Version: a new build of the same plugin. */
    private static Path version(String artifactId, String version) throws IOException {
        Path target = jars.resolve(artifactId + "-" + version + ".jar");
        try (InputStream raw = Files.newInputStream(RevisorTestSupport.reactorBundle(artifactId));
                JarInputStream in = new JarInputStream(raw)) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            Path temp = jars.resolve(target.getFileName() + ".tmp");
            try (OutputStream file = Files.newOutputStream(temp); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
