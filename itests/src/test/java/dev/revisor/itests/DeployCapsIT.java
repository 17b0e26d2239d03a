package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.DeploySupport.entries;
import static dev.revisor.itests.DeploySupport.rawJar;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.deployField;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
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
import org.osgi.framework.BundleContext;

/**
 * Caps on what an untrusted jar can make Revisor write (issue 19): a jar with 90,000 Import-Package clauses is refused
 * with a short marker; one with 5,000 missing imports (under the header caps) waits with a reason that names 20 and
 * counts the rest; {@code state.json} stays small and no journal line is longer than the journal's cap.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployCapsIT {
    private static final long WAIT = 30_000;
    /** Defaults of dev.revisor.deploy and dev.revisor.audit.journal (docs/deploy.md, docs/journal.md). */
    private static final int MAX_HEADER_CLAUSES = 10_000;
    private static final int MAX_EVENT_BYTES = 64 * 1024;
    private static final int MAX_REASON_CHARS = 4_000;

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        rawJar("huge-imports.jar", entries("META-INF/MANIFEST.MF", importsManifest("caps.huge", 90_000)));
        rawJar("many-missing.jar", entries("META-INF/MANIFEST.MF", importsManifest("caps.many", 5_000)));
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    /** A bundle manifest importing {@code n} packages nobody exports, with lines folded as jar tools fold them. */
    private static byte[] importsManifest(String bsn, int n) {
        StringBuilder imports = new StringBuilder("Import-Package: ");
        for (int i = 0; i < n; i++) {
            imports.append(i == 0 ? "" : ",").append("nowhere.p").append(i);
        }
        StringBuilder out = new StringBuilder("Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: ")
                .append(bsn).append("\r\nBundle-Version: 1.0.0\r\n");
        String line = imports.toString();
        out.append(line, 0, 70).append("\r\n");
        for (int i = 70; i < line.length(); i += 69) {
            out.append(' ').append(line, i, Math.min(line.length(), i + 69)).append("\r\n");
        }
        return out.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void ninetyThousandImportsAreRefusedShortlyAndNothingRevisorWritesGrows() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("huge-imports.jar"), "huge-imports.jar");
        String marker = awaitMarker(deploy, "huge-imports.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("the manifest header Import-Package has 90000 clauses, more than the limit of "
                + MAX_HEADER_CLAUSES + " (max.header.clauses of configuration dev.revisor.deploy)"));
        assertTrue(marker, marker.length() < 2_000);
        await("refused in audit:deploys", WAIT, () -> "refused".equals(deployField(processor, "huge-imports.jar", "state")));
        assertNull("nothing installed", RevisorTestSupport.bundleNamed(context, "caps.huge"));

        dropInto(deploy, Fixtures.path("many-missing.jar"), "many-missing.jar");
        String pending = awaitMarker(deploy, "many-missing.jar", ".pending", WAIT);
        assertTrue(pending, pending.contains("package nowhere.p0") && pending.contains("and 4980 more"));
        assertTrue(pending.length() + " characters: " + pending, pending.length() < MAX_REASON_CHARS + 1_000);
        assertEquals("pending", deployField(processor, "many-missing.jar", "state"));

        Path data = Paths.get(context.getProperty("revisor.data"));
        long state = Files.size(data.resolve("deploy/state.json"));
        assertTrue("state.json has " + state + " bytes", state < 32 * 1024);

        List<String> tooLong = new ArrayList<>();
        try (Stream<Path> files = Files.list(data.resolve("audit"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int bytes = line.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > MAX_EVENT_BYTES) {
                        tooLong.add(file.getFileName() + ": " + bytes + " bytes: " + line.substring(0, 200));
                    }
                }
            }
        }
        assertTrue(String.join("\n", tooLong), tooLong.isEmpty());
    }
}
