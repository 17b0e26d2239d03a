package dev.revisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParsingTest {
    @Test
    void bundleEventLinesCarryTimeTypeIdNameAndVersion() {
        Events.Event e = Events.parse("1764255600123456 STARTED 12 bench.deploy.r3 1.0.1");
        assertThat(e.micros()).isEqualTo(1764255600123456L);
        assertThat(e.type()).isEqualTo("STARTED");
        assertThat(e.bundleId()).isEqualTo(12);
        assertThat(e.bsn()).isEqualTo("bench.deploy.r3");
        assertThat(e.version()).isEqualTo("1.0.1");
    }

    @Test
    void otherEventLinesKeepTheirRest() {
        Events.Event e = Events.parse("1764255600000000 READY bundles=14");
        assertThat(e.type()).isEqualTo("READY");
        assertThat(e.bundleId()).isEqualTo(-1);
        assertThat(e.rest()).isEqualTo("bundles=14");
        assertThat(Events.parse("17 FW_STARTED").rest()).isEmpty();
        assertThatThrownBy(() -> Events.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theReaderSeesOnlyCompleteLinesAndWaitsForAMatch(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.log");
        Events events = new Events(file);
        assertThat(events.mark()).isZero();
        Files.writeString(file, "1 PROBE jvmStartMillis=0\n2 STARTED 3 a 1.0.0\n3 STAR");
        assertThat(events.since(0)).hasSize(2);
        Files.writeString(file, "TED 4 b 2.0.0\n", java.nio.file.StandardOpenOption.APPEND);
        Events.Event b = events.await(1, e -> e.bsn().equals("b"), Duration.ofSeconds(5), () -> true, () -> "b");
        assertThat(b.micros()).isEqualTo(3);
        assertThatThrownBy(() -> events.await(0, e -> e.bsn().equals("c"), Duration.ofMillis(50), () -> true, () -> "c started"))
                .hasMessageContaining("timed out").hasMessageContaining("c started");
        assertThatThrownBy(() -> events.await(0, e -> false, Duration.ofSeconds(5), () -> false, () -> "x"))
                .hasMessageContaining("exited");
    }

    @Test
    void vmRssComesFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmRSS:\t   88064 kB\nRssAnon:\t 70000 kB\n";
        assertThat(Instance.parseVmRssKiB(status)).isEqualTo(88064);
        assertThatThrownBy(() -> Instance.parseVmRssKiB("Name: x\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void classLoadLogLinesAreCountedBySource() {
        List<String> log = List.of(
                "[0.027s][info][class,load] java.lang.Object source: shared objects file",
                "[0.343s][info][class,load] sun.nio.ch.ChannelInputStream source: jrt:/java.base",
                "[0.602s][info][class,load] org.apache.felix.framework.Felix source: file:/d/lib/org.apache.felix.framework-7.0.5.jar",
                "[1.239s][info][class,load] org.osgi.util.promise.Promises source: revisor:feature:org.osgi:org.osgi.util.promise:1.3.0",
                "[1.240s][info][class,load] java.lang.String source: shared objects file",
                "not a class line");
        assertThat(StartupWhySuite.countBySource(log)).containsEntry("CDS archive", 2)
                .containsEntry("JDK (java.base, not in CDS)", 1)
                .containsEntry("org.apache.felix.framework-7.0.5.jar", 1)
                .containsEntry("revisor:feature:org.osgi:org.osgi.util.promise:1.3.0", 1)
                .hasSize(4);
    }

    @Test
    void cpuTimeComesFromProcStatEvenWithBlanksInTheCommandName() {
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 5000 0 0 0 123 45 0 0 20 0 30 0 100 0 0";
        assertThat(Instance.parseCpuMillis(stat)).isEqualTo((123 + 45) * 10);
    }

    @Test
    void theLaunchersStartedLineGivesItsOwnFigure() {
        String log = "revisor: created /h/etc/config.properties from the distribution's defaults\n"
                + "revisor: started in 812 ms: home /h, features revisor-core, 12 of 12 feature bundles active, headless\n";
        assertThat(Instance.parseStartedLine(log)).hasValue(812);
        assertThat(Instance.parseStartedLine("nothing")).isEmpty();
    }

    @Test
    void taskResultsAreGroupedByKeyAndAFailureIsAnError() {
        Map<String, List<String>> r = Instance.parseTaskResult("cycle 0 on 1200\ncycle 1 off 900\nleg 0 on 5 6\nok\n", "cycles");
        assertThat(r.get("cycle")).containsExactly("0 on 1200", "1 off 900");
        assertThat(r.get("leg")).containsExactly("0 on 5 6");
        assertThatThrownBy(() -> Instance.parseTaskResult("run 5\nerror java.lang.IllegalArgumentException: Command not found: audit:plan\n", "gogo"))
                .hasMessageContaining("Command not found: audit:plan");
        assertThatThrownBy(() -> Instance.parseTaskResult("run 5\n", "gogo")).hasMessageContaining("no verdict");
    }

    @Test
    void featureBundlesWithStartOrdersAndTheBaselineSet() {
        String json = "{ // comments are allowed\n \"id\": \"dev.revisor:revisor-core:1\", \"bundles\": ["
                + "\"org.osgi:org.osgi.util.function:1.2.0\","
                + "{\"id\": \"org.apache.felix:org.apache.felix.scr:2.2.18\", \"start-order\": 2},"
                + "{\"id\": \"dev.revisor:dev.revisor.audit:0.1.0-SNAPSHOT\", \"start-order\": 3},"
                + "{\"id\": \"com.google.code.gson:gson:2.11.0\", \"start-order\": 1},"
                + "\"org.osgi:org.osgi.service.repository:1.1.0\"]}";
        List<Feature.Entry> entries = Feature.parse(new StringReader(json));
        assertThat(entries).extracting(Feature.Entry::startOrder).containsExactly(1, 2, 3, 1, 1);
        assertThat(entries.get(1).in(Path.of("/s")))
                .isEqualTo(Path.of("/s/org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar"));
        assertThat(entries.stream().filter(Feature.Entry::thirdPartyBaseline).map(Feature.Entry::artifactId))
                .containsExactly("org.osgi.util.function", "org.apache.felix.scr");
    }

    @Test
    void propertiesOverridesReplaceInPlaceAndAppendTheRest() {
        String text = "# comment\nfelix.fileinstall.poll = 250\nother=1\n";
        String out = Props.override(text, Map.of("felix.fileinstall.poll", "50", "new.key", "x"));
        assertThat(out).isEqualTo("# comment\nfelix.fileinstall.poll = 50\nother=1\nnew.key = x\n");
    }

    @Test
    void aBundlesStartCostRunsToTheNextBundlesStartWhateverTheListenersOrder() {
        List<Events.Event> events = java.util.stream.Stream.of(
                "1000 STARTING 12 dev.revisor.audit 0.1.0",
                "1200 STARTED 12 dev.revisor.audit 0.1.0", // the probe's listener ran before SCR's
                "41000 STARTING 13 org.apache.felix.gogo.runtime 1.1.6",
                "43000 STARTED 13 org.apache.felix.gogo.runtime 1.1.6",
                "50000 READY bundles=13").map(Events::parse).toList();
        Map<String, List<Double>> costs = new java.util.HashMap<>();
        StartupSuite.bundleStartCosts(events, costs);
        assertThat(costs).containsEntry("dev.revisor.audit", List.of(40.0))
                .containsEntry("org.apache.felix.gogo.runtime", List.of(9.0));
        assertThat(StartupSuite.own(costs)).isEqualTo("dev.revisor.audit 40.0 ms");
    }
}
