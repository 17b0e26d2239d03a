package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the build assembles: the shipped features, system/, etc/, and the launcher's own boundaries. */
class DistributionTest {
    @TempDir
    Path dir;

    private static List<Path> shippedFeatures() throws Exception {
        try (Stream<Path> files = Files.list(TestDistribution.stagedFeatures())) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().collect(
                    java.util.stream.Collectors.toList());
        }
    }

    @Test
    void everyBundleOfEveryShippedFeatureIsInSystemAndEveryVersionWasFilledIn() throws Exception {
        assertThat(shippedFeatures()).extracting(p -> p.getFileName().toString())
                .contains("revisor-core.json", "revisor-console.json");
        for (Path file : shippedFeatures()) {
            assertThat(Files.readString(file)).as(file.toString()).doesNotContain("${");
            Feature feature = FeatureReader.read(file);
            assertThat(FeatureReader.ignoredKeys(file)).as(file.toString()).isEmpty();
            for (Feature.Bundle bundle : feature.bundles()) {
                assertThat(bundle.id().pathIn(TestDistribution.stagedSystem())).as(file + ": " + bundle.id())
                        .isRegularFile();
            }
        }
    }

    @Test
    void noFeatureBundleIsOnTheTestClassPath() throws Exception {
        // Production: the launcher's class path is lib/ (launcher, Felix, Gson). Tests must see the same, or the
        // framework's class-space checks behave differently (a bundle API on the launcher's class path hides
        // services from it). Gson is the one bundle that is also a launcher library.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> leaked = new ArrayList<>();
        for (Path file : shippedFeatures()) {
            for (Feature.Bundle bundle : FeatureReader.read(file).bundles()) {
                String jar = bundle.id().pathIn(Paths.get("")).getFileName().toString();
                if (!bundle.id().artifactId().equals("gson") && classPath.contains(java.io.File.separator + jar)) {
                    leaked.add(bundle.id() + " (add a classpathDependencyExclude to runtime/pom.xml's surefire)");
                }
            }
        }
        assertThat(leaked).isEmpty();
    }

    @Test
    void theShippedEtcFilesAndFeaturesMakeAPlan() throws Exception {
        Path dist = dir.resolve("dist with spaces");
        Files.createDirectories(dist);
        Files.createSymbolicLink(dist.resolve("etc"), TestDistribution.shippedEtc().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("features"), TestDistribution.stagedFeatures().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("system"), TestDistribution.stagedSystem().toAbsolutePath());
        Layout layout = new Layout(dist, dist);

        BootPlan headless = BootPlan.load(layout, false, new Properties(), Map.of());
        assertThat(headless.warnings).isEmpty();
        assertThat(headless.featureNames()).isEqualTo("revisor-core");
        assertThat(headless.frameworkProperties).containsEntry("org.osgi.framework.startlevel.beginning", "5")
                .containsEntry("felix.fileinstall.dir", dist.resolve("deploy").toString())
                .containsEntry("felix.fileinstall.noInitialDelay", "true")
                .containsEntry("felix.fileinstall.disableNio2", "true")
                .containsEntry("org.osgi.framework.storage", dist.resolve("data/cache").toString());
        assertThat(Integer.parseInt(headless.frameworkProperties.get("felix.fileinstall.poll")))
                .isLessThanOrEqualTo(250);
        assertThat(headless.bundles).extracting(b -> b.id().artifactId()).doesNotContain("jline");

        BootPlan interactive = BootPlan.load(layout, true, new Properties(), Map.of());
        assertThat(interactive.featureNames()).isEqualTo("revisor-core, revisor-console");
        assertThat(interactive.frameworkProperties).containsEntry("org.osgi.framework.startlevel.beginning", "6");
    }

    @Test
    void theHeapAnalyzerIsStagedWithItsClassPath() throws Exception {
        Path lib = TestDistribution.stagedSystem().resolveSibling("lib").resolve("heap-analyzer");
        try (Stream<Path> jars = Files.list(lib)) {
            assertThat(jars.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("revisor-heap-analyzer-"))
                    .anyMatch(n -> n.startsWith("shark-graph-")).anyMatch(n -> n.startsWith("kotlin-stdlib-"))
                    .noneMatch(n -> n.startsWith("revisor-features")).noneMatch(n -> n.startsWith("org.apache.felix"));
        }
    }

    @Test
    void theLauncherLinksAgainstNoBundleApi() throws Exception {
        Path classes = Paths.get("target/classes");
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String constants = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String forbidden : new String[] {"org/osgi/service/", "org/apache/felix/", "org/osgi/util/",
                        "dev/revisor/audit", "dev/revisor/shell", "dev/revisor/deploy"}) {
                    if (constants.contains(forbidden)) {
                        offending.add(classes.relativize(file) + " -> " + forbidden);
                    }
                }
            }
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void theExecClientLoadsNeitherTheFrameworkNorGson() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process client = new ProcessBuilder(java.toString(), "-Xshare:auto", "-verbose:class",
                "-cp", System.getProperty("revisor.test.classpath"), "dev.revisor.launcher.Main",
                "--home", dir.toString(), "exec", "lb")
                .redirectErrorStream(true).redirectOutput(dir.resolve("client.log").toFile()).start();
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(dir.resolve("client.log"));
        assertThat(client.exitValue()).as(log).isEqualTo(2);
        assertThat(log).contains("no Revisor instance runs in " + dir)
                .contains("dev.revisor.launcher.ExecClient")
                .doesNotContain("com.google.gson").doesNotContain("org.osgi.").doesNotContain("org.apache.felix")
                .doesNotContain("dev.revisor.launcher.Launcher").doesNotContain("dev.revisor.launcher.BootPlan")
                .as("a single exec loads nothing of the batch mode").doesNotContain("dev.revisor.launcher.Batch");
    }
}
