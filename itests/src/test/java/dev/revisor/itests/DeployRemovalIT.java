package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.isActive;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.itests.fixtures.deploy.good.Activator;

/**
 * Removal semantics (issue 11): removing a provider's jar uninstalls it, and every dependent it strands is named
 * beforehand in the journal and afterwards beside its own file ({@code .pending}, state {@code pending}, not
 * {@code succeeded}); a provider that comes back starts them again and the markers go. Entries FileInstall never reports
 * (a directory or a symbolic link named {@code *.jar}) get a marker with a reason one can act on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployRemovalIT {
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
        Path lib = DeploySupport.compile("strandlib", Map.of("dev.revisor.itests.deploy.strand.Lib",
                "package dev.revisor.itests.deploy.strand;\npublic class Lib { public static int answer() { return 42; } }\n"));
        Fixtures.jar("strand-lib.jar").symbolicName("dev.revisor.itests.strandlib").version("1.0.0")
                .set("-includeresource", lib.toString()).exportPackages("dev.revisor.itests.deploy.strand;version=1.2.0").build();
        Fixtures.jar("strand-lib-1.1.jar").symbolicName("dev.revisor.itests.strandlib").version("1.1.0")
                .set("-includeresource", lib.toString()).exportPackages("dev.revisor.itests.deploy.strand;version=1.3.0").build();
        Fixtures.jar("strand-user.jar").symbolicName("dev.revisor.itests.stranduser").version("1.0.0")
                .privatePackages(good).activator(Activator.class)
                .set("Import-Package", "dev.revisor.itests.deploy.strand;version=\"[1.0,2)\",org.osgi.framework").build();
        Fixtures.jar("plain-file.jar").symbolicName("dev.revisor.itests.linked").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void removingAProviderMarksItsImportersPendingAndItsReturnBringsThemBack() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("strand-lib.jar"), "lib.jar");
        await("lib deployed", WAIT, () -> "deployed".equals(deployField(processor, "lib.jar", "state")));
        dropInto(deploy, Fixtures.path("strand-user.jar"), "user.jar");
        await("user active", WAIT, () -> isActive(context, "dev.revisor.itests.stranduser")
                && "deployed".equals(deployField(processor, "user.jar", "state")));

        Files.delete(deploy.resolve("lib.jar"));
        String marker = awaitMarker(deploy, "user.jar", ".pending", WAIT);
        assertTrue("names the package and range it waits for: " + marker,
                marker.contains("package dev.revisor.itests.deploy.strand [1.0.0,2.0.0)"));
        assertTrue("names the file that took it away: " + marker, marker.contains("lib.jar"));
        Bundle user = bundleNamed(context, "dev.revisor.itests.stranduser");
        assertNotNull(user);
        assertEquals("the importer no longer runs", Bundle.INSTALLED, user.getState());
        assertEquals("pending", deployField(processor, "user.jar", "state"));
        assertEquals("its last operation did not leave it running", "failed", deployField(processor, "user.jar", "outcome"));
        assertEquals("user.jar.pending", deployField(processor, "user.jar", "marker"));
        await("lib.jar forgotten", WAIT, () -> deployField(processor, "lib.jar", "state") == null);

        // who would be stranded was journaled before the change, within the removal's operation
        List<AuditEventDTO> strands = journal.events(EventQuery.last(5).withType("deploy.strands"));
        assertFalse("deploy.strands journaled", strands.isEmpty());
        AuditEventDTO strandsEvent = strands.get(strands.size() - 1);
        assertTrue(strandsEvent.details.toString(), strandsEvent.details.get("stranded").toString()
                .contains("dev.revisor.itests.stranduser"));
        String removalOp = strandsEvent.operation;
        List<AuditEventDTO> stranded = journal.events(EventQuery.last(5).withType("deploy.stranded"));
        assertEquals("the stranding is part of the removal's operation", removalOp, stranded.get(stranded.size() - 1).operation);
        assertEquals(removalOp, deployField(processor, "user.jar", "operation"));

        // the provider comes back (another version in range): the importer starts, its marker goes
        dropInto(deploy, Fixtures.path("strand-lib-1.1.jar"), "lib.jar");
        await("user active again, marker gone", WAIT, () -> isActive(context, "dev.revisor.itests.stranduser")
                && !Files.exists(deploy.resolve("user.jar.pending")));
        await("user.jar deployed", WAIT, () -> "deployed".equals(deployField(processor, "user.jar", "state")));
        assertEquals("succeeded", deployField(processor, "user.jar", "outcome"));
    }

    @Test
    public void aDirectoryNamedLikeAJarGetsAMarkerSayingWhatToDo() throws Exception {
        Path deploy = deployDir(context);
        Files.createDirectories(deploy.resolve("folder.jar"));
        String marker = awaitMarker(deploy, "folder.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("it is a directory, not a jar"));
        assertTrue(marker, marker.contains("rm -r folder.jar"));
        assertEquals("refused", deployField(processor, "folder.jar", "state"));
        Files.delete(deploy.resolve("folder.jar"));
        await("the marker goes with the directory", WAIT, () -> !Files.exists(deploy.resolve("folder.jar.failed"))
                && deployField(processor, "folder.jar", "state") == null);
    }

    @Test
    public void aSymbolicLinkIsRefusedWithTheCommandThatDeploysItsTarget() throws Exception {
        Path deploy = deployDir(context);
        Path outside = Files.createDirectories(deploy.resolveSibling("outside"));
        Path target = Files.copy(Fixtures.path("plain-file.jar"), outside.resolve("linked.jar"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.createSymbolicLink(deploy.resolve("linked.jar"), target);
        String marker = awaitMarker(deploy, "linked.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("it is a symbolic link (to " + target + ")"));
        assertTrue("says how to deploy the target instead: " + marker, marker.contains("cp " + target));
        assertFalse("not the chmod advice, which cannot work on a link: " + marker, marker.contains("chmod"));
        assertEquals("refused", deployField(processor, "linked.jar", "state"));
        assertTrue("nothing was installed from it", bundleNamed(context, "dev.revisor.itests.linked") == null);
        Files.delete(deploy.resolve("linked.jar"));
    }
}
