package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.deployEntry;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.isActive;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.itests.fixtures.deploy.blocking.Activator;

/**
 * An activator that does not return from start() no longer holds up the deploy folder: with start.timeout.ms at 1 s,
 * the transaction ends with the file marked stuck (the activator's frames in NAME.jar.failed and in
 * deploy.start-stuck), other files are deployed meanwhile, a change that would have to touch the stuck bundle waits,
 * and when the start returns the transaction is finished: deployed, or rolled back when the start threw; the deploy
 * bundle's stop interrupts and joins the start threads, and its next start finishes the transaction. A refresh that
 * does not end (refresh.timeout.ms at 3 s) is not followed by a rollback that would wait for it.
 * The fixture's activator (and the refresh) wait on latches this test counts down: no sleeps, no timing assertions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployStartTimeoutIT {
    private static final long WAIT = 20_000;
    private static final long LIMIT = 1000;
    private static final long REFRESH_LIMIT = 3000;
    private static final String NEW = "dev.revisor.itests.blocking";
    private static final String UPD = "dev.revisor.itests.blockupd";
    private static final String KEEP = "dev.revisor.itests.blockkeep";
    private static final String AGAIN = "dev.revisor.itests.blockagain";
    private static final String SHELL = "dev.revisor.itests.blockshell";

    @Inject
    private BundleContext context;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;
    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private Refreshes refreshes;

    @org.ops4j.pax.exam.Configuration
    public Option[] config() {
        String blocking = Activator.class.getPackageName();
        String good = dev.revisor.itests.fixtures.deploy.good.Activator.class.getPackageName();
        Fixtures.jar("blocking-new.jar").symbolicName(NEW).version("1.0.0").privatePackages(blocking).activator(Activator.class).build();
        Fixtures.jar("blockagain.jar").symbolicName(AGAIN).version("1.0.0").privatePackages(blocking).activator(Activator.class).build();
        Fixtures.jar("blockshell.jar").symbolicName(SHELL).version("1.0.0").privatePackages(blocking).activator(Activator.class).build();
        Fixtures.jar("after-1.0.0.jar").symbolicName("dev.revisor.itests.after").version("1.0.0").privatePackages(good)
                .activator(dev.revisor.itests.fixtures.deploy.good.Activator.class).build();
        DeploySupport.gateBundle("rt-gate-1.0.0.jar", "1.0.0", "1.0.0", true, false);
        DeploySupport.gateBundle("rt-gate-1.1.0.jar", "1.1.0", "1.1.0", true, true);
        DeploySupport.gateBundle("rt-gate-1.2.0.jar", "1.2.0", "1.2.0", true, true);
        DeploySupport.consumerBundle("rt-consumer.jar", "dev.revisor.itests.rtconsumer", "dev.revisor.itests.deploy.rtconsumer");
        for (String bsn : List.of(UPD, KEEP)) {
            String file = bsn.substring(bsn.lastIndexOf('.') + 1);
            Fixtures.jar(file + "-1.0.0.jar").symbolicName(bsn).version("1.0.0").privatePackages(good)
                    .activator(dev.revisor.itests.fixtures.deploy.good.Activator.class).build();
            Fixtures.jar(file + "-2.0.0-blocks.jar").symbolicName(bsn).version("2.0.0").privatePackages(blocking)
                    .activator(Activator.class).build();
            Fixtures.jar(file + "-3.0.0.jar").symbolicName(bsn).version("3.0.0").privatePackages(good)
                    .activator(dev.revisor.itests.fixtures.deploy.good.Activator.class).build();
        }
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Before
    public void startTimeoutOfOneSecond() throws Exception {
        String filter = "(&(start.timeout.ms=" + LIMIT + ")(refresh.timeout.ms=" + REFRESH_LIMIT + "))";
        if (!context.getServiceReferences(DeployFolder.class, filter).isEmpty()) {
            return;
        }
        Configuration c = configAdmin.getConfiguration("dev.revisor.deploy", null);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("start.timeout.ms", LIMIT);
        props.put("refresh.timeout.ms", REFRESH_LIMIT);
        c.update(props);
        await("the deploy folder runs with " + filter, WAIT, () -> {
            try {
                return !context.getServiceReferences(DeployFolder.class, filter).isEmpty();
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    public void aNewBundleWhoseActivatorBlocksIsMarkedStuckAndTheFolderGoesOn() throws Exception {
        Path deploy = deployDir(context);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistration<?> e = latch(NEW + ".entered", entered, null);
        ServiceRegistration<?> r = latch(NEW, release, null);
        Bundle blocking = null;
        try {
            dropInto(deploy, Fixtures.path("blocking-new.jar"), "blocking.jar");
            assertTrue("the activator runs", entered.await(WAIT, TimeUnit.MILLISECONDS));
            String failed = awaitMarker(deploy, "blocking.jar", ".failed", WAIT);
            assertTrue(failed, failed.contains("the activator of " + NEW + "/1.0.0") && failed.contains("has not returned after 1 s"));
            assertTrue("names where it is stuck: " + failed, failed.contains("is stuck at")
                    && failed.contains("CountDownLatch.await") && failed.contains(Activator.class.getName() + ".start"));
            assertTrue("says what happens when it returns: " + failed, failed.contains("When the activator returns"));
            blocking = bundleNamed(context, NEW);
            assertEquals("the start still runs", Bundle.STARTING, blocking.getState());
            await("audit:deploys lists blocking.jar as stuck", WAIT, () -> "stuck".equals(deployField(processor, "blocking.jar", "state")));
            assertEquals("failed", deployField(processor, "blocking.jar", "outcome"));

            AuditEventDTO stuck = last(blocking, "deploy.start-stuck");
            assertNotNull("deploy.start-stuck journaled", stuck);
            assertEquals("blocking.jar", stuck.details.get("file"));
            assertEquals(LIMIT, ((Number) stuck.details.get("limitMs")).longValue());
            assertTrue(stuck.details.toString(), String.valueOf(stuck.details.get("thread")).startsWith("revisor-deploy-start-"));
            assertTrue("the whole stack: " + stuck.details, String.valueOf(stuck.details.get("stack")).contains(Activator.class.getName() + ".start"));
            assertEquals(stuck.operation, deployField(processor, "blocking.jar", "operation"));

            // the deploy folder goes on with other files meanwhile
            dropInto(deploy, Fixtures.path("after-1.0.0.jar"), "after.jar");
            await("another jar is deployed while the start is stuck", WAIT, () -> "deployed".equals(deployField(processor, "after.jar", "state")));
            assertEquals(Bundle.ACTIVE, bundleNamed(context, "dev.revisor.itests.after").getState());
            assertEquals(Bundle.STARTING, blocking.getState());
        } finally {
            release.countDown();
        }
        Bundle b = blocking;
        await("when the start returns, blocking.jar is deployed and its marker removed", WAIT,
                () -> "deployed".equals(deployField(processor, "blocking.jar", "state")) && !Files.exists(deploy.resolve("blocking.jar.failed")));
        assertEquals(Bundle.ACTIVE, b.getState());
        AuditEventDTO returned = last(b, "deploy.start-returned");
        assertNotNull("deploy.start-returned journaled", returned);
        assertEquals("started", returned.details.get("outcome"));
        await("no start thread is left", WAIT, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("revisor-deploy-start-")));
        e.unregister();
        r.unregister();
    }

    @Test
    public void anUpdateWhoseActivatorBlocksAndThenThrowsIsRolledBackWhenItReturns() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("blockupd-1.0.0.jar"), "blockupd.jar");
        await("1.0.0 active", WAIT, () -> isActive(context, UPD));
        Bundle upd = bundleNamed(context, UPD);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistration<?> e = latch(UPD + ".entered", entered, null);
        ServiceRegistration<?> r = latch(UPD, release, "throw");
        try {
            dropInto(deploy, Fixtures.path("blockupd-2.0.0-blocks.jar"), "blockupd.jar");
            assertTrue("the new version's activator runs", entered.await(WAIT, TimeUnit.MILLISECONDS));
            await("blockupd.jar stuck", WAIT, () -> "stuck".equals(deployField(processor, "blockupd.jar", "state")));
            String failed = Files.readString(deploy.resolve("blockupd.jar.failed"));
            assertTrue(failed, failed.contains("has not returned after 1 s") && failed.contains("runs the new bytes")
                    && failed.contains("rolls back to the previous bytes otherwise"));
            assertEquals("no rollback while the start holds the bundle's lock", new Version(2, 0, 0), upd.getVersion());
            assertEquals(Bundle.STARTING, upd.getState());
        } finally {
            release.countDown();
        }
        await("rolled back once the start has thrown", WAIT, () -> "rolled-back".equals(deployField(processor, "blockupd.jar", "state")));
        assertEquals("the previous bytes run again", new Version(1, 0, 0), upd.getVersion());
        assertEquals(Bundle.ACTIVE, upd.getState());
        String failed = Files.readString(deploy.resolve("blockupd.jar.failed"));
        assertTrue("names the exception the late start threw: " + failed, failed.contains(Activator.MESSAGE));
        AuditEventDTO returned = last(upd, "deploy.start-returned");
        assertEquals("failed", returned.details.get("outcome"));
        assertEquals(IllegalStateException.class.getName(), returned.details.get("exception"));
        assertEquals(Activator.MESSAGE, returned.details.get("message"));
        assertEquals(java.io.IOException.class.getName(), returned.details.get("rootCauseClass"));
        assertEquals(Activator.ROOT_MESSAGE, returned.details.get("rootCauseMessage"));
        AuditEventDTO rolledBack = last(upd, "deploy.rolled-back");
        assertNotNull("deploy.rolled-back journaled", rolledBack);
        assertEquals("with the new version's exception", Activator.MESSAGE, rolledBack.details.get("message"));
        assertEquals(java.io.IOException.class.getName(), rolledBack.details.get("rootCauseClass"));
        e.unregister();
        r.unregister();
    }

    @Test
    public void aChangeOfTheStuckFileWaitsAndIsAppliedAfterTheUpdateIsKept() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("blockkeep-1.0.0.jar"), "blockkeep.jar");
        await("1.0.0 active", WAIT, () -> isActive(context, KEEP));
        Bundle keep = bundleNamed(context, KEEP);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistration<?> e = latch(KEEP + ".entered", entered, null);
        ServiceRegistration<?> r = latch(KEEP, release, null);
        try {
            dropInto(deploy, Fixtures.path("blockkeep-2.0.0-blocks.jar"), "blockkeep.jar");
            assertTrue(entered.await(WAIT, TimeUnit.MILLISECONDS));
            await("blockkeep.jar stuck", WAIT, () -> "stuck".equals(deployField(processor, "blockkeep.jar", "state")));

            // a further change of the same file must not stop or update the bundle while its start runs: it waits
            dropInto(deploy, Fixtures.path("blockkeep-3.0.0.jar"), "blockkeep.jar");
            await("the change is deferred", WAIT, () -> last(keep, "deploy.deferred") != null);
            AuditEventDTO deferred = last(keep, "deploy.deferred");
            assertEquals("blockkeep.jar", deferred.details.get("file"));
            assertTrue(deferred.details.toString(), String.valueOf(deferred.details.get("waitsFor")).contains(KEEP + "/2.0.0"));
            assertEquals(new Version(2, 0, 0), keep.getVersion());
            assertEquals(Bundle.STARTING, keep.getState());
        } finally {
            release.countDown();
        }
        await("the waiting change is applied once the start has returned", WAIT,
                () -> keep.getVersion().equals(new Version(3, 0, 0)) && keep.getState() == Bundle.ACTIVE
                        && "deployed".equals(deployField(processor, "blockkeep.jar", "state")));
        assertEquals("one bundle all along", keep.getBundleId(), bundleNamed(context, KEEP).getBundleId());
        List<AuditEventDTO> ended = journal.events(EventQuery.last(300).withType("operation.ended"));
        assertTrue("2.0.0 was kept when its start returned, before 3.0.0 came: " + ended, ended.stream()
                .anyMatch(o -> "blockkeep.jar".equals(o.details.get("subject")) && "succeeded".equals(o.details.get("outcome"))
                        && String.valueOf(o.details.get("reason")).contains("every bundle of its plan is active")));
        assertTrue(gogoOk(processor, "audit:deploys"), gogoOk(processor, "audit:deploys").contains("blockkeep.jar"));
        e.unregister();
        r.unregister();
    }

    @Test
    public void stoppingTheDeployBundleStopsTheStartThreadsAndTheStuckStartIsTriedAgainWhenItIsBack() throws Exception {
        Path deploy = deployDir(context);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistration<?> e = latch(AGAIN + ".entered", entered, null);
        ServiceRegistration<?> r = latch(AGAIN, release, null);
        Bundle again;
        try {
            dropInto(deploy, Fixtures.path("blockagain.jar"), "blockagain.jar");
            assertTrue(entered.await(WAIT, TimeUnit.MILLISECONDS));
            await("blockagain.jar stuck", WAIT, () -> "stuck".equals(deployField(processor, "blockagain.jar", "state")));
            again = bundleNamed(context, AGAIN);

            Bundle deployBundle = bundleNamed(context, "dev.revisor.deploy");
            deployBundle.stop();
            assertEquals("the start threads were interrupted and joined when the deploy folder stopped", 0,
                    Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("revisor-deploy-start-")).count());
            assertEquals("the interrupted activator threw: not active", Bundle.RESOLVED, again.getState());

            e.unregister();
            CountDownLatch enteredAgain = new CountDownLatch(1);
            e = latch(AGAIN + ".entered", enteredAgain, null);
            deployBundle.start();
            assertTrue("back, Revisor starts it again", enteredAgain.await(WAIT, TimeUnit.MILLISECONDS));
            Bundle stuckAgain = again;
            await("stuck again, and journaled again", WAIT, () -> journal.events(EventQuery.last(10)
                    .withBundle(Long.toString(stuckAgain.getBundleId())).withType("deploy.start-stuck")).size() == 2);
            await("audit:deploys says so", WAIT, () -> "stuck".equals(deployField(processor, "blockagain.jar", "state")));
            assertTrue(deployField(processor, "blockagain.jar", "reason"), deployField(processor, "blockagain.jar", "reason").contains("Revisor started it again"));
        } finally {
            release.countDown();
        }
        Bundle b = again;
        await("deployed once the start returns", WAIT, () -> "deployed".equals(deployField(processor, "blockagain.jar", "state")));
        assertEquals(Bundle.ACTIVE, b.getState());
        e.unregister();
        r.unregister();
    }

    @Test
    public void aRefreshThatDoesNotEndIsNotFollowedByARollbackThatWouldWaitForIt() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("rt-gate-1.0.0.jar"), "rtgate.jar");
        await("gate active", WAIT, () -> isActive(context, "dev.revisor.itests.gate"));
        dropInto(deploy, Fixtures.path("rt-consumer.jar"), "rtconsumer.jar");
        await("consumer active", WAIT, () -> isActive(context, "dev.revisor.itests.rtconsumer"));
        Bundle gate = bundleNamed(context, "dev.revisor.itests.gate");
        Bundle consumer = bundleNamed(context, "dev.revisor.itests.rtconsumer");
        // also loads what the checks below need: the probe's dynamic imports wait for the held refresh's lock
        assertEquals("deployed", deployField(processor, "rtconsumer.jar", "state"));
        recorded();
        // the framework's refresh thread is held inside the refresh, where it unresolves the consumer
        CountDownLatch inRefresh = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        SynchronousBundleListener holder = event -> {
            if (event.getType() == BundleEvent.UNRESOLVED && event.getBundle().getBundleId() == consumer.getBundleId()
                    && "FelixFrameworkWiring".equals(Thread.currentThread().getName())) {
                inRefresh.countDown();
                try {
                    letGo.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        context.addBundleListener(holder);
        try {
            dropInto(deploy, Fixtures.path("rt-gate-1.1.0.jar"), "rtgate.jar");
            assertTrue("the refresh runs and is held", inRefresh.await(WAIT, TimeUnit.MILLISECONDS));
            await("rtgate.jar failed once refresh.timeout.ms has passed", WAIT, () -> "failed".equals(deployField(processor, "rtgate.jar", "state")),
                    this::recorded);
            String failed = Files.readString(deploy.resolve("rtgate.jar.failed"));
            assertTrue(failed, failed.contains("the refresh did not end within 3 s") && failed.contains("Revisor did not roll back"));
            assertTrue("says where the refresh thread is: " + failed, failed.contains("the framework's refresh thread is at")
                    && failed.contains(DeployStartTimeoutIT.class.getName()));
            assertTrue("names what to start by hand: " + failed, failed.contains("start " + gate.getBundleId() + " " + consumer.getBundleId()));
            assertEquals("not rolled back", new Version(1, 1, 0), gate.getVersion());
            assertTrue("the audit knows the refresh goes on", refreshes.refreshing());
            assertTrue("nothing was started meanwhile: the start would wait for the refresh's lock",
                    consumer.getState() != Bundle.ACTIVE && consumer.getState() != Bundle.STARTING);
            AuditEventDTO rollbackFailed = last(gate, "deploy.rollback-failed");
            assertTrue(String.valueOf(rollbackFailed), String.valueOf(rollbackFailed.details.get("rollbackFailures")).contains("no rollback"));
        } finally {
            letGo.countDown();
            context.removeBundleListener(holder);
        }
        // once the refresh has ended, what the marker says works
        await("the refresh has ended", WAIT, () -> !refreshes.refreshing() && consumer.getState() != Bundle.ACTIVE && consumer.getState() != Bundle.STOPPING
                && last(consumer, "bundle.unresolved") != null && journal.events(EventQuery.last(1).withType("framework.packages_refreshed"))
                        .stream().anyMatch(ev -> ev.seq > last(consumer, "bundle.unresolved").seq), this::recorded);
        gogoOk(processor, "start " + gate.getBundleId() + " " + consumer.getBundleId());
        dropInto(deploy, Fixtures.path("rt-gate-1.2.0.jar"), "rtgate.jar");
        await("a fixed jar is applied as an update", WAIT, () -> gate.getVersion().equals(new Version(1, 2, 0))
                && "deployed".equals(deployField(processor, "rtgate.jar", "state")) && consumer.getState() == Bundle.ACTIVE);
    }

    @Test
    public void aShellStartWhoseActivatorThrowsIsRecordedFailedByTheSweep() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("blockshell.jar"), "blockshell.jar");
        await("deployed and active", WAIT, () -> isActive(context, SHELL) && "deployed".equals(deployField(processor, "blockshell.jar", "state")));
        Bundle b = bundleNamed(context, SHELL);
        gogoOk(processor, "stop " + b.getBundleId());
        // from now on its start() returns at once and throws: the shell's start fails, the bundle stays RESOLVED
        ServiceRegistration<?> r = latch(SHELL, new CountDownLatch(0), "throw");
        try {
            RevisorTestSupport.gogo(processor, "start " + b.getBundleId());
            assertEquals(Bundle.RESOLVED, b.getState());

            await("the sweep records what runs", WAIT, () -> "failed".equals(deployField(processor, "blockshell.jar", "state")), this::recorded);
            String reason = deployField(processor, "blockshell.jar", "reason");
            assertTrue(reason, reason.contains("had stopped outside Revisor") && reason.contains(Activator.ROOT_MESSAGE));
            assertTrue("the marker says so beside the file", Files.readString(deploy.resolve("blockshell.jar.failed"))
                    .contains(Activator.ROOT_MESSAGE));
            assertEquals(Bundle.RESOLVED, b.getState());
        } finally {
            r.unregister();
        }
    }

    @Test
    public void reconfiguringTheDeployFolderPutsNoneOfRevisorInItsOwnLeakReport() throws Exception {
        // the configuration of @Before re-activated the deploy component: its services went while FileInstall held
        // them, which queues a check of their provider; the provider runs on, and its threads are its own
        long deploy = bundleNamed(context, "dev.revisor.deploy").getBundleId();
        long went = journal.events(EventQuery.last(1).withBundle(Long.toString(deploy)).withType("service.unregistering"))
                .stream().mapToLong(ev -> ev.seq).max().orElseThrow(() -> new AssertionError("the component was never re-activated"));
        await("a leak check after that", WAIT, () -> journal.events(EventQuery.last(1).withType("leak.checked"))
                .stream().anyMatch(ev -> ev.seq > went), this::recorded);
        List<AuditEventDTO> own = journal.events(EventQuery.last(1000).withType("leak.found")).stream()
                .filter(ev -> ev.bundle != null && ev.bundle.symbolicName.startsWith("dev.revisor.")).toList();
        assertTrue("Revisor found in its own leak report: " + own, own.isEmpty());
    }

    // ---- helpers

    /** @return what the runtime recorded: the deploy folder's entries and the newest journal events */
    private String recorded() {
        StringBuilder sb = new StringBuilder(gogoOk(processor, "audit:deploys --json")).append(gogoOk(processor, "audit:leaks --json"));
        for (AuditEventDTO ev : journal.events(EventQuery.last(60))) {
            sb.append("\n").append(ev.seq).append(' ').append(ev.type).append(' ').append(ev.bundle == null ? "" : ev.bundle.display()).append(' ').append(ev.details);
        }
        return sb.toString();
    }

    private ServiceRegistration<?> latch(String name, CountDownLatch latch, String then) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Activator.LATCH, name);
        if (then != null) {
            props.put(Activator.THEN, then);
        }
        return context.registerService(CountDownLatch.class, latch, props);
    }

    /** @return the bundle's newest event of this type, or {@code null} */
    private AuditEventDTO last(Bundle b, String type) {
        List<AuditEventDTO> events = journal.events(EventQuery.last(1).withBundle(Long.toString(b.getBundleId())).withType(type));
        return events.isEmpty() ? null : events.get(events.size() - 1);
    }



}
