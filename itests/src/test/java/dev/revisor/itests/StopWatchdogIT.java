package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

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
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Stops;
import dev.revisor.itests.fixtures.ops.hang.HangingActivator;
import dev.revisor.itests.fixtures.ops.hangds.HangingComponent;

/**
 * The stop watchdog: a bundle whose activator stop blocks on a lock, and one whose DS component's deactivation
 * blocks, are reported as {@code stop.hung} once the limit (1 s here) has passed, with the stopping thread's stack
 * and the lock and its owner; the shell keeps answering meanwhile; when the stop ends, {@code stop.ended} records how
 * long it took.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StopWatchdogIT {
    private static final long LIMIT = 1000;

    @Inject
    private BundleContext context;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;
    @Inject
    private ConfigurationAdmin configAdmin;

    @org.ops4j.pax.exam.Configuration
    public Option[] config() {
        OpsFixtures.build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Before
    public void limitOfOneSecond() throws Exception {
        Configuration c = configAdmin.getConfiguration("dev.revisor.audit.watchdog", null);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("stop.limit.ms", LIMIT);
        props.put("check.interval.ms", 100L);
        c.update(props);
        await("the watchdog runs with the 1 s limit", 10_000, () -> {
            ServiceReference<Stops> ref = context.getServiceReference(Stops.class);
            Stops stops = ref == null ? null : context.getService(ref);
            return stops != null && stops.limitMillis() == LIMIT;
        });
    }

    @Test
    public void aHangingActivatorStopIsReportedWhileTheShellAnswers() throws Exception {
        Bundle hang = OpsFixtures.install(context, "ops-hang.jar");
        hang.start();
        Thread stopper = stopInBackground(hang, "itest-stopper");
        try {
            AuditEventDTO hung = awaitHung(hang);
            assertEquals("itest-stopper", hung.details.get("thread"));
            assertEquals("BLOCKED", hung.details.get("threadState"));
            assertTrue(hung.details.toString(), String.valueOf(hung.details.get("lockOwner")).contains("fixture-lock-holder"));
            assertTrue(hung.details.toString(), String.valueOf(hung.details.get("stack")).contains(HangingActivator.class.getName() + ".stop"));
            assertTrue(((Number) hung.details.get("elapsedMs")).longValue() >= LIMIT);

            // meanwhile the shell answers, and shows the stop
            String json = gogoOk(processor, "audit:stops --json");
            JsonArray stops = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("stops");
            JsonObject s = stops.get(0).getAsJsonObject();
            assertEquals(json, hang.getBundleId(), s.getAsJsonObject("bundle").get("id").getAsLong());
            assertTrue(json, s.get("hung").getAsBoolean());
            assertTrue(gogoOk(processor, "audit:stops"), gogoOk(processor, "audit:stops").contains("HUNG"));
            assertTrue(gogoOk(processor, "audit:events -n 3").startsWith("SEQ"));
            assertTrue(gogoOk(processor, "lb").contains(OpsFixtures.HANG));
        } finally {
            System.setProperty(HangingActivator.RELEASE, "true");
        }
        stopper.join(10_000);
        AuditEventDTO ended = awaitEnded(hang);
        assertTrue(((Number) ended.details.get("durationMs")).longValue() >= LIMIT);
        assertEquals("stopped", ended.details.get("how"));
        // audit:stops points here: --type with a trailing dot is the family, stop.hung and stop.ended
        String family = gogoOk(processor, "audit:events --type stop. --bundle " + hang.getBundleId() + " --json");
        assertTrue(family, family.contains("\"stop.hung\"") && family.contains("\"stop.ended\""));
        assertTrue(gogoOk(processor, "audit:stops").startsWith("no bundle is stopping"));
        hang.uninstall();
    }

    @Test
    public void aHangingDsDeactivationIsReportedToo() throws Exception {
        Bundle hangds = OpsFixtures.install(context, "ops-hangds.jar");
        hangds.start();
        await("the component is active", 10_000, () -> hangds.getRegisteredServices() != null);
        Thread stopper = stopInBackground(hangds, "itest-ds-stopper");
        try {
            AuditEventDTO hung = awaitHung(hangds);
            String stack = String.valueOf(hung.details.get("stack"));
            assertTrue(stack, stack.contains(HangingComponent.class.getName() + ".deactivate"));
            assertTrue("SCR deactivates on the stopping thread: " + stack, stack.contains("org.apache.felix.scr"));
            assertEquals("itest-ds-stopper", hung.details.get("thread"));
        } finally {
            System.setProperty(HangingComponent.RELEASE, "true");
        }
        stopper.join(10_000);
        awaitEnded(hangds);
        hangds.uninstall();
    }

    private Thread stopInBackground(Bundle b, String name) {
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                b.stop();
            } catch (Exception e) {
                failed.set(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private AuditEventDTO awaitHung(Bundle b) throws InterruptedException {
        AtomicReference<AuditEventDTO> found = new AtomicReference<>();
        await("stop.hung for " + b.getSymbolicName(), LIMIT + 10_000, () -> {
            List<AuditEventDTO> e = journal.events(EventQuery.last(1).withBundle(Long.toString(b.getBundleId())).withType("stop.hung"));
            found.set(e.isEmpty() ? null : e.get(0));
            return !e.isEmpty();
        });
        return found.get();
    }

    private AuditEventDTO awaitEnded(Bundle b) throws InterruptedException {
        AtomicReference<AuditEventDTO> found = new AtomicReference<>();
        await("stop.ended for " + b.getSymbolicName(), 10_000, () -> {
            List<AuditEventDTO> e = journal.events(EventQuery.last(1).withBundle(Long.toString(b.getBundleId())).withType("stop.ended"));
            found.set(e.isEmpty() ? null : e.get(0));
            return !e.isEmpty();
        });
        return found.get();
    }
}
