package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * With {@code api.gate=warn} (configuration {@code dev.revisor.deploy}) an update that breaks the API its importers
 * use is applied, with the warning in the operation's reason and in the journal.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployGateWarnIT {
    private static final long WAIT = 20_000;

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configurations;
    @Inject
    private Journal journal;

    @Configuration
    public Option[] config() {
        DeploySupport.gateBundle("warn-gate-1.0.0.jar", "1.0.0", "1.0.0", true, false);
        DeploySupport.gateBundle("warn-gate-1.2.0-breaks.jar", "1.2.0", "1.2.0", false, true);
        // this consumer calls hello() only: it keeps working when shout() goes away
        DeploySupport.consumerBundle("warn-consumer.jar", "dev.revisor.itests.warnconsumer", "dev.revisor.itests.deploy.warnconsumer", "hello");
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void warnAppliesABreakingUpdateAndSaysSo() throws Exception {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("api.gate", "warn");
        configurations.getConfiguration("dev.revisor.deploy", "?").update(props);
        await("the deploy component runs with api.gate=warn", WAIT, () -> {
            DeployStatusDTO s = status();
            return s != null && "warn".equals(s.apiGate);
        });

        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("warn-gate-1.0.0.jar"), "gate.jar");
        await("gate deployed", WAIT, () -> "deployed".equals(state("gate.jar")));
        dropInto(deploy, Fixtures.path("warn-consumer.jar"), "consumer.jar");
        await("consumer deployed", WAIT, () -> "deployed".equals(state("consumer.jar")));
        Bundle gate = bundleNamed(context, "dev.revisor.itests.gate");

        String installOperation = file("gate.jar").operation;
        dropInto(deploy, Fixtures.path("warn-gate-1.2.0-breaks.jar"), "gate.jar");
        await("the breaking update is applied", WAIT, () -> !installOperation.equals(file("gate.jar").operation)
                && "deployed".equals(state("gate.jar")));
        assertEquals(new Version(1, 2, 0), gate.getVersion());
        DeployFileDTO entry = file("gate.jar");
        assertEquals("succeeded", entry.outcome);
        assertTrue(entry.reason, entry.reason.contains("api.gate=warn") && entry.reason.contains("shout"));
        assertFalse(Files.exists(deploy.resolve("gate.jar.failed")));
        assertEquals(Bundle.ACTIVE, bundleNamed(context, "dev.revisor.itests.warnconsumer").getState());
        List<AuditEventDTO> events = journal.events(EventQuery.last(10).withType("deploy.api-gate"));
        assertEquals("warned", events.get(events.size() - 1).details.get("verdict"));
        assertEquals("warn", events.get(events.size() - 1).details.get("policy"));
    }

    private DeployStatusDTO status() {
        ServiceReference<DeployFolder> ref = context.getServiceReference(DeployFolder.class);
        if (ref == null) {
            return null;
        }
        DeployFolder folder = context.getService(ref);
        try {
            return folder == null ? null : folder.status();
        } finally {
            context.ungetService(ref);
        }
    }

    private DeployFileDTO file(String name) {
        DeployStatusDTO s = status();
        return s == null ? null : s.files.stream().filter(f -> f.file.equals(name)).findFirst().orElse(null);
    }

    private String state(String name) {
        DeployFileDTO f = file(name);
        return f == null ? null : f.state;
    }
}
