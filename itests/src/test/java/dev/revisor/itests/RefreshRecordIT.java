package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

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
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.RestartDTO;
import dev.revisor.audit.api.WiringChangeDTO;

/**
 * The refresh record: after an update of a library, {@link Refreshes#refresh} restarts it and its importer, times
 * each stop and start, and shows the importer moving from exporter version 1.0.0 to 1.1.0. An uninstall of a library
 * that is still imported leaves a removal-pending revision and a service that was in use; both are journaled and the
 * refresh that follows records them, and the importer that cannot resolve any more as a failure.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RefreshRecordIT {
    @Inject
    private BundleContext context;
    @Inject
    private Refreshes refreshes;
    @Inject
    private Operations operations;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        OpsFixtures.build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void anUpdateAndRefreshRecordsTheRestartedSetAndTheWiringDiff() throws Exception {
        Bundle lib = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
        Bundle consumer = OpsFixtures.install(context, "ops-consumer.jar");
        lib.start();
        consumer.start();
        RefreshRecordDTO record;
        String id;
        try (Operation op = operations.begin("update", Operations.TRIGGER_API + "RefreshRecordIT", OpsFixtures.LIB)) {
            id = op.id();
            try (InputStream in = Files.newInputStream(Fixtures.path("ops-lib-1.1.0.jar"))) {
                lib.update(in);
            }
            record = refreshes.refresh(List.of(lib), 30_000);
        }
        assertEquals(id, record.operation);
        assertTrue(record.requested);
        assertEquals(lib.getBundleId(), record.triggers.get(0).id);
        assertTrue(record.failures.toString(), record.failures.isEmpty());

        RestartDTO c = restart(record, consumer);
        assertNotNull("the consumer was stopped: " + c, c.stopped);
        assertNotNull("and started again", c.started);
        assertTrue(c.stopMillis >= 0);
        assertEquals("ACTIVE", c.stateAfter);
        assertEquals("ACTIVE", restart(record, lib).stateAfter);

        WiringChangeDTO move = record.wiringChanges.stream().filter(w -> w.importer.id == consumer.getBundleId())
                .findFirst().orElseThrow(() -> new AssertionError("no wiring change of the consumer: " + record.wiringChanges));
        assertEquals(OpsFixtures.LIB_PACKAGE, move.name);
        assertEquals("1.0.0", move.fromVersion);
        assertEquals("1.1.0", move.toVersion);
        assertEquals("1.0.0", move.fromExporter.version);
        assertEquals("1.1.0", move.toExporter.version);
        assertEquals(lib.getBundleId(), move.toExporter.id);

        assertEquals("the old revision was still imported before the refresh: " + record.removalPending, 1,
                record.removalPending.size());
        assertEquals("1.0.0", record.removalPending.get(0).bundle.version);
        assertEquals(consumer.getBundleId(), record.removalPending.get(0).wiredBy.get(0).bundle.id);

        List<AuditEventDTO> journaled = journal.events(EventQuery.last(5).withOperation(id).withType("refresh.record"));
        assertEquals(1, journaled.size());
        List<?> retired = (List<?>) journaled.get(0).details.get("retired");
        boolean oldLib = false;
        boolean oldConsumer = false;
        for (Object o : retired) {
            Map<?, ?> r = (Map<?, ?>) o;
            Map<?, ?> b = (Map<?, ?>) r.get("bundle");
            long bid = ((Number) b.get("id")).longValue();
            oldLib |= bid == lib.getBundleId() && "1.0.0".equals(b.get("version")) && Boolean.TRUE.equals(r.get("classLoader"));
            oldConsumer |= bid == consumer.getBundleId() && Boolean.TRUE.equals(r.get("classLoader"));
        }
        assertTrue("the library's old revision went out of use, its loader captured before: " + retired, oldLib);
        assertTrue("the consumer's previous wiring too: " + retired, oldConsumer);
        List<AuditEventDTO> stops = journal.events(EventQuery.last(5).withBundle(Long.toString(consumer.getBundleId()))
                .withType("bundle.stopping"));
        assertEquals("the refresh's events on the framework's thread belong to the operation", id,
                stops.get(stops.size() - 1).operation);
        consumer.uninstall();
        lib.uninstall();
    }

    @Test
    public void anUninstallStillImportedLeavesARemovalPendingRevisionAndTheRefreshRecordsIt() throws Exception {
        Bundle lib2 = OpsFixtures.install(context, "ops-lib2.jar");
        Bundle consumer2 = OpsFixtures.install(context, "ops-consumer2.jar");
        lib2.start();
        consumer2.start(); // holds lib2's Greeting service
        long libId = lib2.getBundleId();
        String id;
        try (Operation op = operations.begin("uninstall", Operations.TRIGGER_API + "RefreshRecordIT", OpsFixtures.LIB2)) {
            id = op.id();
            lib2.uninstall();
        }
        FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        assertTrue("the framework keeps the revision for its importer",
                fw.getRemovalPendingBundles().stream().anyMatch(b -> b.getBundleId() == libId));

        AuditEventDTO rec = journal.events(EventQuery.last(5).withOperation(id).withType("uninstall.record")).get(0);
        assertEquals(Boolean.TRUE, rec.details.get("removalPending"));
        Map<?, ?> pending = (Map<?, ?>) ((List<?>) rec.details.get("revisions")).get(0);
        Map<?, ?> wiredBy = (Map<?, ?>) ((List<?>) pending.get("wiredBy")).get(0);
        assertEquals(consumer2.getBundleId(), ((Number) ((Map<?, ?>) wiredBy.get("bundle")).get("id")).longValue());
        assertEquals(OpsFixtures.LIB_PACKAGE, wiredBy.get("name"));
        Map<?, ?> inUse = (Map<?, ?>) ((List<?>) rec.details.get("servicesInUse")).get(0);
        assertEquals(List.of(OpsFixtures.LIB_PACKAGE + ".Greeting"), inUse.get("objectClass"));

        String json = gogoOk(processor, "audit:refresh --json");
        JsonObject record = JsonParser.parseString(json).getAsJsonObject();
        JsonArray removed = record.getAsJsonArray("removalPending");
        assertEquals(json, 1, removed.size());
        assertEquals(json, libId, removed.get(0).getAsJsonObject().getAsJsonObject("bundle").get("id").getAsLong());
        assertTrue(json, removed.get(0).getAsJsonObject().get("uninstalled").getAsBoolean());
        JsonArray failures = record.getAsJsonArray("failures");
        assertEquals(json, 1, failures.size());
        assertTrue(json, failures.get(0).getAsString().contains(OpsFixtures.CONSUMER2) && failures.get(0).getAsString()
                .contains("was ACTIVE and is INSTALLED now"));
        await("the removal-pending revision is gone", 5_000,
                () -> fw.getRemovalPendingBundles().stream().noneMatch(b -> b.getBundleId() == libId));
        String op = record.get("operation").getAsString();
        assertEquals("shell:audit:refresh", operations.find(op).trigger);
        assertEquals(Operation.FAILED, operations.find(op).outcome);
        consumer2.uninstall();
    }

    private static RestartDTO restart(RefreshRecordDTO record, Bundle b) {
        return record.restarted.stream().filter(r -> r.bundle.id == b.getBundleId()).findFirst()
                .orElseThrow(() -> new AssertionError(b.getSymbolicName() + " not restarted: " + record.restarted));
    }
}
