package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.deploy.api.ConfigFileDTO;
import dev.revisor.deploy.api.Configurations;
import dev.revisor.itests.fixtures.config.Client;
import dev.revisor.itests.fixtures.config.Pool;
import dev.revisor.itests.fixtures.config.Server;
import dev.revisor.itests.fixtures.config.Worker;

/**
 * Configuration files of deploy/ and etc/ as audited live updates, in a real Felix with FileInstall, Configuration
 * Admin, SCR and Metatype: a DS component with a Metatype description (built with bnd here) takes its configuration
 * from a file; a good change is applied and journaled with its diff (secrets masked), each kind of bad value is refused
 * with the previous values in force and the reason in {@code FILE.failed}, a change the component throws on is rolled
 * back, factory configurations work, and both folders are watched.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigChangesIT {
    private static final long WAIT = 20_000;
    private static final String BSN = "dev.revisor.itests.config";

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin cm;
    @Inject
    private Configurations configurations;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;
    @Inject
    private ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        Fixtures.jar("config-fixture.jar").symbolicName(BSN).version("1.0.0")
                .privatePackages("dev.revisor.itests.fixtures.config")
                .set("-dsannotations", "*").set("-metatypeannotations", "*").build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    private void installFixture() throws Exception {
        if (RevisorTestSupport.bundleNamed(context, BSN) == null) {
            context.installBundle(Fixtures.path("config-fixture.jar").toUri().toString()).start();
        }
    }

    @Test
    public void aGoodChangeIsAppliedAndJournaledWithItsDiffAndSecretsMasked() throws Exception {
        installFixture();
        Path deploy = deployDir(context);
        write(deploy, "dev.revisor.itests.server.cfg", "name=alpha\nport=8080\npassword=hunter2\n");
        awaitRecord("deploy/dev.revisor.itests.server.cfg", "name=alpha\nport=8080\npassword=hunter2\n", ConfigFileDTO.APPLIED);
        assertEquals(8080, running("server").get("port"));

        write(deploy, "dev.revisor.itests.server.cfg", "name=alpha\nport=9090\nmode=fast\npassword=swordfish\n");
        awaitRecord("deploy/dev.revisor.itests.server.cfg", "name=alpha\nport=9090\nmode=fast\npassword=swordfish\n",
                ConfigFileDTO.APPLIED);
        assertEquals(9090, running("server").get("port"));
        assertEquals("fast", running("server").get("mode"));
        assertEquals("9090", cm.getConfiguration(Server.PID, "?").getProperties().get("port"));

        AuditEventDTO applied = last("config.applied", Server.PID);
        assertEquals(record("deploy/dev.revisor.itests.server.cfg").operation, applied.operation);
        List<String> diff = strings(applied.details.get("diff"));
        assertTrue(diff.toString(), diff.contains("port: 8080 -> 9090"));
        assertTrue(diff.toString(), diff.contains("+mode = fast"));
        assertTrue(diff.toString(), diff.contains("password: ******** -> ******** (changed)"));
        assertTrue(strings(applied.details.get("modified")).toString(),
                strings(applied.details.get("modified")).stream().anyMatch(c -> c.startsWith(Server.class.getName())));
        for (AuditEventDTO e : journal.events(EventQuery.last(500))) {
            String text = String.valueOf(e.details);
            assertFalse("a secret in the journal: " + e.type + " " + text, text.contains("hunter2") || text.contains("swordfish"));
        }
        String trigger = applied.operation == null ? null : gogoOk(processor, "audit:op " + applied.operation);
        assertTrue(trigger, trigger.contains("deploy:dev.revisor.itests.server.cfg"));
        // audit:config shows the values with the file they came from, the secret masked, and the history
        JsonObject shown = JsonParser.parseString(gogoOk(processor, "audit:config --json " + Server.PID)).getAsJsonObject();
        JsonObject entry = shown.getAsJsonArray("configurations").get(0).getAsJsonObject();
        assertEquals("deploy/dev.revisor.itests.server.cfg", entry.get("source").getAsString());
        assertEquals("********", entry.getAsJsonObject("values").get("password").getAsString());
        assertTrue(shown.getAsJsonArray("history").size() >= 1);
    }

    @Test
    public void eachKindOfBadValueIsRefusedAndThePreviousValuesStay() throws Exception {
        installFixture();
        Path deploy = deployDir(context);
        String file = "dev.revisor.itests.server.cfg";
        write(deploy, file, "name=beta\nport=7070\n");
        awaitRecord("deploy/" + file, "name=beta\nport=7070\n", ConfigFileDTO.APPLIED);
        assertEquals(7070, running("server").get("port"));

        refused(deploy, file, "name=beta\nport=abc\n", "'port'", "'abc'", "Integer");
        refused(deploy, file, "name=beta\nport=70000\n", "'port'", "'70000'", "out of range");
        refused(deploy, file, "name=beta\nport=7070\nmode=turbo\n", "'mode'", "'turbo'", "fast, safe");
        refused(deploy, file, "port=7070\n", "'name'", "missing", "required");

        write(deploy, file, "name=beta\nport=7171\n");
        awaitRecord("deploy/" + file, "name=beta\nport=7171\n", ConfigFileDTO.APPLIED);
        assertFalse(Files.exists(deploy.resolve(file + ".failed")));
        assertEquals(7171, running("server").get("port"));
    }

    private void refused(Path deploy, String file, String content, String key, String value, String expected) throws Exception {
        Map<String, Object> before = running("server");
        Object configured = cm.getConfiguration(Server.PID, "?").getProperties().get("port");
        write(deploy, file, content);
        Path marker = deploy.resolve(file + ".failed");
        awaitRecord("deploy/" + file, content, ConfigFileDTO.REFUSED);
        String text = Files.readString(marker);
        assertTrue(text, text.contains(key) && text.contains(value) && text.contains(expected));
        assertEquals(before, running("server"));
        assertEquals(configured, cm.getConfiguration(Server.PID, "?").getProperties().get("port"));
        assertEquals(ConfigFileDTO.REFUSED, record("deploy/" + file).state);
        AuditEventDTO e = last("config.refused", Server.PID);
        assertTrue(String.valueOf(e.details.get("problems")), String.valueOf(e.details.get("problems")).contains(key));
    }

    @Test
    public void aChangeTheComponentThrowsOnIsRolledBack() throws Exception {
        installFixture();
        Path deploy = deployDir(context);
        String file = "dev.revisor.itests.server.cfg";
        write(deploy, file, "name=gamma\nport=6060\n");
        awaitRecord("deploy/" + file, "name=gamma\nport=6060\n", ConfigFileDTO.APPLIED);

        write(deploy, file, "name=gamma\nport=666\n");
        awaitRecord("deploy/" + file, "name=gamma\nport=666\n", ConfigFileDTO.ROLLED_BACK);
        assertEquals(6060, running("server").get("port"));
        assertEquals("6060", cm.getConfiguration(Server.PID, "?").getProperties().get("port"));
        String marker = Files.readString(deploy.resolve(file + ".failed"));
        assertTrue(marker, marker.contains("modified method threw") && marker.contains("port 666 is cursed"));
        AuditEventDTO e = last("config.rolled-back", Server.PID);
        assertTrue(String.valueOf(e.details), String.valueOf(e.details.get("cause")).contains("cursed"));

        // a component without a modified method is reactivated; its activate throws: rolled back, active again
        write(deploy, "dev.revisor.itests.worker.cfg", "threads=3\n");
        awaitRecord("deploy/dev.revisor.itests.worker.cfg", "threads=3\n", ConfigFileDTO.APPLIED);
        write(deploy, "dev.revisor.itests.worker.cfg", "threads=0\n");
        awaitRecord("deploy/dev.revisor.itests.worker.cfg", "threads=0\n", ConfigFileDTO.ROLLED_BACK);
        assertEquals(3, running("worker").get("threads"));
        AuditEventDTO w = last("config.rolled-back", Worker.PID);
        assertTrue(String.valueOf(w.details), String.valueOf(w.details.get("cause")).contains("at least one thread"));
    }

    @Test
    public void aChangeThatLeavesAComponentUnsatisfiedIsRolledBack() throws Exception {
        installFixture();
        await("the client is active", WAIT, () -> clientState() == ComponentConfigurationDTO.ACTIVE);
        RevisorTestSupport.Result r = gogo(processor, "audit:config set " + Client.PID + " 'worker.target=(fixture=nothing)'");
        assertNotNull(r.toString(), r.failure);
        assertTrue(r.failure.getMessage(), r.failure.getMessage().contains("rolled-back")
                && r.failure.getMessage().contains("UNSATISFIED_REFERENCE"));
        assertEquals(ComponentConfigurationDTO.ACTIVE, clientState());
        AuditEventDTO e = last("config.rolled-back", Client.PID);
        assertTrue(String.valueOf(e.details), strings(e.details.get("deactivated")).stream()
                .anyMatch(c -> c.startsWith(Client.class.getName())));
    }

    private int clientState() {
        return RevisorTestSupport.componentState(scr, Client.class.getName());
    }

    @Test
    public void withOnFailureWarnAFailingChangeStaysAndIsMarked() throws Exception {
        installFixture();
        // the setting is itself a configuration change, verified before the command returns
        gogoOk(processor, "audit:config set dev.revisor.config on.failure=warn");
        try {
            Path deploy = deployDir(context);
            String file = "dev.revisor.itests.server.cfg";
            write(deploy, file, "name=delta\nport=6161\n");
            awaitRecord("deploy/" + file, "name=delta\nport=6161\n", ConfigFileDTO.APPLIED);
            write(deploy, file, "name=delta\nport=666\n");
            awaitRecord("deploy/" + file, "name=delta\nport=666\n", ConfigFileDTO.FAILED);
            assertEquals("666", cm.getConfiguration(Server.PID, "?").getProperties().get("port"));
            assertEquals("the component kept its old state: only the marker and the journal say so", 6161,
                    running("server").get("port"));
            String marker = Files.readString(deploy.resolve(file + ".failed"));
            assertTrue(marker, marker.contains("on.failure=warn") && marker.contains("port 666 is cursed"));
            AuditEventDTO e = last("config.failed", Server.PID);
            assertTrue(String.valueOf(e.details), String.valueOf(e.details.get("cause")).contains("cursed"));
        } finally {
            gogoOk(processor, "audit:config delete dev.revisor.config");
        }
    }

    @Test
    public void factoryConfigurationsFromEtcAndDeploy() throws Exception {
        installFixture();
        Path etc = Paths.get(context.getProperty("revisor.home"), "etc");
        Files.createDirectories(etc);
        Path properties = etc.resolve("config.properties");
        Files.writeString(properties, "not=a configuration of Revisor's\n");
        Path unit = Files.createDirectories(etc.resolve("systemd")).resolve("revisor.service");
        Files.writeString(unit, "[Unit]\n");
        write(etc, Pool.PID + "~main.cfg", "size=3\n");
        write(deployDir(context), Pool.PID + "-second.cfg", "size=5\n");
        // audit:deploys --wait waits for the configuration files of both folders too
        gogoOk(processor, "audit:deploys --wait --timeout 20s");
        assertEquals(ConfigFileDTO.APPLIED, record("deploy/" + Pool.PID + "-second.cfg").state);
        assertEquals(sha256("size=3\n"), record("etc/" + Pool.PID + "~main.cfg").sha256);
        assertEquals(pools().toString(), 2, pools().size());
        Map<String, Object> main = pools().stream().filter(p -> p.get("pid").equals(Pool.PID + "~main")).findFirst().orElse(null);
        assertNotNull(pools().toString(), main);
        assertEquals(3, main.get("size"));
        assertTrue(pools().toString(), pools().stream().anyMatch(p -> p.get("pid").equals(Pool.PID + "~second")
                && Integer.valueOf(5).equals(p.get("size"))));
        assertEquals(ConfigFileDTO.APPLIED, record("etc/" + Pool.PID + "~main.cfg").state);
        AuditEventDTO e = last("config.applied", Pool.PID + "~main");
        assertEquals(Pool.PID, e.details.get("factoryPid"));
        assertEquals("etc/" + Pool.PID + "~main.cfg", e.details.get("file"));

        // a bad size in etc/ is refused with its marker in etc/
        write(etc, Pool.PID + "~main.cfg", "size=11\n");
        awaitRecord("etc/" + Pool.PID + "~main.cfg", "size=11\n", ConfigFileDTO.REFUSED);
        assertTrue(Files.exists(etc.resolve(Pool.PID + "~main.cfg.failed")));
        assertEquals(3, pools().stream().filter(p -> p.get("pid").equals(Pool.PID + "~main")).findFirst().get().get("size"));
        // removing the file deletes its configuration, and its component goes (as it should: no failure)
        Files.delete(etc.resolve(Pool.PID + "~main.cfg"));
        await("the deletion is journaled", WAIT, () -> !events("config.deleted", Pool.PID + "~main").isEmpty());
        assertEquals(pools().toString(), 1, pools().size());
        assertFalse(Files.exists(etc.resolve(Pool.PID + "~main.cfg.failed")));
        AuditEventDTO deleted = last("config.deleted", Pool.PID + "~main");
        assertTrue(String.valueOf(deleted.details), strings(deleted.details.get("deactivated")).stream()
                .anyMatch(c -> c.startsWith(Pool.class.getName())));
        // etc/ files that are not configuration files are never touched
        assertEquals("not=a configuration of Revisor's\n", Files.readString(properties));
        assertTrue(journal.events(EventQuery.last(1000).withType("config.")).stream()
                .noneMatch(ev -> String.valueOf(ev.details.get("file")).contains("config.properties")));
        // nor are its directories (etc/systemd ships with Revisor): no refused "deploy" of them, no marker
        assertTrue(journal.events(EventQuery.last(1000).withType("deploy.")).stream()
                .noneMatch(ev -> String.valueOf(ev.details.get("file")).contains("systemd")));
        assertFalse(Files.exists(etc.resolve("systemd.failed")));
        assertEquals("[Unit]\n", Files.readString(unit));
    }

    @Test
    public void theShellSetsDeletesAndPlans() throws Exception {
        installFixture();
        String plan = gogoOk(processor, "audit:plan --config " + Worker.PID);
        assertTrue(plan, plan.contains(Worker.class.getName()) && plan.contains("reactivated"));

        String out = gogoOk(processor, "audit:config set " + Worker.PID + " threads=4");
        assertTrue(out, out.contains("succeeded") && out.contains("threads"));
        await("the worker runs with 4 threads", WAIT, () -> running("worker") != null
                && Integer.valueOf(4).equals(running("worker").get("threads")));
        JsonObject shown = JsonParser.parseString(gogoOk(processor, "audit:config --json " + Worker.PID)).getAsJsonObject();
        assertEquals("shell", shown.getAsJsonArray("configurations").get(0).getAsJsonObject().get("source").getAsString());

        RevisorTestSupport.Result bad = gogo(processor, "audit:config set " + Worker.PID + " threads=0");
        assertNotNull(bad.toString(), bad.failure);
        assertTrue(bad.failure.getMessage(), bad.failure.getMessage().contains("rolled-back"));
        assertEquals(4, running("worker").get("threads"));

        RevisorTestSupport.Result typo = gogo(processor, "audit:config set " + Worker.PID + " threads=many");
        assertNotNull(typo.failure);
        assertTrue(typo.failure.getMessage(), typo.failure.getMessage().contains("'threads'"));

        gogoOk(processor, "audit:config delete " + Worker.PID);
        Dictionary<String, Object> gone = cm.getConfiguration(Worker.PID, "?").getProperties();
        assertNull(gone);
        await("the worker runs with its default", WAIT, () -> running("worker") != null
                && Integer.valueOf(2).equals(running("worker").get("threads")));

        JsonObject deploys = JsonParser.parseString(gogoOk(processor, "audit:deploys --json")).getAsJsonObject();
        assertTrue(deploys.toString(), deploys.has("configurations"));
    }

    // ---- helpers

    private static void write(Path folder, String name, String content) throws Exception {
        Files.createDirectories(folder);
        Path staging = folder.resolveSibling(folder.getFileName() + ".staging");
        Files.createDirectories(staging);
        Path tmp = staging.resolve(name);
        Files.writeString(tmp, content, StandardCharsets.ISO_8859_1);
        Files.move(tmp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private ConfigFileDTO record(String file) {
        return configurations.files().stream().filter(f -> f.file.equals(file)).findFirst().orElse(new ConfigFileDTO());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> running(String fixture) {
        try {
            Collection<ServiceReference<Supplier>> refs = context.getServiceReferences(Supplier.class, "(fixture=" + fixture + ")");
            if (refs.isEmpty()) {
                return null;
            }
            ServiceReference<Supplier> ref = refs.iterator().next();
            Supplier<Map<String, Object>> s = context.getService(ref);
            try {
                return s == null ? null : s.get();
            } finally {
                context.ungetService(ref);
            }
        } catch (Exception e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> pools() {
        try {
            return context.getServiceReferences(Supplier.class, "(fixture=pool)").stream().map(r -> {
                Supplier<Map<String, Object>> s = context.getService(r);
                try {
                    return s.get();
                } finally {
                    context.ungetService(r);
                }
            }).collect(Collectors.toList());
        } catch (Exception e) {
            return List.of();
        }
    }

    /** Waits until the file's record is for these bytes and in this state. */
    private void awaitRecord(String file, String content, String state) throws InterruptedException {
        String sha = sha256(content);
        await(file + " " + state, WAIT, () -> {
            ConfigFileDTO r = record(file);
            return sha.equals(r.sha256) && state.equals(r.state);
        });
    }

    private static String sha256(String content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<AuditEventDTO> events(String type, String pid) {
        return journal.events(EventQuery.last(1000).withType(type)).stream().filter(e -> pid.equals(e.details.get("pid")))
                .collect(Collectors.toList());
    }

    /** @return the newest event of the type for the PID; waits for it (the journal writes on its own thread) */
    private AuditEventDTO last(String type, String pid) throws InterruptedException {
        await(type + " for " + pid + " in the journal", WAIT, () -> !events(type, pid).isEmpty());
        List<AuditEventDTO> events = events(type, pid);
        return events.get(events.size() - 1);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return o == null ? List.of() : (List<String>) o;
    }
}
