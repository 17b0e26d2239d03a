package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code bin/revisor} script as a process, as a user runs it, against one real instance: the batch mode
 * ({@code exec -}, {@code exec --file}) and the client's class-data archive (made, used, and remade or ignored when it
 * is missing, stale or made by another Java build, never with a word on standard error).
 * <p>
 * The instance is started like in {@link DaemonProcessTest}; the client distribution holds the shipped script and a
 * launcher jar made from the compiled classes.
 */
class ClientProcessTest {
    @TempDir
    static Path dir;

    private static Path home;
    private static Path client;
    private static long pid;

    @BeforeAll
    static void startInstance() throws Exception {
        Path dist = dir.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createSymbolicLink(dist.resolve("etc"), TestDistribution.shippedEtc().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("features"), TestDistribution.stagedFeatures().toAbsolutePath());
        Files.createSymbolicLink(dist.resolve("system"), TestDistribution.stagedSystem().toAbsolutePath());
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path script = dist.resolve("bin/revisor");
        Files.writeString(script, "#!/usr/bin/env bash\nexec '" + java + "' -Xmx128m -XX:+UseSerialGC '-Drevisor.dist="
                + dist.toAbsolutePath() + "' -cp '" + System.getProperty("revisor.test.classpath")
                + "' dev.revisor.launcher.Main \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = dir.resolve("home");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int started = Main.run(new String[] {"--home", home.toString(), "start"}, System.getenv(),
                dist.toAbsolutePath(), new PrintStream(out, true), new PrintStream(out, true));
        assertThat(started).as(out.toString(StandardCharsets.UTF_8)).isZero();
        pid = InstanceLock.readPid(home.resolve("data/revisor.pid"));

        client = dir.resolve("client");
        Files.createDirectories(client.resolve("bin"));
        Files.createDirectories(client.resolve("lib"));
        Files.copy(Paths.get("src/main/dist/bin/revisor"), client.resolve("bin/revisor"));
        Files.setPosixFilePermissions(client.resolve("bin/revisor"), PosixFilePermissions.fromString("rwxr-xr-x"));
        jar(Paths.get(System.getProperty("revisor.test.classpath").split(File.pathSeparator)[0]),
                client.resolve("lib/revisor-launcher.jar"));
    }

    @AfterAll
    static void stopInstance() {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (pid > 0 && process.isPresent() && process.get().isAlive()) {
            process.get().destroy();
            if (!process.get().onExit().completeOnTimeout(null, 60, TimeUnit.SECONDS).join().isAlive()) {
                return;
            }
            process.get().destroyForcibly();
            process.get().onExit().join();
        }
    }

    /** A resource the test changes in place (same size, same file time): a rebuilt jar as the JVM sees it. */
    private static final String MARKER = "revisor-client-test-marker-1";

    private static void jar(Path classes, Path target) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target));
                Stream<Path> files = Files.walk(classes)) {
            byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
            ZipEntry stored = new ZipEntry("client-test-marker.txt");
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(marker.length);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(marker);
            stored.setCrc(crc.getValue());
            out.putNextEntry(stored);
            out.write(marker);
            out.closeEntry();
            for (Path file : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                out.putNextEntry(new ZipEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }

    /** One run of the shipped script. */
    private static final class Result {
        int status;
        String out;
        String err;

        @Override
        public String toString() {
            return "status " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    private static Result revisor(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(client.resolve("bin/revisor").toString());
        command.add("--home");
        command.add(home.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("REVISOR_CLIENT_CDS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        Result r = new Result();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errors = new Thread(() -> copy(p.getErrorStream(), err), "client-test-stderr");
        errors.start();
        r.out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("bin/revisor %s ended", command).isTrue();
        errors.join(10_000);
        r.status = p.exitValue();
        r.err = err.toString(StandardCharsets.UTF_8);
        return r;
    }

    private static void copy(InputStream from, ByteArrayOutputStream to) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            // the process ended
        }
    }

    // ------------------------------------------------------------------ batch

    @Test
    void aBatchFromStandardInputRunsInOrderAndStopsAtTheFirstFailureWithItsStatus() throws Exception {
        Result ok = revisor("# the bundles\nlb\n\nframeworklevel\n", "exec", "-");
        assertThat(ok.status).as("%s", ok).isZero();
        assertThat(ok.err).isEmpty();
        assertThat(ok.out).contains("Revisor shell").contains("Level is ");
        assertThat(ok.out.indexOf("Revisor shell")).isLessThan(ok.out.indexOf("Level is "));

        Result failed = revisor("frameworklevel\nno-such-command\nlb\n", "exec", "-");
        assertThat(failed.status).as("%s", failed).isEqualTo(1);
        assertThat(failed.out).contains("Level is ").doesNotContain("Revisor shell");
        assertThat(failed.err).contains("Command not found: no-such-command")
                .contains("revisor: stopped at line 2 of standard input (exit status 1); 1 more command line was not"
                        + " run (--keep-going runs them)");

        Result going = revisor("no-such-command\nlb\naudit:conflicts --json\n", "exec", "--keep-going", "-");
        assertThat(going.status).as("%s", going).isEqualTo(1);
        assertThat(going.out).contains("Revisor shell").contains("\"splitPackages\"");
        assertThat(going.err).contains("revisor: 1 of 3 command lines failed; the first at line 1 of standard input"
                + " (exit status 1)");
    }

    @Test
    void aBatchFromAFileAndAMissingFileIsNamed() throws Exception {
        Path script = Files.writeString(dir.resolve("commands.txt"), "frameworklevel\n# done\n");
        Result ok = revisor(null, "exec", "--file", script.toString());
        assertThat(ok.status).as("%s", ok).isZero();
        assertThat(ok.out).contains("Level is ");

        Path missing = dir.resolve("no-such-commands.txt");
        Result none = revisor(null, "exec", "--file", missing.toString());
        assertThat(none.status).as("%s", none).isEqualTo(66);
        assertThat(none.err).isEqualTo("revisor: --file " + missing + ": no such file\n");
        assertThat(none.out).isEmpty();
    }

    // ------------------------------------------------------------------ class-data archive

    private static Path archive() throws IOException {
        try (Stream<Path> files = Files.list(client.resolve("lib/cds"))) {
            List<Path> archives = files.filter(f -> f.toString().endsWith(".jsa")).collect(Collectors.toList());
            assertThat(archives).hasSize(1);
            return archives.get(0);
        }
    }

    private static void assertAnswers(Result r) {
        assertThat(r.status).as("%s", r).isZero();
        assertThat(r.out).contains("Level is ");
        assertThat(r.err).as("nothing about the archive reaches the user").isEmpty();
    }

    @Test
    void theArchiveIsMadeUsedAndRemadeWhenMissingStaleOrMadeByAnotherJava() throws Exception {
        Path cds = client.resolve("lib/cds");
        // missing: the first exec makes it
        if (Files.isDirectory(cds)) {
            try (Stream<Path> files = Files.list(cds)) {
                for (Path f : files.collect(Collectors.toList())) {
                    Files.delete(f);
                }
            }
        }
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        Path archive = archive();
        Path stamp = archive.resolveSibling(archive.getFileName() + ".stamp");
        assertThat(stamp).exists();
        FileTime made = Files.getLastModifiedTime(archive);

        // used as it is
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);

        // stale: lib/ changed after it was made; the next exec makes a new one
        Path jar = client.resolve("lib/revisor-launcher.jar");
        FileTime older = FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000);
        Files.setLastModifiedTime(archive, older);
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(jar));

        // the jar rebuilt with the same size and file time (reproducible builds): the JVM would take the archived
        // classes for current; the client sees the stamp, drops the archive and runs the command in a fresh JVM
        byte[] bytes = Files.readAllBytes(jar);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(MARKER);
        assertThat(at).isPositive();
        bytes[at + MARKER.length() - 1] = '2';
        FileTime jarTime = Files.getLastModifiedTime(jar);
        Files.write(jar, bytes);
        Files.setLastModifiedTime(jar, jarTime);
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        assertThat(archive).exists();
        assertThat(Files.readString(stamp)).endsWith(ClientArchive.jarId(jar) + "\n");

        // made by another Java build: the JVM ignores it, the client deletes it, the next exec makes a new one
        String current = Files.readString(stamp);
        Files.writeString(stamp, "17.0.0+1-other\n/opt/other-java\n" + current.substring(current.indexOf('\n',
                current.indexOf('\n') + 1) + 1));
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        assertThat(archive).doesNotExist();
        assertAnswers(revisor(null, "exec", "frameworklevel"));
        assertThat(archive).exists();

        // not an archive at all (another JVM's format, a broken copy): ignored without a word
        Files.write(archive, "not a class-data archive".getBytes(StandardCharsets.UTF_8));
        Files.setLastModifiedTime(archive, FileTime.fromMillis(System.currentTimeMillis() + 120_000));
        assertAnswers(revisor(null, "exec", "frameworklevel"));

        // commands other than exec never make one, and a failed exec leaves none behind
        Files.delete(archive);
        assertThat(revisor(null, "version").status).isZero();
        assertThat(archive).doesNotExist();
        Result failed = revisor(null, "exec", "no-such-command");
        assertThat(failed.status).isEqualTo(1);
        assertThat(failed.err).isEqualTo("Command not found: no-such-command\n");
        try (Stream<Path> files = Files.list(cds)) {
            assertThat(files.filter(f -> f.toString().endsWith(".jsa") || f.toString().endsWith(".new")))
                    .isEmpty();
        }

    }
}
