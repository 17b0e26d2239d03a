package dev.revisor.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What every suite shares: the bench copy of the Revisor distribution (the original plus the probe bundle in
 * {@code system/} and its feature), the plain Felix launcher, the bundle factory, settings and the report.
 */
final class Context {
    static final String PROBE_FEATURE = "bench-probe";
    static final String PROBE_ID = "dev.revisor.bench:revisor-bench-probe:1.0.0";
    /** The same JVM options for both runtimes: Revisor's default REVISOR_OPTS (docs/running.md). */
    static final List<String> JVM_OPTIONS = List.of("-Xms16m", "-Xmx512m", "-XX:+UseSerialGC");

    final Path sourceDist;
    final Path work;
    final Path dist;
    final Path felixMain;
    final Path probeJar;
    final BundleFactory factory;
    final Report report = new Report();
    final int runs;
    final boolean quick;
    final List<Feature.Entry> core;
    final List<Feature.Entry> baseline;
    private int homes;

    Context(Path sourceDist, Path work, int runs, boolean quick) throws IOException {
        this.sourceDist = sourceDist.toAbsolutePath().normalize();
        this.work = work.toAbsolutePath().normalize();
        this.runs = runs;
        this.quick = quick;
        if (!Files.isExecutable(this.sourceDist.resolve("bin/revisor"))) {
            throw new IllegalStateException(this.sourceDist + " is not an assembled Revisor distribution (no bin/revisor): "
                    + "run 'mvn -B -DskipTests package' first");
        }
        Path target = BundleFactory.codeSource().toPath().getParent();
        this.felixMain = target.resolve("plain-felix/org.apache.felix.main.jar");
        Path gogo = target.resolve("plain-felix/org.apache.felix.gogo.runtime.jar");
        if (!Files.exists(felixMain)) {
            throw new IllegalStateException("no " + felixMain + ": build the bench module with 'mvn -B -DskipTests package -pl bench'");
        }
        deleteTree(this.work.resolve("homes"));
        this.dist = this.work.resolve("dist");
        deleteTree(dist);
        copyTree(this.sourceDist, dist);
        Path framework = Path.of(org.osgi.framework.Bundle.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        this.factory = new BundleFactory(List.of(gogo.toFile(), framework.toFile()));
        this.probeJar = factory.probe(dist.resolve("system/dev/revisor/bench/revisor-bench-probe/1.0.0/revisor-bench-probe-1.0.0.jar"));
        writeFeature(PROBE_FEATURE, PROBE_ID, List.of(PROBE_ID), 1);
        this.core = Feature.read(dist.resolve("features/revisor-core.json"));
        this.baseline = core.stream().filter(Feature.Entry::thirdPartyBaseline).toList();
    }

    /** Writes {@code features/NAME.json} of the bench distribution. */
    void writeFeature(String name, String id, List<String> bundleIds, int startOrder) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"feature-resource-version\": \"1.0\",\n  \"id\": \"" + id + "\",\n  \"bundles\": [\n");
        for (int i = 0; i < bundleIds.size(); i++) {
            json.append("    { \"id\": \"").append(bundleIds.get(i)).append("\", \"start-order\": ").append(startOrder).append(" }")
                    .append(i + 1 < bundleIds.size() ? ",\n" : "\n");
        }
        json.append("  ]\n}\n");
        Files.writeString(dist.resolve("features/" + name + ".json"), json);
    }

    /** Writes {@code features/NAME.json} of the bench distribution with the entries' own start orders. */
    void writeFeature(String name, List<Feature.Entry> entries) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"feature-resource-version\": \"1.0\",\n  \"id\": \"dev.revisor.bench:" + name
                + ":1.0.0\",\n  \"bundles\": [\n");
        for (int i = 0; i < entries.size(); i++) {
            json.append("    { \"id\": \"").append(entries.get(i).id()).append("\", \"start-order\": ").append(entries.get(i).startOrder())
                    .append(" }").append(i + 1 < entries.size() ? ",\n" : "\n");
        }
        json.append("  ]\n}\n");
        Files.writeString(dist.resolve("features/" + name + ".json"), json);
    }

    /** @return a new, empty home folder */
    Path newHome(String label) throws IOException {
        Path home = work.resolve("homes").resolve(String.format("%03d-%s", ++homes, label));
        Files.createDirectories(home);
        return home;
    }

    RevisorInstance revisor(String label, String extraFeatures, Map<String, String> config) throws IOException {
        return revisor(label, extraFeatures, config, JVM_OPTIONS);
    }

    RevisorInstance revisor(String label, String extraFeatures, Map<String, String> config, List<String> jvmOptions) throws IOException {
        return revisorWithFeatures(label, "revisor-core " + PROBE_FEATURE + (extraFeatures.isEmpty() ? "" : " " + extraFeatures),
                config, jvmOptions);
    }

    /** Revisor's launcher booting exactly these features (the probe's included by the caller). */
    RevisorInstance revisorWithFeatures(String label, String features, Map<String, String> config, List<String> jvmOptions)
            throws IOException {
        RevisorInstance r = new RevisorInstance("Revisor", dist, newHome(label), jvmOptions, features, config);
        r.prepare();
        return r;
    }

    PlainFelixInstance plain(String label, List<Path> extra, int extraLevel, Map<String, String> config) throws IOException {
        PlainFelixInstance p = new PlainFelixInstance("plain Felix", felixMain, newHome(label), JVM_OPTIONS,
                dist.resolve("system"), baseline, probeJar, extra, extraLevel, config);
        p.prepare();
        return p;
    }

    /** The shipped FileInstall poll interval of the distribution, in ms. */
    String shippedPoll() throws IOException {
        for (String line : Files.readAllLines(dist.resolve("etc/config.properties"))) {
            String t = line.trim();
            if (t.matches("felix\\.fileinstall\\.poll\\s*[=:].*")) {
                return t.replaceFirst("^[^=:]*[=:]\\s*", "").trim();
            }
        }
        return "2000";
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path rel = from.relativize(dir);
                if (rel.toString().equals("data")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(rel.toString()));
                if (rel.toString().equals("deploy")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }

    static File file(Path p) {
        return p.toFile();
    }

    static void unchecked(IOException e) {
        throw new UncheckedIOException(e);
    }
}
