package dev.revisor.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The launcher's side of the class-data archives that bin/revisor makes and uses, the client's and the runtime's
 * (docs/running.md, "Start-up of the client" and "Start-up of the runtime"): a stamp next to the archive names the
 * Java build, the class path and the launcher jar's size and CRC-32 it was made for, and for the runtime's archive
 * ({@code -Drevisor.cds.kind=runtime}) also a checksum of the bundles in the distribution's {@code system/}. A run
 * that makes the archive writes the stamp ({@code -Drevisor.cds.create=STAMP}); a client that uses it
 * ({@code -Drevisor.cds.stamp=STAMP}) checks it first and deletes an archive made for anything else, so that the next
 * {@code exec} makes a new one.
 * <p>
 * The JVM refuses an archive made by another Java build or for another class path by itself, but it recognises a
 * changed jar only by its file time and size, and the build writes every jar with the same time (reproducible
 * builds): a rebuilt launcher jar of the same size would run with the archived, old classes. When the stamp shows that
 * the jar changed, the command is therefore run again by a fresh {@code bin/revisor} (without the archive, which is
 * gone by then) instead of by this JVM.
 * <p>
 * The runtime's archive is named after a checksum of {@code lib/}'s jars by bin/revisor, so its launcher classes are
 * always the current ones; a bundle class is used from it only when its bytes match (the JVM compares them), so a
 * stale runtime archive only costs time: its stamp is checked when the run ends (reading every bundle jar would slow
 * the start), and the archive deleted when it names other bundles, so that the next run makes a new one.
 * <p>
 * Runs on the main thread (the client's, and the runtime's when the run ends). Never fails the command: any error is
 * ignored (the archive is an optimisation).
 */
final class ClientArchive {
    private ClientArchive() {
    }

    /**
     * What the archive was made for: JVM version, Java installation, class path, (for the runtime's archive) the
     * bundles of the distribution, launcher jar size and CRC-32.
     */
    static String identity() {
        String classPath = System.getProperty("java.class.path", "");
        int end = classPath.indexOf(File.pathSeparatorChar);
        String dist = System.getProperty(Layout.PROP_DIST);
        String bundles = runtime() && dist != null ? "bundles " + bundlesId(Paths.get(dist, "system")) + "\n" : "";
        return System.getProperty("java.vm.version") + "\n" + System.getProperty("java.home") + "\n" + classPath
                + "\n" + bundles + jarId(Paths.get(end < 0 ? classPath : classPath.substring(0, end))) + "\n";
    }

    /** Whether this JVM uses or makes the runtime's archive (bin/revisor run), not the client's. */
    static boolean runtime() {
        return "runtime".equals(System.getProperty("revisor.cds.kind"));
    }

    /**
     * @return the number of jars under {@code system} and a CRC-32 over their paths and contents, in path order, or
     *         {@code unreadable}
     */
    static String bundlesId(Path system) {
        try (java.util.stream.Stream<Path> files = Files.walk(system)) {
            List<Path> jars = new ArrayList<>();
            files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).forEach(jars::add);
            java.util.Collections.sort(jars);
            CRC32 crc = new CRC32();
            for (Path jar : jars) {
                crc.update(system.relativize(jar).toString().getBytes(StandardCharsets.UTF_8));
                crc.update(Files.readAllBytes(jar));
            }
            return jars.size() + " " + Long.toHexString(crc.getValue());
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    /** @return {@code SIZE CRC32} of the file, or {@code unreadable} */
    static String jarId(Path jar) {
        try {
            byte[] bytes = Files.readAllBytes(jar);
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length);
            return bytes.length + " " + Long.toHexString(crc.getValue());
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    /**
     * Before a client command: checks the stamp of the archive in use, deletes a stale archive, and tells whether
     * this JVM may have loaded old classes from it (the launcher jar changed).
     *
     * @return true if the command must run in a fresh JVM ({@link #rerun})
     */
    static boolean beforeCommand() {
        String stamp = System.getProperty("revisor.cds.stamp");
        if (stamp == null) {
            return false;
        }
        if (runtime()) { // its launcher classes are current (see above); the stamp is checked when the run ends
            return false;
        }
        try {
            String recorded = check(Paths.get(stamp), identity());
            return recorded != null && !lastLine(recorded).equals(lastLine(identity()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * After a command that made the archive: writes its stamp. After a run of the runtime that used one: deletes it
     * when its stamp names other bundles or another Java, so that the next run makes a new one.
     */
    static void afterCommand() {
        String create = System.getProperty("revisor.cds.create");
        String used = System.getProperty("revisor.cds.stamp");
        if (create == null && used != null && runtime()) {
            try {
                check(Paths.get(used), identity());
            } catch (IOException | RuntimeException e) {
                // an optimisation only
            }
            return;
        }
        if (create == null) {
            return;
        }
        try {
            String identity = identity();
            Files.write(Paths.get(create), identity.getBytes(StandardCharsets.UTF_8));
            check(Paths.get(create), identity); // reads it back: the classes of the check go into the archive
        } catch (IOException | RuntimeException e) {
            // an optimisation only: the command's outcome stands
        }
    }

    /**
     * Runs the command again through {@code bin/revisor} (standard streams inherited).
     *
     * @return its exit status, or -1 if it could not be started (then run it here)
     */
    static int rerun(String[] args) {
        String dist = System.getProperty("revisor.dist");
        if (dist == null) {
            return -1;
        }
        List<String> command = new ArrayList<>();
        command.add(Paths.get(dist, "bin", "revisor").toString());
        for (String arg : args) {
            command.add(arg);
        }
        try {
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILURE;
        }
    }

    /**
     * Deletes the archive next to {@code stamp} (its name without {@code .stamp}) and the stamp unless the stamp is
     * {@code identity}.
     *
     * @return null if they match; else what the stamp said ("" when there was none), after deleting both
     */
    static String check(Path stamp, String identity) throws IOException {
        String recorded = "";
        if (Files.isRegularFile(stamp)) {
            recorded = new String(Files.readAllBytes(stamp), StandardCharsets.UTF_8);
        }
        if (identity.equals(recorded)) {
            return null;
        }
        String name = stamp.getFileName().toString();
        Path archive = stamp.resolveSibling(name.substring(0, name.length() - ".stamp".length()));
        Files.deleteIfExists(archive);
        Files.deleteIfExists(stamp);
        return recorded;
    }

    private static String lastLine(String text) {
        String trimmed = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }
}
