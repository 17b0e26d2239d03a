package dev.revisor.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The client's side of its class-data archive (bin/revisor makes and uses it; docs/running.md, "Start-up of the
 * client"): a stamp next to the archive names the Java build and class path it was made for. A run that makes the
 * archive writes the stamp ({@code -Drevisor.cds.create=STAMP}); a run that uses it ({@code -Drevisor.cds.stamp=STAMP})
 * checks it and deletes an archive made by another Java build or for another class path, which that JVM ignored
 * anyway, so that the next {@code exec} makes a new one. The JVM itself refuses an archive that does not match it;
 * this only keeps a stale one from staying.
 * <p>
 * Runs on the client's main thread after its command, when the output is out. Never fails the command: any error
 * is ignored (the archive is an optimisation).
 */
final class ClientArchive {
    private ClientArchive() {
    }

    /**
     * What the archive depends on beyond what bin/revisor checks (file times): the JVM's version, its installation
     * directory, and the class path (a distribution moved or copied elsewhere has another one, and the JVM refuses an
     * archive made for another class path).
     */
    static String identity() {
        return System.getProperty("java.vm.version") + "\n" + System.getProperty("java.home") + "\n"
                + System.getProperty("java.class.path") + "\n";
    }

    /** Called once at the end of a client command. */
    static void afterCommand() {
        String create = System.getProperty("revisor.cds.create");
        String check = System.getProperty("revisor.cds.stamp");
        try {
            if (create != null) {
                Files.write(Paths.get(create), identity().getBytes(StandardCharsets.UTF_8));
                check(Paths.get(create), identity()); // reads it back: the classes of the check go into the archive
            } else if (check != null) {
                check(Paths.get(check), identity());
            }
        } catch (IOException | RuntimeException e) {
            // an optimisation only: the command's outcome stands
        }
    }

    /**
     * Deletes the archive next to {@code stamp} (its name without {@code .stamp}) and the stamp unless the stamp names
     * this Java build.
     *
     * @return whether they were deleted
     */
    static boolean check(Path stamp, String identity) throws IOException {
        String recorded = null;
        if (Files.isRegularFile(stamp)) {
            recorded = new String(Files.readAllBytes(stamp), StandardCharsets.UTF_8);
        }
        if (identity.equals(recorded)) {
            return false;
        }
        String name = stamp.getFileName().toString();
        Path archive = stamp.resolveSibling(name.substring(0, name.length() - ".stamp".length()));
        Files.deleteIfExists(archive);
        Files.deleteIfExists(stamp);
        return true;
    }
}
