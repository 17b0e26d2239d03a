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
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
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
import org.osgi.framework.Version;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.itests.fixtures.deploy.good.Activator;

/**
 * The deploy folder as a transaction: a new jar is installed and started; an update that breaks its importers' API
 * is refused by the gate, a compatible one applied; an update whose activator throws, or that leaves dependents
 * unresolved, is rolled back to the previous bytes; a new bundle waits (.pending) for its imports or stays installed
 * (.failed) when its activator throws; removal uninstalls; a slow overwrite in place is one update.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployTransactionIT {
    private static final long WAIT = 20_000;

    @Inject
    private BundleContext context;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        String good = Activator.class.getPackageName();
        String throwing = dev.revisor.itests.fixtures.deploy.throwing.Activator.class.getPackageName();
        Fixtures.jar("plain-1.0.0.jar").symbolicName("dev.revisor.itests.plain").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("svc-1.0.0.jar").symbolicName("dev.revisor.itests.svc").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("svc-2.0.0-throws.jar").symbolicName("dev.revisor.itests.svc").version("2.0.0")
                .privatePackages(throwing).activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("broken-start.jar").symbolicName("dev.revisor.itests.brokenstart").version("1.0.0")
                .privatePackages(throwing).activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("legacy-1.0.0.jar").symbolicName("dev.revisor.itests.legacy").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("legacy-2.0.0-throws.jar").symbolicName("dev.revisor.itests.legacy").version("2.0.0")
                .privatePackages(throwing).activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("gone.jar").symbolicName("dev.revisor.itests.gone").version("1.0.0")
                .privatePackages(throwing).activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("slow-1.0.0.jar").symbolicName("dev.revisor.itests.slow").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("slow-1.1.0.jar").symbolicName("dev.revisor.itests.slow").version("1.1.0")
                .privatePackages(good).activator(Activator.class).set("-includeresource", "padding.txt;literal=" + "x".repeat(20_000))
                .build();
        DeploySupport.gateBundle("gate-1.0.0.jar", "1.0.0", "1.0.0", true, false);
        DeploySupport.gateBundle("gate-1.1.0.jar", "1.1.0", "1.1.0", true, true);
        DeploySupport.gateBundle("gate-1.2.0-breaks.jar", "1.2.0", "1.2.0", false, true);
        DeploySupport.gateBundle("gate-2.0.0-major.jar", "2.0.0", "2.0.0", false, true);
        DeploySupport.consumerBundle("consumer.jar", "dev.revisor.itests.consumer", "dev.revisor.itests.deploy.consumer");
        // a bundle that imports a package nobody exports yet, and the bundle that brings it
        Path later = DeploySupport.compile("later", Map.of("dev.revisor.itests.deploy.later.Later",
                "package dev.revisor.itests.deploy.later;\npublic class Later { public static int answer() { return 42; } }\n"));
        Fixtures.jar("later-provider.jar").symbolicName("dev.revisor.itests.laterprovider").version("1.0.0")
                .set("-includeresource", later.toString()).exportPackages("dev.revisor.itests.deploy.later;version=1.0.0").build();
        Fixtures.jar("waits.jar").symbolicName("dev.revisor.itests.waits").version("1.0.0")
                .privatePackages(good).activator(Activator.class)
                .set("Import-Package", "dev.revisor.itests.deploy.later;version=\"[1.0,2)\",org.osgi.framework").build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void aNewJarIsInstalledStartedAndListed() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("plain-1.0.0.jar"), "plain.jar");
        await("plain active", WAIT, () -> isActive(context, "dev.revisor.itests.plain"));
        Bundle plain = bundleNamed(context, "dev.revisor.itests.plain");
        assertTrue("the location is the file: " + plain.getLocation(), plain.getLocation().endsWith("/plain.jar"));
        await("audit:deploys lists plain.jar as deployed", WAIT, () -> "deployed".equals(deployField(processor, "plain.jar", "state")));

        JsonObject entry = deployEntry(processor, "plain.jar");
        assertEquals("succeeded", entry.get("outcome").getAsString());
        assertEquals(plain.getBundleId(), entry.getAsJsonObject("bundle").get("id").getAsLong());
        assertEquals("ACTIVE", entry.get("bundleState").getAsString());
        assertNotNull("the operation id is listed", entry.get("operation"));

        String table = gogoOk(processor, "audit:deploys");
        assertTrue(table, table.contains("plain.jar") && table.contains("deployed") && table.contains("ACTIVE"));

        List<AuditEventDTO> events = journal.events(EventQuery.last(50).withType("deploy.installed"));
        assertTrue("deploy.installed journaled with its operation: " + events, events.stream()
                .anyMatch(e -> "plain.jar".equals(e.details.get("file")) && entry.get("operation").getAsString().equals(e.operation)));
    }

    @Test
    public void theApiGateRefusesABreakingUpdateAndARollbackRestoresDependents() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("gate-1.0.0.jar"), "gate.jar");
        await("gate active", WAIT, () -> isActive(context, "dev.revisor.itests.gate"));
        dropInto(deploy, Fixtures.path("consumer.jar"), "consumer.jar");
        await("consumer active", WAIT, () -> isActive(context, "dev.revisor.itests.consumer"));
        Bundle gate = bundleNamed(context, "dev.revisor.itests.gate");
        Bundle consumer = bundleNamed(context, "dev.revisor.itests.consumer");

        // compatible: a method added, minor version up -> applied in place
        dropInto(deploy, Fixtures.path("gate-1.1.0.jar"), "gate.jar");
        await("gate updated to 1.1.0", WAIT, () -> gate.getVersion().equals(new Version(1, 1, 0)) && gate.getState() == Bundle.ACTIVE
                && "deployed".equals(deployField(processor, "gate.jar", "state")));
        assertEquals("the update keeps the bundle id", gate.getBundleId(), bundleNamed(context, "dev.revisor.itests.gate").getBundleId());
        await("consumer active again", WAIT, () -> consumer.getState() == Bundle.ACTIVE);
        // the refresh's record is written before the transaction starts the plan again: the consumer INSTALLED and not
        // wired; refresh.final, written as the transaction ends, says what runs and amends the record (left as it was)
        // the file's record names the update's operation once the transaction has ended (the bundle is 1.1.0 and
        // ACTIVE a moment before, while the record still names the install's): read it until it has its final record
        String[] read = new String[1];
        await("the amended refresh record of gate.jar's update", WAIT, () -> {
            read[0] = deployField(processor, "gate.jar", "operation");
            return read[0] != null && !refreshEvents(read[0], "refresh.final").isEmpty();
        });
        String op = read[0];
        AuditEventDTO record = refreshEvents(op, "refresh.record").get(0);
        AuditEventDTO amended = refreshEvents(op, "refresh.final").get(0);
        assertEquals(record.seq, ((Number) amended.details.get("amends")).longValue());
        assertEquals("INSTALLED", restarted(record, consumer).get("stateAfter"));
        assertEquals(null, wiringChange(record, consumer, DeploySupport.GATE_PACKAGE).get("toExporter"));
        assertEquals("ACTIVE", restarted(amended, consumer).get("stateAfter"));
        assertEquals("ACTIVE", restarted(amended, gate).get("stateAfter"));
        assertNotNull("started again by the transaction", restarted(amended, consumer).get("started"));
        Map<?, ?> wired = wiringChange(amended, consumer, DeploySupport.GATE_PACKAGE);
        assertEquals("1.0.0", wired.get("fromVersion"));
        assertEquals("1.1.0", wired.get("toVersion"));
        assertEquals(gate.getBundleId(), ((Number) ((Map<?, ?>) wired.get("toExporter")).get("id")).longValue());
        assertEquals(List.of(), amended.details.get("failures"));

        // incompatible: shout() removed, but the package still says 1.2.0, which [1,2) accepts -> refused
        long modified = gate.getLastModified();
        dropInto(deploy, Fixtures.path("gate-1.2.0-breaks.jar"), "gate.jar");
        String failed = awaitMarker(deploy, "gate.jar", ".failed", WAIT);
        assertTrue("names the removed member: " + failed, failed.contains("REMOVED METHOD") && failed.contains("shout"));
        assertTrue("names the importer that would break: " + failed, failed.contains("dev.revisor.itests.consumer"));
        assertTrue("names the package: " + failed, failed.contains(DeploySupport.GATE_PACKAGE));
        assertEquals("refused", deployField(processor, "gate.jar", "state"));
        assertEquals("refused", deployField(processor, "gate.jar", "outcome"));
        assertEquals("nothing changed: still 1.1.0", new Version(1, 1, 0), gate.getVersion());
        assertEquals("nothing changed: not even updated", modified, gate.getLastModified());
        assertEquals(Bundle.ACTIVE, gate.getState());
        assertEquals(Bundle.ACTIVE, consumer.getState());
        List<AuditEventDTO> gateEvents = journal.events(EventQuery.last(20).withType("deploy.api-gate"));
        assertFalse("the gate's verdict is journaled", gateEvents.isEmpty());
        assertEquals("refused", gateEvents.get(gateEvents.size() - 1).details.get("verdict"));

        // a proper major version: the gate lets it through, but the consumer's [1,2) no longer matches -> rolled back
        dropInto(deploy, Fixtures.path("gate-2.0.0-major.jar"), "gate.jar");
        await("gate.jar rolled back", WAIT, () -> "rolled-back".equals(deployField(processor, "gate.jar", "state")));
        String rolledBack = Files.readString(deploy.resolve("gate.jar.failed"));
        assertTrue("names the dependent and why: " + rolledBack,
                rolledBack.contains("dev.revisor.itests.consumer") && rolledBack.contains(DeploySupport.GATE_PACKAGE));
        assertTrue(rolledBack, rolledBack.contains("rolled back") || rolledBack.contains("Rolled back"));
        assertEquals("the previous bytes are back", new Version(1, 1, 0), gate.getVersion());
        assertEquals(Bundle.ACTIVE, gate.getState());
        assertEquals("the dependent runs again", Bundle.ACTIVE, consumer.getState());
        assertEquals(gate.getBundleId(), bundleNamed(context, "dev.revisor.itests.gate").getBundleId());
    }

    @Test
    public void anUpdateWhoseActivatorThrowsIsRolledBackToTheActivePreviousVersion() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("svc-1.0.0.jar"), "svc.jar");
        await("svc active", WAIT, () -> isActive(context, "dev.revisor.itests.svc"));
        Bundle svc = bundleNamed(context, "dev.revisor.itests.svc");

        dropInto(deploy, Fixtures.path("svc-2.0.0-throws.jar"), "svc.jar");
        String failed = awaitMarker(deploy, "svc.jar", ".failed", WAIT);
        await("svc.jar rolled back", WAIT, () -> "rolled-back".equals(deployField(processor, "svc.jar", "state")));
        assertTrue("names the activator's exception: " + failed, failed.contains("IllegalStateException")
                && failed.contains("the throwing fixture refuses to start"));
        assertEquals(new Version(1, 0, 0), svc.getVersion());
        assertEquals(Bundle.ACTIVE, svc.getState());
        assertEquals("rolled-back", deployField(processor, "svc.jar", "outcome"));
        List<String> types = journal.events(EventQuery.last(30).withBundle(Long.toString(svc.getBundleId())).withType("deploy."))
                .stream().map(e -> e.type).collect(Collectors.toList());
        assertTrue("updated, then rolled back: " + types, types.contains("deploy.updated") && types.contains("deploy.rolled-back"));

        // the same broken bytes are not tried again; fixed bytes are applied and the marker goes away
        dropInto(deploy, Fixtures.path("svc-1.0.0.jar"), "svc.jar");
        await("svc.jar back to deployed, marker removed", WAIT,
                () -> "deployed".equals(deployField(processor, "svc.jar", "state")) && !Files.exists(deploy.resolve("svc.jar.failed")));
    }

    @Test
    public void aNewBundleWaitsPendingUntilWhatItImportsIsDeployed() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("waits.jar"), "waits.jar");
        String pending = awaitMarker(deploy, "waits.jar", ".pending", WAIT);
        assertTrue("names what it waits for: " + pending, pending.contains("package dev.revisor.itests.deploy.later"));
        Bundle waits = bundleNamed(context, "dev.revisor.itests.waits");
        assertNotNull("it stays installed", waits);
        assertEquals(Bundle.INSTALLED, waits.getState());
        assertEquals("pending", deployField(processor, "waits.jar", "state"));

        dropInto(deploy, Fixtures.path("later-provider.jar"), "later-provider.jar");
        await("waits starts once its import arrives, .pending removed", WAIT,
                () -> waits.getState() == Bundle.ACTIVE && !Files.exists(deploy.resolve("waits.jar.pending")));
        await("waits.jar deployed", WAIT, () -> "deployed".equals(deployField(processor, "waits.jar", "state")));
    }

    @Test
    public void aNewBundleWhoseActivatorThrowsStaysInstalledMarkedFailed() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("broken-start.jar"), "broken-start.jar");
        String failed = awaitMarker(deploy, "broken-start.jar", ".failed", WAIT);
        assertTrue(failed, failed.contains("the throwing fixture refuses to start"));
        Bundle b = bundleNamed(context, "dev.revisor.itests.brokenstart");
        assertNotNull("it stays installed", b);
        assertTrue("not active: " + b.getState(), b.getState() == Bundle.RESOLVED || b.getState() == Bundle.INSTALLED);
        assertEquals("failed", deployField(processor, "broken-start.jar", "state"));
        assertEquals("failed", deployField(processor, "broken-start.jar", "outcome"));

        // the activator's exception is journaled with deploy.failed ...
        List<AuditEventDTO> failedEvents = journal.events(EventQuery.last(1).withBundle(Long.toString(b.getBundleId()))
                .withType("deploy.failed"));
        assertEquals(1, failedEvents.size());
        assertEquals(IllegalStateException.class.getName(), failedEvents.get(0).details.get("exception"));
        assertEquals("the throwing fixture refuses to start", failedEvents.get(0).details.get("message"));
        assertTrue(failedEvents.get(0).details.toString(),
                String.valueOf(failedEvents.get(0).details.get("wrapper")).startsWith("org.osgi.framework.BundleException"));
        // ... so audit:why shows it without a trial start
        int state = b.getState();
        String why = gogoOk(processor, "audit:why " + b.getBundleId());
        assertTrue(why, why.contains("IllegalStateException") && why.contains("the throwing fixture refuses to start"));
        assertFalse("no trial start is suggested: " + why, why.contains("--start"));
        JsonObject report = JsonParser.parseString(gogoOk(processor, "audit:why --json " + b.getBundleId())).getAsJsonObject();
        JsonObject activation = report.getAsJsonObject("activationFailure");
        assertEquals(report.toString(), "journal-deploy", activation.get("source").getAsString());
        assertEquals("the throwing fixture refuses to start", activation.get("message").getAsString());
        assertEquals("audit:why started nothing", state, b.getState());
    }

    @Test
    public void removingTheJarUninstallsItsBundleAndItsMarker() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("gone.jar"), "gone.jar");
        awaitMarker(deploy, "gone.jar", ".failed", WAIT);
        Bundle b = bundleNamed(context, "dev.revisor.itests.gone");
        Files.delete(deploy.resolve("gone.jar"));
        await("uninstalled, marker removed, no longer listed", WAIT, () -> b.getState() == Bundle.UNINSTALLED
                && !Files.exists(deploy.resolve("gone.jar.failed")) && deployEntry(processor, "gone.jar") == null);
        List<AuditEventDTO> events = journal.events(EventQuery.last(50).withType("deploy.uninstalled"));
        assertTrue(events.toString(), events.stream().anyMatch(e -> "gone.jar".equals(e.details.get("file"))));
    }

    @Test
    public void aSlowOverwriteInPlaceIsOneUpdateOfTheSameBundle() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("slow-1.0.0.jar"), "slow.jar");
        await("slow active", WAIT, () -> isActive(context, "dev.revisor.itests.slow"));
        Bundle slow = bundleNamed(context, "dev.revisor.itests.slow");
        long id = slow.getBundleId();

        // the way cp over an existing file writes: truncate, then the bytes in chunks, slower than FileInstall polls
        byte[] bytes = Files.readAllBytes(Fixtures.path("slow-1.1.0.jar"));
        int chunk = bytes.length / 4 + 1;
        try (OutputStream out = Files.newOutputStream(deploy.resolve("slow.jar"), StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int off = 0; off < bytes.length; off += chunk) {
                out.write(bytes, off, Math.min(chunk, bytes.length - off));
                out.flush();
                Thread.sleep(150); // the slow writer is the scenario itself: three FileInstall polls per chunk
            }
        }
        await("slow updated to 1.1.0", WAIT, () -> slow.getVersion().equals(new Version(1, 1, 0)) && slow.getState() == Bundle.ACTIVE);
        assertEquals("one update: the same bundle", id, bundleNamed(context, "dev.revisor.itests.slow").getBundleId());
        assertEquals(Bundle.ACTIVE, slow.getState());
        List<String> types = journal.events(EventQuery.last(200).withBundle(Long.toString(id))).stream().map(e -> e.type)
                .collect(Collectors.toList());
        assertFalse("never uninstalled: " + types, types.contains("bundle.uninstalled"));
        assertEquals("installed once: " + types, 1, types.stream().filter("bundle.installed"::equals).count());
        assertFalse("no failure marker left", Files.exists(deploy.resolve("slow.jar.failed")));
    }

    @Test
    public void aBundleInstalledWithoutRevisorIsRolledBackToItsInstalledRevision() throws Exception {
        Path deploy = deployDir(context);
        // as plain FileInstall left it: installed from the file's location, its bytes not kept by Revisor
        String location = deploy.resolve("legacy.jar").toFile().toURI().normalize().toString();
        Bundle legacy;
        try (java.io.InputStream in = Files.newInputStream(Fixtures.path("legacy-1.0.0.jar"))) {
            legacy = context.installBundle(location, in);
        }
        legacy.start();

        dropInto(deploy, Fixtures.path("legacy-2.0.0-throws.jar"), "legacy.jar");
        await("legacy.jar rolled back", WAIT, () -> "rolled-back".equals(deployField(processor, "legacy.jar", "state")));
        assertEquals("the installed revision's bytes are back", new Version(1, 0, 0), legacy.getVersion());
        assertEquals(Bundle.ACTIVE, legacy.getState());
        assertEquals(legacy.getBundleId(), deployEntry(processor, "legacy.jar").getAsJsonObject("bundle").get("id").getAsLong());
    }

    // ---- helpers




    private List<AuditEventDTO> refreshEvents(String operation, String type) {
        return journal.events(EventQuery.last(5).withOperation(operation).withType(type));
    }

    /** @return the entry of the bundle in a refresh record's {@code restarted} */
    private static Map<?, ?> restarted(AuditEventDTO record, Bundle b) {
        for (Object o : (List<?>) record.details.get("restarted")) {
            Map<?, ?> r = (Map<?, ?>) o;
            if (((Number) ((Map<?, ?>) r.get("bundle")).get("id")).longValue() == b.getBundleId()) {
                return r;
            }
        }
        throw new AssertionError(b + " not in " + record.details);
    }

    /** @return the importer's wiring change of the package in a refresh record */
    private static Map<?, ?> wiringChange(AuditEventDTO record, Bundle importer, String pkg) {
        List<Map<?, ?>> found = new java.util.ArrayList<>();
        for (Object o : (List<?>) record.details.get("wiringChanges")) {
            Map<?, ?> c = (Map<?, ?>) o;
            if (((Number) ((Map<?, ?>) c.get("importer")).get("id")).longValue() == importer.getBundleId()
                    && pkg.equals(c.get("name"))) {
                found.add(c);
            }
        }
        assertEquals(record.details.toString(), 1, found.size());
        return found.get(0);
    }
}
