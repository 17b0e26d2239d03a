package dev.revisor.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code data/instance.properties}: what a running instance tells {@code start} and {@code status} once it is ready
 * (the framework has reached its start level): its pid, Revisor's version, the booted features, how many feature
 * bundles it installed, and whether the control socket was listening. Written by the {@code run} process (on the
 * framework's event thread, once per start of the framework), removed when it exits; read by the client commands.
 * A file whose pid is not the lock holder's is left over from a killed instance and means nothing.
 */
final class InstanceInfo {
    final long pid;
    final String version;
    final List<String> features;
    /** How many feature bundles the booted features name. */
    final int featureBundles;
    /** The control socket existed when the instance became ready. */
    final boolean controlSocket;
    /** When the instance became ready. */
    final Instant ready;

    InstanceInfo(long pid, String version, List<String> features, int featureBundles, boolean controlSocket,
            Instant ready) {
        this.pid = pid;
        this.version = version;
        this.features = List.copyOf(features);
        this.featureBundles = featureBundles;
        this.controlSocket = controlSocket;
        this.ready = ready;
    }

    static Path file(Layout layout) {
        return layout.data().resolve("instance.properties");
    }

    /** Writes the file atomically (a reader never sees half of it). */
    void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("version", version);
        p.setProperty("features", String.join(",", features));
        p.setProperty("feature.bundles", Integer.toString(featureBundles));
        p.setProperty("control.socket", Boolean.toString(controlSocket));
        p.setProperty("ready", ready.toString());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(writer, "written by the running instance once it is ready; removed when it exits");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The file's content, or null when it is missing or unreadable. */
    static InstanceInfo read(Path file) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(reader);
            List<String> features = new ArrayList<>();
            for (String name : p.getProperty("features", "").split(",")) {
                if (!name.isBlank()) {
                    features.add(name.trim());
                }
            }
            return new InstanceInfo(Long.parseLong(p.getProperty("pid", "-1").trim()), p.getProperty("version", "?"),
                    features, Integer.parseInt(p.getProperty("feature.bundles", "0").trim()),
                    Boolean.parseBoolean(p.getProperty("control.socket", "false")),
                    Instant.parse(p.getProperty("ready", Instant.EPOCH.toString()).trim()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Removes the file if it still names {@code pid}. */
    static void remove(Path file, long pid) {
        InstanceInfo info = read(file);
        if (info != null && info.pid == pid) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a stale file is harmless: readers compare its pid with the lock holder's
            }
        }
    }
}
