package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

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
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;

/**
 * Every lifecycle change belongs to an operation: one begun through the API carries the events made on its thread;
 * changes nobody announced get an implicit operation whose kind and trigger come from the events and the thread
 * (the test thread, a Gogo session, the framework's refresh thread); the journal ties each event to it, and
 * {@code audit:ops} / {@code audit:op} show it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OperationsIT {
    @Inject
    private BundleContext context;
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
    public void eventsOnTheThreadOfAnExplicitOperationCarryItsId() throws Exception {
        String id;
        Bundle lib;
        try (Operation op = operations.begin("install", Operations.TRIGGER_API + "OperationsIT", "ops-lib")) {
            id = op.id();
            assertTrue(id, id.startsWith("op-"));
            assertEquals(id, operations.current().id);
            lib = OpsFixtures.install(context, "ops-lib2.jar");
            lib.start();
            assertEquals("an open operation has no end yet", null, op.describe().end);
        }
        assertNull("closed: no operation on this thread", operations.current());
        journal.sync();
        List<String> types = journal.events(EventQuery.last(100).withOperation(id)).stream().map(e -> e.type)
                .collect(Collectors.toList());
        assertEquals("operation.started", types.get(0));
        assertEquals("operation.ended", types.get(types.size() - 1));
        assertTrue(types.toString(), types.containsAll(List.of("bundle.installed", "resolve.started", "bundle.resolved",
                "bundle.starting", "bundle.started", "service.registered")));
        OperationDTO done = operations.find(id);
        assertEquals(Operation.SUCCEEDED, done.outcome);
        assertFalse(done.implicit);
        assertTrue(done.bundles.stream().anyMatch(b -> b.id == lib.getBundleId()));
        AuditEventDTO ended = journal.events(EventQuery.last(1).withOperation(id).withType("operation.ended")).get(0);
        assertEquals("install", ended.details.get("kind"));
        assertEquals(Operation.SUCCEEDED, ended.details.get("outcome"));
        lib.uninstall();
    }

    @Test
    public void anOutcomeAndNestedOperationsAreRecorded() {
        String outer;
        String inner;
        try (Operation op = operations.begin("deploy", Operations.TRIGGER_DEPLOY + "x.jar", "x.jar")) {
            outer = op.id();
            try (Operation in = operations.begin("update", Operations.TRIGGER_DEPLOY + "x.jar", "x.jar")) {
                inner = in.id();
                assertEquals(inner, operations.current().id);
            }
            assertEquals(outer, operations.current().id);
            op.outcome(Operation.ROLLED_BACK, "the update did not start");
        }
        assertEquals(Operation.ROLLED_BACK, operations.find(outer).outcome);
        assertEquals("the update did not start", operations.find(outer).reason);
        AuditEventDTO innerStart = journal.events(EventQuery.last(1).withOperation(inner).withType("operation.started")).get(0);
        assertEquals("a nested operation names its parent", outer, innerStart.details.get("parent"));
        assertTrue("an id is the seq of its first event", innerStart.seq == Long.parseLong(inner.substring(3)));
    }

    @Test
    public void aChangeNobodyAnnouncedGetsAnImplicitOperationFromItsThread() throws Exception {
        await("no operation left open on this thread by an earlier test", 10_000, () -> operations.current() == null);
        Bundle lib = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
        String thread = Thread.currentThread().getName();
        lib.start();
        lib.stop();
        await("the implicit operation of this thread ends after its burst", 10_000, () -> implicitOn(thread, lib) != null
                && implicitOn(thread, lib).end != null);
        OperationDTO op = implicitOn(thread, lib);
        assertTrue(op.implicit);
        assertEquals("an install names the bundle that installed it", "api:" + context.getBundle().getSymbolicName(), op.trigger);
        assertEquals("the strongest event names it: install > stop > start", "install", op.kind);
        List<AuditEventDTO> events = journal.events(EventQuery.last(50).withBundle(Long.toString(lib.getBundleId())));
        for (AuditEventDTO e : events) {
            if (e.type.startsWith("bundle.")) {
                assertNotNull("every bundle event has an operation: " + e, e.operation);
            }
        }
        lib.uninstall();
    }

    @Test
    public void aThreadThatNeverPausesIsCutIntoImplicitOperationsOfAboutOneSecond() throws Exception {
        await("no operation left open on this thread by an earlier test", 10_000, () -> operations.current() == null);
        String thread = Thread.currentThread().getName();
        java.util.Set<Long> ids = new java.util.HashSet<>();
        long begin = System.nanoTime();
        // install/start/stop/uninstall without ever pausing for implicit.idle.ms (250 ms), for 2.6 s: implicit.max.ms
        // (1000 ms by default) cuts the thread's changes into several operations instead of one that never ends
        while (System.nanoTime() - begin < 2_600_000_000L) {
            Bundle b = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
            ids.add(b.getBundleId());
            b.start();
            b.stop();
            b.uninstall();
        }
        await("the last implicit operation of the loop ends", 10_000, () -> operations.recent(50).stream()
                .filter(o -> o.implicit && thread.equals(o.thread))
                .filter(o -> o.bundles.stream().anyMatch(b -> ids.contains(b.id)))
                .allMatch(o -> o.end != null));
        List<OperationDTO> ops = operations.recent(50).stream()
                .filter(o -> o.implicit && thread.equals(o.thread))
                .filter(o -> o.bundles.stream().anyMatch(b -> ids.contains(b.id)))
                .collect(Collectors.toList());
        assertTrue("2.6 s of changes make at least 3 operations, not one: " + ops.size(), ops.size() >= 3);
        java.util.Set<Long> covered = new java.util.HashSet<>();
        for (OperationDTO o : ops) {
            long millis = java.time.Duration.between(java.time.Instant.parse(o.start), java.time.Instant.parse(o.end)).toMillis();
            assertTrue(o.id + " lasted " + millis + " ms: it ends at the first change after 1000 ms", millis < 1_800);
            o.bundles.forEach(b -> covered.add(b.id));
        }
        assertTrue("every bundle of the loop is in one of them", covered.containsAll(ids));
        for (AuditEventDTO e : journal.events(EventQuery.last(2_000).withType("bundle."))) {
            if (ids.contains(e.bundle.id)) {
                assertNotNull("every bundle event of the loop has an operation: " + e, e.operation);
            }
        }
    }

    @Test
    public void aGogoCommandIsAShellTriggeredOperation() throws Exception {
        Bundle consumer = OpsFixtures.install(context, "ops-requirer.jar");
        Bundle lib = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
        lib.start();
        consumer.start();
        await("earlier implicit operations ended", 10_000, () -> operations.recent(5).stream().allMatch(o -> o.end != null));
        gogoOk(processor, "($.context getBundle " + consumer.getBundleId() + ") stop");
        await("the stop's operation ended", 10_000, () -> lastFor(consumer) != null && lastFor(consumer).end != null);
        OperationDTO op = lastFor(consumer);
        assertEquals("stop", op.kind);
        assertEquals("Gogo names the thread after the statement", "shell:($.context getBundle " + consumer.getBundleId() + ") stop",
                op.trigger);
        assertTrue(op.implicit);

        String json = gogoOk(processor, "audit:ops -n 50 --json");
        JsonArray ops = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("operations");
        boolean found = false;
        for (int i = 0; i < ops.size(); i++) {
            JsonObject o = ops.get(i).getAsJsonObject();
            found |= o.get("id").getAsString().equals(op.id) && o.get("trigger").getAsString().equals(op.trigger);
        }
        assertTrue(json, found);
        String table = gogoOk(processor, "audit:ops -n 5");
        assertTrue(table, table.startsWith("ID"));
        String one = gogoOk(processor, "audit:op " + op.id);
        assertTrue(one, one.contains("bundle.stopping") && one.contains(op.trigger));
        consumer.uninstall();
        lib.uninstall();
    }

    @Test
    public void aRefreshNobodyRequestedThroughTheAuditIsRecordedToo() throws Exception {
        Bundle lib = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
        Bundle consumer = OpsFixtures.install(context, "ops-consumer.jar");
        lib.start();
        consumer.start();
        FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        fw.refreshBundles(List.of(lib), e -> done.countDown());
        assertTrue(done.await(30, TimeUnit.SECONDS));
        await("the implicit refresh is recorded", 10_000, () -> !records(consumer).isEmpty());
        AuditEventDTO record = records(consumer).get(records(consumer).size() - 1);
        assertEquals(false, record.details.get("requested"));
        OperationDTO op = operations.find(record.operation);
        assertEquals("refresh", op.kind);
        assertEquals("framework", op.trigger);
        assertTrue(op.implicit);
        assertEquals("FelixFrameworkWiring", op.thread);
        List<AuditEventDTO> stops = journal.events(EventQuery.last(5).withBundle(Long.toString(consumer.getBundleId()))
                .withType("bundle.stopping"));
        assertEquals("the consumer's stop belongs to the refresh", record.operation, stops.get(stops.size() - 1).operation);
        consumer.uninstall();
        lib.uninstall();
    }

    /**
     * Gogo's {@code update} of an active bundle whose new activator throws, then to a revision that does not resolve:
     * each implicit operation ends {@code failed}, naming the bundle, the state it is left in and why, so that
     * {@code audit:ops --json} filtered on {@code outcome != "succeeded"} finds them.
     */
    @Test
    public void aGogoUpdateWhoseBundleDoesNotComeBackEndsFailed() throws Exception {
        Bundle flaky = OpsFixtures.install(context, "ops-flaky-1.0.0.jar");
        flaky.start();
        await("earlier implicit operations ended", 10_000, () -> operations.recent(5).stream().allMatch(o -> o.end != null));

        gogo(processor, "update " + flaky.getBundleId() + " " + Fixtures.path("ops-flaky-2.0.0-throws.jar").toUri());
        OperationDTO threw = endedUpdateOf(flaky);
        assertEquals(threw.reason, Operation.FAILED, threw.outcome);
        assertTrue(threw.reason + "\n" + journal.events(EventQuery.last(40).withOperation(threw.id)).stream()
                .map(e -> e.type + " " + (e.bundle == null ? "" : e.bundle.display())).collect(Collectors.joining("\n")),
                threw.reason.contains(OpsFixtures.FLAKY + "/2.0.0 [" + flaky.getBundleId()
                + "] (updated from " + OpsFixtures.FLAKY + "/1.0.0) was ACTIVE and is RESOLVED now: its activator's start threw"));
        AuditEventDTO ended = journal.events(EventQuery.last(1).withOperation(threw.id).withType("operation.ended")).get(0);
        assertEquals(ended.details.toString(), 1, ((List<?>) ended.details.get("failures")).size());

        try (java.io.InputStream in = java.nio.file.Files.newInputStream(Fixtures.path("ops-flaky-1.0.0.jar"))) {
            flaky.update(in);
        }
        flaky.start();
        await("the test thread's operation ended", 10_000, () -> operations.recent(5).stream().allMatch(o -> o.end != null));
        gogo(processor, "update " + flaky.getBundleId() + " " + Fixtures.path("ops-flaky-3.0.0-unresolvable.jar").toUri());
        OperationDTO unresolved = endedUpdateOf(flaky);
        assertEquals(unresolved.reason, Operation.FAILED, unresolved.outcome);
        assertTrue(unresolved.reason, unresolved.reason.contains("was ACTIVE and is INSTALLED now: it does not resolve"));

        JsonArray ops = JsonParser.parseString(gogoOk(processor, "audit:ops -n 50 --json")).getAsJsonObject()
                .getAsJsonArray("operations");
        List<String> notSucceeded = new java.util.ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            JsonObject o = ops.get(i).getAsJsonObject();
            if (!"succeeded".equals(o.get("outcome").getAsString())) {
                notSucceeded.add(o.get("id").getAsString());
            }
        }
        assertTrue(notSucceeded.toString(), notSucceeded.containsAll(List.of(threw.id, unresolved.id)));
        flaky.uninstall();
    }

    /** @return the newest operation of the bundle once it ended, an {@code update} made by Gogo */
    private OperationDTO endedUpdateOf(Bundle bundle) throws InterruptedException {
        await("the update's operation ended", 10_000, () -> lastFor(bundle) != null && lastFor(bundle).end != null
                && "update".equals(lastFor(bundle).kind) && lastFor(bundle).trigger.startsWith("shell:update"),
                () -> String.valueOf(lastFor(bundle)));
        return lastFor(bundle);
    }

    private List<AuditEventDTO> records(Bundle restarted) {
        return journal.events(EventQuery.last(20).withType("refresh.record")).stream()
                .filter(e -> String.valueOf(e.details.get("restarted")).contains("\"id\":" + restarted.getBundleId())
                        || String.valueOf(e.details.get("restarted")).contains("id=" + restarted.getBundleId() + ","))
                .collect(Collectors.toList());
    }

    private OperationDTO implicitOn(String thread, Bundle bundle) {
        List<OperationDTO> recent = operations.recent(50);
        for (int i = recent.size() - 1; i >= 0; i--) {
            OperationDTO o = recent.get(i);
            if (o.implicit && thread.equals(o.thread) && o.bundles.stream().anyMatch(b -> b.id == bundle.getBundleId())) {
                return o;
            }
        }
        return null;
    }

    private OperationDTO lastFor(Bundle bundle) {
        List<OperationDTO> recent = operations.recent(50);
        for (int i = recent.size() - 1; i >= 0; i--) {
            if (recent.get(i).bundles.stream().anyMatch(b -> b.id == bundle.getBundleId())) {
                return recent.get(i);
            }
        }
        return null;
    }
}
