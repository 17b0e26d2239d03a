package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's class-data archive as the shipped {@code bin/revisor run} makes and uses it (docs/running.md, "Start-up
 * of the runtime"): the first clean run writes it at its stop, the next run checks it and uses it, a run with other
 * bundles in {@code system/} drops it so that the run after makes a new one, and a broken file is ignored. Every run
 * starts and stops as without an archive, and nothing about the archive reaches the user's terminal.
 */
class RuntimeArchiveProcessTest {
    @TempDir
    Path dir;

    private Path dist;
    private Process running;

    @BeforeEach
    void distribution() throws IOException {
        TestDistribution test = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION,
                TestDistribution.PROMISE);
        test.feature("tiny", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@2");
        test.write("etc/revisor.properties", "revisor.features = tiny\nrevisor.stop.timeout = 30\n");
        dist = test.dist;
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("lib"));
        Files.copy(Paths.get("src/main/dist/bin/revisor"), dist.resolve("bin/revisor"));
        Files.setPosixFilePermissions(dist.resolve("bin/revisor"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String[] classPath = System.getProperty("revisor.test.classpath").split(File.pathSeparator);
        StringBuilder libs = new StringBuilder();
        for (int i = 1; i < classPath.length; i++) {
            Path jar = Paths.get(classPath[i]);
            Files.copy(jar, dist.resolve("lib").resolve(jar.getFileName()));
            libs.append(i > 1 ? " " : "").append(jar.getFileName());
        }
        launcherJar(Paths.get(classPath[0]), dist.resolve("lib/revisor-launcher.jar"), libs.toString());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (running != null && running.isAlive()) {
            running.destroyForcibly();
            running.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The launcher jar as the build makes it: the classes, Main-Class, and the framework and Gson on Class-Path. */
    private static void launcherJar(Path classes, Path target, String classPath) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                out.putNextEntry(new ZipEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }

    /**
     * {@code bin/revisor --home HOME run} until "started", then SIGTERM; returns its standard error but the line that
     * says it got the signal.
     */
    private String runAndStop(String home) throws Exception {
        return runAndStop(home, null);
    }

    private String read(String name) throws IOException {
        Path file = dir.resolve(name);
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private List<Path> cds(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dist.resolve("lib/cds"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("runtime") && f.toString().endsWith(suffix))
                    .sorted().collect(Collectors.toList());
        }
    }

    /** Whether the process maps a runtime archive of lib/cds (also one deleted since it was mapped). */
    private boolean mapsTheArchive(long pid) throws IOException {
        String prefix = dist.toRealPath().resolve("lib/cds/runtime").toString();
        return Files.readAllLines(Paths.get("/proc", Long.toString(pid), "maps")).stream()
                .anyMatch(line -> line.contains(prefix) && line.contains(".jsa") && !line.contains(".jsa.stamp"));
    }

    @Test
    void theFirstRunMakesTheArchiveTheNextUsesItAndOtherBundlesRetireIt() throws Exception {
        // first run: no archive yet; the JVM writes one at the clean stop, in a file of its own, with the stamp
        runAndStop("h1", false);
        assertThat(cds(".jsa")).isEmpty();
        List<Path> pending = cds(".new");
        assertThat(pending).hasSize(1);
        assertThat(pending.get(0).resolveSibling(pending.get(0).getFileName() + ".stamp")).exists();

        // second run: the archive passes a test start, is put in place and used (the JVM maps it)
        assertThat(runAndStop("h2", true)).isEmpty();
        Path archive = cds(".jsa").get(0);
        Path stamp = archive.resolveSibling(archive.getFileName() + ".stamp");
        assertThat(Files.readString(stamp)).contains("\nbundles 2 ");
        assertThat(cds(".new")).isEmpty();

        // a bundle in system/ rebuilt (other bytes, the same classes): that run still uses the archive (the JVM takes
        // a bundle class from it only when the class's bytes match) and drops it; the next run makes a new one
        Path bundle = ArtifactId.parse(TestDistribution.FUNCTION).pathIn(dist.resolve("system"));
        Files.write(bundle, withComment(Files.readAllBytes(bundle)));
        assertThat(runAndStop("h3", true)).isEmpty();
        assertThat(archive).doesNotExist();
        assertThat(runAndStop("h4", false)).isEmpty();
        assertThat(cds(".new")).hasSize(1);
        assertThat(runAndStop("h5", true)).isEmpty();

        // not an archive at all: refused by the test start and deleted; the run goes on without one
        Path made = cds(".jsa").get(0);
        Files.delete(made);
        Files.delete(made.resolveSibling(made.getFileName() + ".stamp"));
        assertThat(runAndStop("h6", false)).isEmpty();
        Path broken = cds(".new").get(0);
        Files.writeString(broken, "not a class-data archive");
        assertThat(runAndStop("h7", false)).isEmpty();
        assertThat(broken).doesNotExist();
    }

    /**
     * Like {@link #runAndStop(String)}; checks, while it runs, whether the JVM mapped the runtime's archive (unless
     * {@code expectMapped} is null).
     */
    private String runAndStop(String home, Boolean expectMapped) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/revisor").toString(), "--home",
                dir.resolve(home).toString(), "run")
                .redirectOutput(dir.resolve(home + ".out").toFile())
                .redirectError(dir.resolve(home + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("REVISOR_OPTS", "-Xmx64m -XX:+UseSerialGC");
        pb.environment().remove("REVISOR_RUNTIME_CDS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        running = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!read(home + ".out").contains("revisor: started")) {
            assertThat(running.isAlive()).as("revisor run alive; stderr: %s", read(home + ".err")).isTrue();
            assertThat(System.nanoTime()).as("revisor run started in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        boolean isMapped = mapsTheArchive(running.pid());
        running.destroy(); // SIGTERM
        assertThat(running.waitFor(60, TimeUnit.SECONDS)).as("stopped").isTrue();
        assertThat(running.exitValue()).as("stderr: %s", read(home + ".err")).isZero();
        assertThat(read(home + ".out")).contains("revisor: stopped");
        if (expectMapped != null) {
            assertThat(isMapped).as("archive in use; lib/cds: %s", cds("")).isEqualTo(expectMapped);
        }
        return read(home + ".err").replace("revisor: SIGTERM: stopping the framework\n", "");
    }

    /** The same jar with a one-byte comment in its end record: other bytes, the same entries. */
    private static byte[] withComment(byte[] jar) {
        assertThat(jar[jar.length - 22]).as("an end record without a comment").isEqualTo((byte) 0x50);
        byte[] out = java.util.Arrays.copyOf(jar, jar.length + 1);
        out[jar.length - 2] = 1; // comment length, little endian
        out[jar.length] = 'x';
        return out;
    }
}
