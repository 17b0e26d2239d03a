package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import org.osgi.framework.ServiceRegistration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;
import dev.revisor.itests.fixtures.hello.Activator;

/**
 * {@code audit:deploys --wait}: a script moves a jar in and waits for the folder instead of sleeping. The wait returns
 * only once the file's row says how its change ended; when the folder does not settle in time (an activator that
 * holds its transaction), the command fails and names what is still in progress.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployWaitIT {
    private static final String BSN = "dev.revisor.itests.wait.hello";
    private static final String BLOCKING = "dev.revisor.itests.wait.blocking";

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;
    @Inject
    private DeployFolder folder;

    @Configuration
    public Option[] config() {
        Fixtures.jar("wait-hello-1.0.0.jar").symbolicName(BSN).version("1.0.0")
                .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
        Class<?> blocking = dev.revisor.itests.fixtures.deploy.blocking.Activator.class;
        Fixtures.jar("wait-blocking.jar").symbolicName(BLOCKING).version("1.0.0")
                .privatePackages(blocking.getPackageName()).activator(blocking).build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void waitReturnsOnceTheMovedInJarIsDeployedAndOnceItsRemovalIsDone() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("wait-hello-1.0.0.jar"), "wait-hello.jar");

        // no sleep, no polling: the command itself waits
        JsonObject status = JsonParser.parseString(gogoOk(processor, "audit:deploys --wait --timeout 60s --json")).getAsJsonObject();
        assertTrue(status.toString(), status.get("settled").getAsBoolean());
        assertEquals(status.toString(), 0, status.getAsJsonArray("inProgress").size());
        JsonObject row = row(status, "wait-hello.jar");
        assertNotNull(status.toString(), row);
        assertEquals(row.toString(), DeployFileDTO.DEPLOYED, row.get("state").getAsString());
        assertEquals(row.toString(), "ACTIVE", row.get("bundleState").getAsString());
        Bundle b = RevisorTestSupport.bundleNamed(context, BSN);
        assertEquals(Bundle.ACTIVE, b.getState());

        Files.delete(deploy.resolve("wait-hello.jar"));
        DeployStatusDTO after = folder.awaitSettled(60_000);
        assertTrue(after.settled);
        assertTrue(after.toString(), after.files.stream().noneMatch(f -> f.file.equals("wait-hello.jar")));
        assertEquals("the removal was carried out before the wait returned", Bundle.UNINSTALLED, b.getState());

        String table = gogoOk(processor, "audit:deploys --wait");
        assertFalse(table, table.contains("not settled yet"));
    }

    @Test
    public void aChangeStillRunningFailsTheWaitSayingWhatIsInProgress() throws Exception {
        Path deploy = deployDir(context);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceRegistration<?> enteredReg = context.registerService(CountDownLatch.class, entered,
                latchProperties(BLOCKING + ".entered"));
        ServiceRegistration<?> releaseReg = context.registerService(CountDownLatch.class, release, latchProperties(BLOCKING));
        try {
            dropInto(deploy, Fixtures.path("wait-blocking.jar"), "wait-blocking.jar");
            assertTrue("the activator was started", entered.await(60, TimeUnit.SECONDS));
            // the deploy thread waits for that start (start.timeout.ms, 30 s): the change is in progress

            RevisorTestSupport.Result r = gogo(processor, "audit:deploys --wait --timeout 300ms");
            assertNotNull(r.toString(), r.failure);
            String message = r.failure.getMessage();
            assertTrue(message, message.contains("did not settle within 300 ms"));
            assertTrue(message, message.contains("1 change(s) queued or running on the deploy thread"));
            try {
                folder.awaitSettled(0);
                throw new AssertionError("a folder whose change is running is not settled");
            } catch (TimeoutException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("queued or running"));
            }
            DeployStatusDTO now = folder.status();
            assertFalse(now.settled);
            assertFalse(now.inProgress.isEmpty());
            String table = gogoOk(processor, "audit:deploys");
            assertTrue(table, table.contains("not settled yet"));
        } finally {
            release.countDown();
        }
        DeployStatusDTO after = folder.awaitSettled(60_000);
        enteredReg.unregister();
        releaseReg.unregister();
        assertTrue(after.settled);
        DeployFileDTO row = after.files.stream().filter(f -> f.file.equals("wait-blocking.jar")).findFirst().orElseThrow();
        assertEquals(row.toString(), DeployFileDTO.DEPLOYED, row.state);
        assertEquals(Bundle.ACTIVE, RevisorTestSupport.bundleNamed(context, BLOCKING).getState());
    }

    private static Dictionary<String, Object> latchProperties(String name) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(dev.revisor.itests.fixtures.deploy.blocking.Activator.LATCH, name);
        return props;
    }

    @Test
    public void aBadTimeoutIsAClearError() {
        RevisorTestSupport.Result r = gogo(processor, "audit:deploys --wait --timeout soon");
        assertNotNull(r.toString(), r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("--timeout 'soon' is not a duration"));
    }

    private static JsonObject row(JsonObject status, String file) {
        for (JsonElement e : status.getAsJsonArray("files")) {
            if (file.equals(e.getAsJsonObject().get("file").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }
}
