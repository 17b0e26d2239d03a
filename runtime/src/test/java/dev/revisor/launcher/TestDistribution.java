package dev.revisor.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away distribution for tests: {@code system/} is a copy of the bundles the build staged
 * (target/stage/system, every bundle the real features name), {@code etc/} holds the shipped defaults or files a test
 * writes, {@code features/} holds the features a test writes.
 */
final class TestDistribution {
    /** Third-party bundles the tests boot, as Maven ids (all in the staged system/). */
    static final String FUNCTION = "org.osgi:org.osgi.util.function:1.2.0";
    static final String PROMISE = "org.osgi:org.osgi.util.promise:1.3.0";
    static final String COMPONENT = "org.osgi:org.osgi.service.component:1.5.1";
    static final String CONFIGADMIN = "org.apache.felix:org.apache.felix.configadmin:1.9.26";
    static final String FILEINSTALL = "org.apache.felix:org.apache.felix.fileinstall:3.7.4";

    final Path dist;

    TestDistribution(Path dist) {
        this.dist = dist;
    }

    static Path stagedSystem() {
        return Paths.get(System.getProperty("revisor.test.system", "target/stage/system"));
    }

    static Path stagedFeatures() {
        return Paths.get(System.getProperty("revisor.test.features", "target/stage/features"));
    }

    static Path shippedEtc() {
        return Paths.get(System.getProperty("revisor.test.dist-etc", "src/main/dist/etc"));
    }

    /** A distribution with the given bundles in system/ and the shipped etc/ defaults. */
    static TestDistribution create(Path dir, String... bundles) {
        TestDistribution distribution = new TestDistribution(dir);
        try {
            Files.createDirectories(dir.resolve("features"));
            Files.createDirectories(dir.resolve("etc"));
            for (String name : new String[] {"revisor.properties", "config.properties", "logback.xml"}) {
                Files.copy(shippedEtc().resolve(name), dir.resolve("etc").resolve(name));
            }
            for (String bundle : bundles) {
                distribution.addToSystem(bundle);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return distribution;
    }

    /** Copies a staged bundle into this distribution's system/; returns the copy. */
    Path addToSystem(String mavenId) {
        ArtifactId id = ArtifactId.parse(mavenId);
        Path target = id.pathIn(dist.resolve("system"));
        try {
            Files.createDirectories(target.getParent());
            Files.copy(id.pathIn(stagedSystem()), target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    Path systemJar(String mavenId) {
        return ArtifactId.parse(mavenId).pathIn(dist.resolve("system"));
    }

    /** Writes features/NAME.json naming the bundles, each "mavenId@startOrder", with optional extra JSON members. */
    Path feature(String name, String extraJson, String... bundles) {
        List<String> entries = new ArrayList<>();
        for (String bundle : bundles) {
            String[] parts = bundle.split("@");
            entries.add("{\"id\": \"" + parts[0] + "\", \"start-order\": " + (parts.length > 1 ? parts[1] : "1") + "}");
        }
        String json = "{\n  \"feature-resource-version\": \"1.0\",\n  \"id\": \"test:" + name + ":1.0\",\n"
                + "  \"bundles\": [" + String.join(",\n    ", entries) + "]"
                + (extraJson == null ? "" : ",\n  " + extraJson) + "\n}\n";
        return write("features/" + name + ".json", json);
    }

    /** Writes etc/revisor.properties booting these features (and no console feature). */
    void boot(String... features) {
        write("etc/revisor.properties", "revisor.features = " + String.join(", ", features) + "\n"
                + "revisor.features.console =\nrevisor.stop.timeout = 20\n");
    }

    /** Appends lines to etc/config.properties. */
    void config(String lines) {
        try {
            Files.writeString(dist.resolve("etc/config.properties"), "\n" + lines + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(String relative, String content) {
        Path file = dist.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    Layout layout() {
        return new Layout(dist, dist);
    }

    Layout layout(Path home) {
        return new Layout(dist, home);
    }
}
