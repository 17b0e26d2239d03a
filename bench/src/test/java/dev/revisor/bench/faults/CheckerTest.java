package dev.revisor.bench.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The invariant checker on hand-made looks: what it calls a violation, in which words, and what it lets pass. */
class CheckerTest {
    private static final String LB_HEAD = "START LEVEL 5\n   ID|State      |Level|Symbolic name\n"
            + "    0|Active     |    0|org.apache.felix.framework (7.0.5)|7.0.5\n";

    @TempDir
    Path dir;

    private static String deploys(String state, String bundleState, String version, String sha, String marker) {
        return "{\"folder\":\"/x/deploy\",\"accepting\":true,\"apiGate\":\"refuse\",\"queued\":0,\"files\":[{\"file\":\"p1.jar\",\"state\":\""
                + state + "\",\"bundle\":{\"id\":20,\"symbolicName\":\"faults.p1\",\"version\":\"" + version + "\"},\"bundleState\":\""
                + bundleState + "\",\"outcome\":\"succeeded\",\"operation\":\"op-7\",\"reason\":\"installed faults.p1\""
                + (marker == null ? "" : ",\"marker\":\"" + marker + "\"") + ",\"sha256\":\"" + sha + "\"}]}";
    }

    private static JsonObject event(long seq, String type, String sha) {
        return JsonParser.parseString("{\"seq\":" + seq + ",\"type\":\"" + type + "\",\"details\":{\"file\":\"p1.jar\",\"sha256\":\"" + sha
                + "\"}}").getAsJsonObject();
    }

    @Test
    void aDeployedRecordOfABundleThatIsNotActiveIsAViolationNamingBothSides() throws Exception {
        Fixtures fixtures = new Fixtures(dir);
        Fixtures.Variant v = fixtures.build("p1.jar", "start=ok", false);
        Snapshot s = Snapshot.of(deploys("deployed", "INSTALLED", v.version(), v.sha256(), null),
                LB_HEAD + "   20|Installed  |    5|faults.p1 (" + v.version() + ")|" + v.version() + "\n",
                Map.of("p1.jar", event(9, "deploy.updated", v.sha256())));
        s.jars.put("p1.jar", v.sha256());

        List<String> violations = new Checker(fixtures).check(null, s, Set.of());

        assertThat(violations).containsExactly("p1.jar: the record says deployed/succeeded, bundle faults.p1/" + v.version()
                + " [20] INSTALLED, sha " + Fixtures.short8(v.sha256()) + ", marker none; the framework shows faults.p1/" + v.version()
                + " [20] INSTALLED (deployed means the bundle runs the file's bytes, Active)");
    }

    @Test
    void aRecordThatAgreesWithFrameworkFolderAndJournalPasses() throws Exception {
        Fixtures fixtures = new Fixtures(dir);
        Fixtures.Variant v = fixtures.build("p1.jar", "start=ok", false);
        Snapshot s = Snapshot.of(deploys("deployed", "ACTIVE", v.version(), v.sha256(), null),
                LB_HEAD + "   20|Active     |    5|faults.p1 (" + v.version() + ")|" + v.version() + "\n",
                Map.of("p1.jar", event(9, "deploy.installed", v.sha256())));
        s.jars.put("p1.jar", v.sha256());

        assertThat(new Checker(fixtures).check(s, s, Set.of())).isEmpty();
        assertThat(s.unsettled()).isEmpty();
    }

    @Test
    void aRolledBackRecordWhoseBundleRunsTheNewBytesIsAViolation() throws Exception {
        Fixtures fixtures = new Fixtures(dir);
        Fixtures.Variant old = fixtures.build("p1.jar", "start=ok", false);
        Fixtures.Variant incoming = fixtures.build("p1.jar", "start=throw", false);
        Snapshot s = Snapshot.of(deploys("rolled-back", "RESOLVED", incoming.version(), old.sha256(), "p1.jar.failed"),
                LB_HEAD + "   20|Resolved   |    5|faults.p1 (" + incoming.version() + ")|" + incoming.version() + "\n",
                Map.of("p1.jar", event(9, "deploy.rolled-back", incoming.sha256())));
        s.jars.put("p1.jar", incoming.sha256());
        s.markers.add("p1.jar.failed");

        List<String> violations = new Checker(fixtures).check(null, s, Set.of());

        assertThat(violations).anySatisfy(v -> assertThat(v).startsWith("p1.jar: the record says rolled-back/succeeded")
                .contains("the framework shows faults.p1/" + incoming.version() + " [20] RESOLVED running the bytes sha "
                        + Fixtures.short8(incoming.sha256())));
    }

    @Test
    void aCorruptJournalLineCountsUnlessItWasTheLastOneAtAKill() throws Exception {
        Path journal = dir.resolve("data/audit/journal.jsonl");
        Files.createDirectories(journal.getParent());
        Files.writeString(journal, "{\"seq\":1,\"type\":\"audit.started\",\"details\":{}}\n{\"seq\":2,\"ty");
        JournalReader reader = new JournalReader(dir);
        reader.markKill(); // the half line was the last one when the process died
        Files.writeString(journal, "\n{\"seq\":3,\"type\":\"audit.started\",\"details\":{}}\n{\"seq\":4,\"ty\n"
                + "{\"seq\":5,\"type\":\"audit.started\",\"details\":{}}\n", java.nio.file.StandardOpenOption.APPEND);
        reader.read();

        assertThat(reader.newProblems()).containsExactly("data/audit/journal.jsonl line 4 (byte 105) is not one complete event, "
                + "and it was not the last line at a kill -9: '{\"seq\":4,\"ty'");
    }
}
