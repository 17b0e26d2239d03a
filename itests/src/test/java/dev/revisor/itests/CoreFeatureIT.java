package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.Journal;

/** The revisor-core feature boots: every bundle Active, the audit commands answer, the journal is written. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreFeatureIT {
    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;
    @Inject
    private Journal journal;

    @Configuration
    public Option[] config() {
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void everyBundleOfTheCoreFeatureIsActive() {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get("Fragment-Host") != null;
            if (!fragment && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertTrue("bundles not active: " + notActive, notActive.isEmpty());
        for (String bsn : new String[] {"dev.revisor.audit", "dev.revisor.shell", "org.apache.felix.scr",
                "org.apache.felix.fileinstall", "org.apache.felix.gogo.runtime", "org.apache.felix.configadmin"}) {
            assertNotNull(bsn + " is installed", RevisorTestSupport.bundleNamed(context, bsn));
        }
    }

    @Test
    public void journalIsWrittenUnderRevisorData() throws Exception {
        Path dir = journal.directory();
        assertEquals(Path.of(context.getProperty("revisor.data"), "audit"), dir);
        journal.sync();
        Path file = dir.resolve("journal.jsonl");
        assertTrue(file + " exists", Files.isRegularFile(file));
        String first = Files.readAllLines(file).get(0);
        JsonObject line = JsonParser.parseString(first).getAsJsonObject();
        assertTrue("each line is one event with seq, time and type: " + first,
                line.has("seq") && line.has("time") && line.has("type"));
    }

    @Test
    public void auditEventsPrintsATableAndJson() {
        String table = gogoOk(processor, "audit:events -n 5");
        assertTrue(table, table.startsWith("SEQ"));
        assertEquals(table, 6, table.split("\n").length);

        String json = gogoOk(processor, "audit:events -n 3 --type service. --json");
        JsonArray events = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("events");
        assertEquals(json, 3, events.size());
        for (int i = 0; i < events.size(); i++) {
            assertTrue(json, events.get(i).getAsJsonObject().get("type").getAsString().startsWith("service."));
        }
    }

    @Test
    public void auditEventsFiltersByBundle() {
        String json = gogoOk(processor, "audit:events -n 50 --bundle dev.revisor.shell --json");
        JsonArray events = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("events");
        assertTrue("the shell's own start is journaled: " + json, events.size() > 0);
        for (int i = 0; i < events.size(); i++) {
            assertEquals("dev.revisor.shell",
                    events.get(i).getAsJsonObject().getAsJsonObject("bundle").get("symbolicName").getAsString());
        }
    }

    @Test
    public void badArgumentsGiveAClearError() {
        RevisorTestSupport.Result r = gogo(processor, "audit:events --since yesterday");
        assertNotNull("a bad --since fails", r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("--since 'yesterday'"));

        r = gogo(processor, "audit:events -n 0");
        assertNotNull("-n 0 fails", r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("at least 1"));
    }

    @Test
    public void unknownCommandFails() {
        RevisorTestSupport.Result r = gogo(processor, "audit:nosuchcommand");
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("nosuchcommand"));
    }
}
