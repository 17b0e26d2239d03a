package dev.revisor.itests;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

/**
 * The runtime's class-data archive on the real distribution (docs/running.md, "Start-up of the runtime"): the first
 * clean run of a distribution writes it when it stops, and the next run takes the classes of the bundles of every
 * start level from it, not only those of the first level. (Only Logback's and the OSGi log's used to reach the
 * archive: the other bundles' class loaders were collected between the framework's stop and the JVM's exit.)
 */
public class RuntimeArchiveIT {
    /** Packages of the bundles that start after level 1: SCR and CM (2), the audit (3), Gogo, shell, deploy (4), FileInstall (5). */
    private static final List<String> LATER_BUNDLES = List.of("org.apache.felix.scr.", "org.apache.felix.cm.",
            "dev.revisor.audit.", "org.apache.felix.gogo.runtime.", "dev.revisor.shell.", "dev.revisor.deploy.",
            "org.apache.felix.fileinstall.");

    private final List<Distribution> started = new ArrayList<>();
    private Path copy;

    @After
    public void stop() throws Exception {
        for (Distribution d : started) {
            d.close();
        }
        if (copy != null) {
            RevisorTestSupport.deleteTree(copy);
        }
    }

    @Test
    public void theRunAfterTheFirstTakesTheClassesOfEveryStartLevelsBundlesFromTheArchive() throws Exception {
        // a copy of its own: the shared distribution's lib/cds holds whatever the tests before this one made
        Path root = Paths.get(RevisorTestSupport.required("revisor.itest.distribution"));
        copy = Files.createTempDirectory(Paths.get("/tmp"), "rvs-cds-dist");
        copyTree(root, copy);

        // bin/revisor's own default heap (REVISOR_OPTS unset): small, so the stop path collects, as a user's first run does
        Distribution first = new Distribution("rvs-cds1", copy).options("-Xms16m -Xmx512m");
        started.add(first);
        first.start();
        Distribution.Result stopped = first.run("stop");
        assertTrue(stopped.toString(), stopped.exit() == 0);
        try (Stream<Path> files = Files.list(copy.resolve("lib/cds"))) {
            assertTrue("the first clean run wrote the runtime's archive",
                    files.anyMatch(f -> f.getFileName().toString().startsWith("runtime") && f.toString().endsWith(".new")));
        }

        Path log = Files.createTempFile(Paths.get("/tmp"), "rvs-cds-classes", ".log");
        Distribution second = new Distribution("rvs-cds2", copy).options("-Xlog:class+load:file=" + log);
        started.add(second);
        second.start();
        stopped = second.run("stop");
        assertTrue(stopped.toString(), stopped.exit() == 0);

        Map<String, int[]> sources = new TreeMap<>(); // package prefix -> {from the archive, from the bundle's jar}
        for (String line : Files.readAllLines(log)) {
            String[] parts = line.split(" ");
            if (parts.length < 3 || !parts[2].equals("source:")) {
                continue;
            }
            for (String prefix : LATER_BUNDLES) {
                if (parts[1].startsWith(prefix)) {
                    int[] counts = sources.computeIfAbsent(prefix, p -> new int[2]);
                    counts[line.contains("source: shared objects file") ? 0 : 1]++;
                }
            }
        }
        Files.delete(log);
        StringBuilder report = new StringBuilder();
        sources.forEach((p, c) -> report.append(p).append("* ").append(c[0]).append(" archived, ").append(c[1])
                .append(" from the jar; "));
        assertTrue("every later bundle loaded classes: " + report, sources.keySet().containsAll(LATER_BUNDLES));
        for (String prefix : LATER_BUNDLES) {
            int[] counts = sources.get(prefix);
            assertTrue("most of " + prefix + "* came from the archive: " + report, counts[0] > counts[1]);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(source);
                if (relative.startsWith(Paths.get("lib", "cds"))) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
