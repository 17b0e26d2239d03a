package dev.revisor.fleet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The shared artifact store: a directory in Maven layout that every member can read (a shared file system, or a
 * directory a repository manager serves). A plugin jar is published as
 * {@code fleet/SYMBOLIC/NAME/VERSION/NAME-VERSION-SHA12.jar} (groupId {@code fleet.<symbolic name>}): the hash in the
 * name keeps two builds of one version apart, and members verify the whole SHA-256 before they use the bytes.
 * <p>
 * Concurrent Semantics: thread safe (each call works on its own files; publishing is write-then-rename).
 */
final class ArtifactStore {
    private final Path root;

    ArtifactStore(Path root) {
        this.root = root;
    }

    /** What a jar is, read from its manifest. */
    record Artifact(String symbolicName, String version, String sha256, String path) {
    }

    /**
     * Reads {@code jar}'s identity and copies it into the store (unless the same bytes are there already).
     *
     * @throws IllegalArgumentException naming the file when it is no readable bundle jar
     */
    Artifact publish(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + ": no such file");
        }
        String symbolicName;
        String version;
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            Attributes main = manifest == null ? null : manifest.getMainAttributes();
            String bsn = main == null ? null : main.getValue("Bundle-SymbolicName");
            if (bsn == null || bsn.isBlank()) {
                throw new IllegalArgumentException(jar + ": not an OSGi bundle (its manifest has no Bundle-SymbolicName)");
            }
            symbolicName = bsn.split(";")[0].trim();
            String v = main.getValue("Bundle-Version");
            version = v == null || v.isBlank() ? "0.0.0" : v.trim();
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(jar + ": not a readable jar: " + e.getMessage());
        }
        String sha = sha256(jar);
        String path = "fleet/" + symbolicName.replace('.', '/') + "/" + version + "/" + symbolicName + "-" + version + "-"
                + sha.substring(0, 12) + ".jar";
        Path target = root.resolve(path);
        if (!Files.exists(target) || !sha.equals(sha256(target))) {
            Files.createDirectories(target.getParent());
            Path temp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.copy(jar, temp, StandardCopyOption.REPLACE_EXISTING);
            move(temp, target);
            Files.writeString(target.resolveSibling(target.getFileName() + ".sha256"), sha + "\n");
        }
        return new Artifact(symbolicName, version, sha, path);
    }

    /**
     * Copies the artifact at {@code path} to {@code target} and checks its SHA-256.
     *
     * @throws IOException when it is missing or its bytes are not the ones named
     */
    void fetch(String path, String sha256, Path target) throws IOException {
        Path source = root.resolve(path).normalize();
        if (!source.startsWith(root)) {
            throw new IOException("the artifact path " + path + " leaves the store " + root);
        }
        if (!Files.isRegularFile(source)) {
            throw new IOException("the store " + root + " has no " + path);
        }
        Files.createDirectories(target.getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        String actual = sha256(target);
        if (!actual.equals(sha256)) {
            Files.deleteIfExists(target);
            throw new IOException(source + " has SHA-256 " + actual + ", not " + sha256 + " as the rollout names");
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Renames atomically, replacing the target. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(from + " and " + to + " are on different file systems: cannot rename atomically", e);
        }
    }
}
