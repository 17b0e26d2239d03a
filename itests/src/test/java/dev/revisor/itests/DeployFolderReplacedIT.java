package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.deployEntry;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

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

import com.google.gson.JsonParser;

import dev.revisor.itests.fixtures.hello.Activator;

/**
 * The deploy folder itself replaced under a running runtime (docs/deploy.md, "Replacing the folder"): deleted and made
 * again, swapped atomically for a prepared one, missing for a moment. FileInstall lists the folder by its path every
 * poll ({@code felix.fileinstall.disableNio2=true}, as etc/config.properties ships it), so hot deploy goes on and the
 * records say what runs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployFolderReplacedIT {
    private static final long WAIT = 15_000;
    private static final String PREFIX = "dev.revisor.itests.folder.";

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        String pkg = Activator.class.getPackageName();
        for (String name : new String[] {"gone", "fresh", "swapped", "dropped", "kept", "later"}) {
            Fixtures.jar(name + "-1.0.0.jar").symbolicName(PREFIX + name).version("1.0.0").privatePackages(pkg)
                    .activator(Activator.class).build();
        }
        Fixtures.jar("swapped-1.1.0.jar").symbolicName(PREFIX + "swapped").version("1.1.0").privatePackages(pkg)
                .activator(Activator.class).build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void aFolderDeletedAndMadeAgainIsWatchedAgain() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("gone-1.0.0.jar"), "gone.jar");
        awaitDeployed("gone.jar", PREFIX + "gone");
        Bundle gone = bundleNamed(context, PREFIX + "gone");

        deleteTree(deploy);
        Files.createDirectory(deploy);
        dropInto(deploy, Fixtures.path("fresh-1.0.0.jar"), "fresh.jar");

        awaitDeployed("fresh.jar", PREFIX + "fresh");
        await("gone.jar, deleted with the folder, uninstalled and off the list", WAIT,
                () -> gone.getState() == Bundle.UNINSTALLED && deployEntry(processor, "gone.jar") == null);
    }

    @Test
    public void anAtomicSwapUpdatesChangedJarsAndRemovesMissingOnes() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("swapped-1.0.0.jar"), "swapped.jar");
        dropInto(deploy, Fixtures.path("dropped-1.0.0.jar"), "dropped.jar");
        Files.writeString(deploy.resolve("refused.jar"), "not a zip archive\n");
        awaitDeployed("swapped.jar", PREFIX + "swapped");
        awaitDeployed("dropped.jar", PREFIX + "dropped");
        awaitMarker(deploy, "refused.jar", ".failed", WAIT);
        Bundle swapped = bundleNamed(context, PREFIX + "swapped");
        Bundle dropped = bundleNamed(context, PREFIX + "dropped");

        // the new folder: swapped.jar with other bytes and a stale marker, refused.jar as it was but without its marker,
        // no dropped.jar
        Path staged = deploy.resolveSibling(deploy.getFileName() + ".next");
        Files.createDirectory(staged);
        Files.copy(Fixtures.path("swapped-1.1.0.jar"), staged.resolve("swapped.jar"));
        Files.copy(deploy.resolve("refused.jar"), staged.resolve("refused.jar"));
        Files.writeString(staged.resolve("swapped.jar.failed"), "a marker copied along that no record names\n");
        Path old = deploy.resolveSibling(deploy.getFileName() + ".old");
        Files.move(deploy, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staged, deploy, StandardCopyOption.ATOMIC_MOVE);

        String sha = sha256(Fixtures.path("swapped-1.1.0.jar"));
        await("swapped.jar updated to 1.1.0, Active, and its record saying so", WAIT,
                () -> swapped.getVersion().equals(new Version(1, 1, 0)) && swapped.getState() == Bundle.ACTIVE
                        && sha.equals(deployField(processor, "swapped.jar", "sha256"))
                        && "deployed".equals(deployField(processor, "swapped.jar", "state")));
        assertEquals("an update of the same bundle", swapped.getBundleId(), bundleNamed(context, PREFIX + "swapped").getBundleId());
        await("dropped.jar, missing from the new folder, uninstalled and off the list", WAIT,
                () -> dropped.getState() == Bundle.UNINSTALLED && deployEntry(processor, "dropped.jar") == null);
        String marker = awaitMarker(deploy, "refused.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("refused"));
        assertEquals("refused", deployField(processor, "refused.jar", "state"));
        await("the stale marker deleted", WAIT, () -> !Files.exists(deploy.resolve("swapped.jar.failed")));
        assertNull(deployField(processor, "swapped.jar", "marker"));
        deleteTree(old);
    }

    @Test
    public void aFolderMissingForAMomentRemovesNothing() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("kept-1.0.0.jar"), "kept.jar");
        awaitDeployed("kept.jar", PREFIX + "kept");
        Bundle kept = bundleNamed(context, PREFIX + "kept");
        long modified = kept.getLastModified();

        Path away = deploy.resolveSibling(deploy.getFileName() + ".away");
        Files.move(deploy, away, StandardCopyOption.ATOMIC_MOVE);
        String status = gogoOk(processor, "audit:deploys --json");
        String problem = JsonParser.parseString(status).getAsJsonObject().get("problem").getAsString();
        assertTrue(problem, problem.contains("does not exist"));
        assertEquals("a missing folder is not a removal", "deployed", deployField(processor, "kept.jar", "state"));

        // the deploy bundle starting while the folder is missing removes nothing either
        Bundle deployBundle = bundleNamed(context, "dev.revisor.deploy");
        deployBundle.stop();
        deployBundle.start();
        await("the deploy folder service back, its start-up done", WAIT, () -> {
            try {
                String json = gogoOk(processor, "audit:deploys --json");
                return JsonParser.parseString(json).getAsJsonObject().get("queued").getAsInt() == 0;
            } catch (AssertionError e) {
                return false; // the deploy folder service is not registered again yet
            }
        });
        assertEquals(Bundle.ACTIVE, kept.getState());
        assertEquals("deployed", deployField(processor, "kept.jar", "state"));

        Files.move(away, deploy, StandardCopyOption.ATOMIC_MOVE);
        dropInto(deploy, Fixtures.path("later-1.0.0.jar"), "later.jar");
        awaitDeployed("later.jar", PREFIX + "later");
        assertEquals("kept.jar was never uninstalled nor updated", modified, kept.getLastModified());
        assertEquals(Bundle.ACTIVE, kept.getState());
        assertNotNull(deployEntry(processor, "kept.jar"));
        assertNull("no marker", deployField(processor, "kept.jar", "marker"));
    }

    private void awaitDeployed(String file, String bsn) throws InterruptedException {
        await(file + " deployed and " + bsn + " Active", WAIT, () -> {
            Bundle b = bundleNamed(context, bsn);
            return b != null && b.getState() == Bundle.ACTIVE && "deployed".equals(deployField(processor, file, "state"));
        });
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
