package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.revisor.audit.api.Stops;
import dev.revisor.itests.fixtures.deploy.slowstop.Activator;

/**
 * Issue 11, point 3: an update of a bundle whose stop() blocks past the stop watchdog's limit, in a runtime where
 * FileInstall knows the folder's bundles (it was restarted after they were deployed, as after every restart of the
 * runtime) and earlier updates with refreshes happened. Every update must end with the new bytes Active and the
 * record saying so, and only Revisor's transaction may start the bundle: FileInstall starting it behind the
 * transaction's back (between the update and the refresh) made Revisor's own start a no-op "succeeded" without
 * bundle events, and the refresh then stopped the bundle again on the framework's refresh thread, holding its
 * global lock. Twenty updates in a row.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeploySlowStopRaceIT {
    private static final String BSN = "dev.revisor.itests.slowstop";
    private static final long WATCHDOG_LIMIT_MS = 300;
    private static final String STOP_MS = "400"; // just past the watchdog's limit
    private static final int UPDATES = 20;
    private static final long WAIT = 20_000;

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;
    @Inject
    private ConfigurationAdmin configAdmin;

    @org.ops4j.pax.exam.Configuration
    public Option[] config() {
        for (String v : new String[] {"1.0.0", "1.0.1", "1.0.2"}) {
            Fixtures.jar("slowstop-" + v + ".jar").symbolicName(BSN).version(v)
                    .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
        }
        return new Option[] {RevisorTestSupport.baseConfiguration(), frameworkProperty(Activator.STOP_MS).value(STOP_MS)};
    }

    @Test
    public void onlyTheTransactionStartsTheBundleItUpdates() throws Exception {
        Configuration c = configAdmin.getConfiguration("dev.revisor.audit.watchdog", null);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("stop.limit.ms", WATCHDOG_LIMIT_MS);
        props.put("check.interval.ms", 50L);
        c.update(props);
        await("the watchdog runs with its short limit", WAIT, () -> {
            ServiceReference<Stops> ref = context.getServiceReference(Stops.class);
            Stops stops = ref == null ? null : context.getService(ref);
            return stops != null && stops.limitMillis() == WATCHDOG_LIMIT_MS;
        });

        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("slowstop-1.0.0.jar"), "slowstop.jar");
        await("slowstop.jar deployed", WAIT, () -> isDeployed(Fixtures.path("slowstop-1.0.0.jar")));
        Bundle bundle = bundleNamed(context, BSN);

        // FileInstall restarted: it learns the bundles of the folder by their locations, as after a restart of the runtime
        Bundle fileInstall = bundleNamed(context, "org.apache.felix.fileinstall");
        fileInstall.stop();
        fileInstall.start();

        List<String> foreignStarts = new CopyOnWriteArrayList<>();
        SynchronousBundleListener starts = event -> {
            if (event.getType() == BundleEvent.STARTING && event.getBundle().getBundleId() == bundle.getBundleId()) {
                String thread = Thread.currentThread().getName();
                if (!thread.startsWith("revisor-deploy-start-")) {
                    foreignStarts.add(event.getBundle().getVersion() + " on " + thread);
                }
            }
        };
        context.addBundleListener(starts);
        try {
            for (int i = 1; i <= UPDATES; i++) {
                Path jar = Fixtures.path("slowstop-1.0." + (i % 2 == 1 ? 1 : 2) + ".jar");
                dropInto(deploy, jar, "slowstop.jar");
                int round = i;
                await("update " + round + " deployed", WAIT, () -> isDeployed(jar));
                assertEquals("update " + i + ": the same bundle, Active", Bundle.ACTIVE, bundle.getState());
                assertEquals("update " + i, "succeeded", deployField(processor, "slowstop.jar", "outcome"));
            }
        } finally {
            context.removeBundleListener(starts);
        }
        assertTrue("only Revisor's transaction starts the bundle it updates; also started: " + foreignStarts,
                foreignStarts.isEmpty());
    }

    private boolean isDeployed(Path jar) {
        Bundle b = bundleNamed(context, BSN);
        try {
            return b != null && b.getState() == Bundle.ACTIVE && "deployed".equals(deployField(processor, "slowstop.jar", "state"))
                    && sha256(jar).equals(deployField(processor, "slowstop.jar", "sha256"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
