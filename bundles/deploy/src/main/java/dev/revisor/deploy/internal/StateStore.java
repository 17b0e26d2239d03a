package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

/**
 * Revisor's own files under {@code ${revisor.data}/deploy/}:
 * <pre>
 * state.json         what each file of the folder holds (FileRecord by file name)
 * transaction.json   the write-ahead record of the transaction in progress, if any
 * bytes/NAME         the bytes the bundle of NAME runs: the "previous bytes" of the next update (rollback, baseline)
 * staging/NAME       the incoming bytes of the transaction in progress: what is checked is what is installed
 * </pre>
 * Every write goes to a temporary file that is forced to disk and then moved over the old one.
 * Not thread safe: used on the deploy thread only.
 */
final class StateStore {
    /**
     * Made on first use (class initialisation): a fresh home has nothing to read, and setting up a Gson is tens of
     * milliseconds of the bundle's start (docs/benchmarks.md).
     */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    }

    private final Path dir;

    StateStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("bytes"));
        Files.createDirectories(dir.resolve("staging"));
    }

    Path directory() {
        return dir;
    }

    Path bytes(String name) {
        return dir.resolve("bytes").resolve(name);
    }

    Path staging(String name) {
        return dir.resolve("staging").resolve(name);
    }

    Map<String, FileRecord> loadRecords() throws IOException {
        Path file = dir.resolve("state.json");
        if (!Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Map<String, FileRecord> records =
                    Json.GSON.fromJson(in, new TypeToken<Map<String, FileRecord>>() { }.getType());
            return records == null ? new LinkedHashMap<>() : new LinkedHashMap<>(records);
        } catch (JsonParseException e) {
            throw new IOException(file + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    void saveRecords(Collection<FileRecord> records) throws IOException {
        Map<String, FileRecord> sorted = new TreeMap<>();
        for (FileRecord r : records) {
            sorted.put(r.file, r);
        }
        writeAtomically(dir.resolve("state.json"), Json.GSON.toJson(sorted));
    }

    Transaction readTransaction() throws IOException {
        Path file = dir.resolve("transaction.json");
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return Json.GSON.fromJson(in, Transaction.class);
        } catch (NoSuchFileException e) {
            return null;
        } catch (JsonParseException e) {
            throw new IOException(file + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    void writeTransaction(Transaction tx) throws IOException {
        writeAtomically(dir.resolve("transaction.json"), Json.GSON.toJson(tx));
    }

    void clearTransaction() throws IOException {
        Files.deleteIfExists(dir.resolve("transaction.json"));
    }

    /**
     * Copies a file of the deploy folder into staging/, computing its SHA-256 on the way.
     *
     * @return the digest, hex
     */
    String stage(Path source, String name) throws IOException {
        Path target = staging(name);
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(source), digest);
                OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Makes the staged bytes of NAME the bytes its bundle runs. */
    void keep(String name) throws IOException {
        Path staged = staging(name);
        if (Files.exists(staged)) {
            move(staged, bytes(name));
        }
    }

    void discardStaged(String name) throws IOException {
        Files.deleteIfExists(staging(name));
    }

    void forget(String name) throws IOException {
        Files.deleteIfExists(bytes(name));
        Files.deleteIfExists(staging(name));
    }

    static String sha256Of(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Writes a file so that a crash leaves either the old or the new content, never half of it. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        move(tmp, file);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(to.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // directories cannot be forced on every platform; the file itself is on disk
        }
    }
}
