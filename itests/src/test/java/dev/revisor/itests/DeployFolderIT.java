package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

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
import org.osgi.framework.Version;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.itests.fixtures.hello.Activator;

/**
 * A jar dropped into the watched folder is installed and started; a new version of it under the same name is
 * an update of the same bundle; removing the file uninstalls it; the journal holds each of those events.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployFolderIT {
    private static final String BSN = "dev.revisor.itests.hello";

    @Inject
    private BundleContext context;
    @Inject
    private Journal journal;

    @Configuration
    public Option[] config() {
        for (String v : new String[] {"1.0.0", "1.1.0"}) {
            Fixtures.jar("hello-" + v + ".jar").symbolicName(BSN).version(v)
                    .privatePackages(Activator.class.getPackageName()).activator(Activator.class).build();
        }
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void installUpdateRemoveThroughTheDeployFolder() throws Exception {
        Path deploy = deployDir(context);

        dropInto(deploy, Fixtures.path("hello-1.0.0.jar"), "hello.jar");
        await("hello 1.0.0 active", 10_000, () -> {
            Bundle b = bundleNamed(context, BSN);
            return b != null && b.getState() == Bundle.ACTIVE;
        });
        Bundle installed = bundleNamed(context, BSN);
        long id = installed.getBundleId();
        assertEquals(new Version(1, 0, 0), installed.getVersion());

        dropInto(deploy, Fixtures.path("hello-1.1.0.jar"), "hello.jar");
        await("hello updated to 1.1.0 and active", 10_000,
                () -> installed.getVersion().equals(new Version(1, 1, 0)) && installed.getState() == Bundle.ACTIVE);
        assertEquals("an update keeps the bundle id", id, bundleNamed(context, BSN).getBundleId());

        Files.delete(deploy.resolve("hello.jar"));
        await("hello uninstalled", 10_000, () -> installed.getState() == Bundle.UNINSTALLED);

        await("the journal holds installed, started, updated and uninstalled", 5_000, () -> {
            List<String> types = typesFor(id);
            return types.contains("bundle.installed") && types.contains("bundle.started")
                    && types.contains("bundle.updated") && types.contains("bundle.uninstalled");
        });
        List<String> types = typesFor(id);
        assertTrue("installed before updated before uninstalled: " + types,
                types.indexOf("bundle.installed") < types.indexOf("bundle.updated")
                        && types.indexOf("bundle.updated") < types.lastIndexOf("bundle.uninstalled"));
        AuditEventDTO install = journal.events(EventQuery.last(1).withBundle(Long.toString(id)).withType("bundle.installed")).get(0);
        assertTrue("the install names the file it came from: " + install.details,
                String.valueOf(install.details.get("location")).endsWith("hello.jar"));
    }

    private List<String> typesFor(long id) {
        return journal.events(EventQuery.last(200).withBundle(Long.toString(id))).stream()
                .map(e -> e.type).collect(Collectors.toList());
    }
}
