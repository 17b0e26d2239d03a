package dev.revisor.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

import dev.revisor.itests.fixtures.dscache.one.Stamp;

/**
 * The shipped {@code ds.cache.metadata = true} (etc/config.properties) on the real distribution: SCR keeps the
 * component descriptions it has read across a clean restart, and a bundle replaced in deploy/ while the runtime was
 * stopped runs with the descriptions of its new revision, not the kept ones.
 */
public class ScrMetadataCacheIT {
    private static final String BSN = "dev.revisor.itests.dscache";
    private Distribution revisor;

    @After
    public void stop() throws Exception {
        if (revisor != null) {
            revisor.close();
        }
    }

    @Test
    public void aBundleReplacedWhileStoppedRunsWithItsNewComponentDescriptions() throws Exception {
        String two = Stamp.class.getPackageName().replace(".one", ".two");
        Path first = Fixtures.jar("dscache-1.jar").symbolicName(BSN).version("1.0.0")
                .privatePackages(Stamp.class.getPackageName()).set("-dsannotations", "*").build();
        Path second = Fixtures.jar("dscache-2.jar").symbolicName(BSN).version("1.0.1").privatePackages(two)
                .set("-dsannotations", "*").build();
        revisor = new Distribution("rvs-dscache").start();
        revisor.deploy(first, "stamp.jar");
        revisor.exec("audit:deploys --wait");
        String services = services();
        assertTrue(services, services.contains("dscache.one.Stamp") && services.contains("stamp = 1"));

        Distribution.Result stopped = revisor.run("stop");
        assertTrue(stopped.toString(), stopped.exit() == 0);
        try (Stream<Path> files = Files.walk(revisor.home.resolve("data/cache"))) {
            assertTrue("SCR kept the descriptions it read (ds.cache.metadata) at the clean stop",
                    files.anyMatch(p -> p.getFileName().toString().equals("componentMetadataStore") && p.toFile().length() > 0));
        }
        revisor.deploy(second, "stamp.jar"); // while nothing runs

        revisor.start();
        revisor.exec("audit:deploys --wait");
        RevisorTestSupport.await("the replaced bundle runs revision 1.0.1", 60_000,
                () -> revisor.exec("lb -s").contains(BSN + " (1.0.1)") || revisor.exec("lb -s").contains(BSN + "|1.0.1"));
        services = services();
        assertTrue(services, services.contains("dscache.two.Stamp") && services.contains("stamp = 2"));
        assertFalse(services, services.contains("dscache.one.Stamp"));
    }

    /** @return Gogo's list of the services the fixture bundle registers, with their properties */
    private String services() {
        Matcher id = Pattern.compile("(?m)^\\s*(\\d+)\\|.*\\|" + Pattern.quote(BSN)).matcher(revisor.exec("lb -s"));
        assertTrue("the fixture bundle is installed", id.find());
        return revisor.exec("inspect capability service " + id.group(1));
    }
}
