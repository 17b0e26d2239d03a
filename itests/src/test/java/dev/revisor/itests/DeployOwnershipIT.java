package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.isActive;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

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

import dev.revisor.itests.fixtures.deploy.good.Activator;

/**
 * Who may feed the deploy folder (issue 19): a jar of another user is refused even with mode 0644 (that user could
 * rewrite it in place later), and a deployed jar that another user takes over and rewrites in place is not applied;
 * the bundle keeps running the bytes it had. Giving a file to another user needs root: CI runs as root, and the test
 * is skipped with that reason elsewhere.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployOwnershipIT {
    private static final long WAIT = 20_000;

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        String good = Activator.class.getPackageName();
        Fixtures.jar("owned-1.0.0.jar").symbolicName("dev.revisor.itests.owned").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("owned-2.0.0.jar").symbolicName("dev.revisor.itests.owned").version("2.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("foreign-1.0.0.jar").symbolicName("dev.revisor.itests.foreign").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void aJarOfAnotherUserIsRefusedWithTheChownThatFixesIt() throws Exception {
        assumeTrue("giving a file to another user needs root (CI runs as root)", isRoot());
        Path deploy = deployDir(context);
        Path staging = Files.createDirectories(deploy.resolveSibling("ownership.staging"));
        Path tmp = Files.copy(Fixtures.path("foreign-1.0.0.jar"), staging.resolve("foreign.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setOwner(tmp, nobody(deploy));
        Files.move(tmp, deploy.resolve("foreign.jar"), StandardCopyOption.ATOMIC_MOVE);

        String marker = awaitMarker(deploy, "foreign.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("belongs to user nobody"));
        assertTrue(marker, marker.contains("chown "));
        assertEquals("refused", deployField(processor, "foreign.jar", "state"));
        assertNull("nothing was installed from it", bundleNamed(context, "dev.revisor.itests.foreign"));
        Files.delete(deploy.resolve("foreign.jar"));
    }

    @Test
    public void aDeployedJarRewrittenInPlaceByAnotherUserIsNotApplied() throws Exception {
        assumeTrue("giving a file to another user needs root (CI runs as root)", isRoot());
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("owned-1.0.0.jar"), "owned.jar");
        await("1.0.0 deployed", WAIT, () -> isActive(context, "dev.revisor.itests.owned")
                && "deployed".equals(deployField(processor, "owned.jar", "state")));

        // the other user gets the file (as a careless chown -R would), then writes new code into it in place
        Path jar = deploy.resolve("owned.jar");
        Files.setOwner(jar, nobody(deploy));
        Files.write(jar, Files.readAllBytes(Fixtures.path("owned-2.0.0.jar")));

        String marker = awaitMarker(deploy, "owned.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("belongs to user nobody"));
        Bundle owned = bundleNamed(context, "dev.revisor.itests.owned");
        assertEquals("the bundle keeps running the bytes it had", "1.0.0", owned.getVersion().toString());
        assertEquals(Bundle.ACTIVE, owned.getState());
        assertEquals("refused", deployField(processor, "owned.jar", "state"));
    }

    private static UserPrincipal nobody(Path any) throws Exception {
        return any.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
