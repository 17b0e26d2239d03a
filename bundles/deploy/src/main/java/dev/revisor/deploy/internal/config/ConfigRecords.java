package dev.revisor.deploy.internal.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;

import dev.revisor.deploy.api.ConfigFileDTO;

/**
 * What Revisor remembers about configuration changes, under {@code data/config/}: one record per watched file
 * ({@code files.json}: its state, outcome, reason), where each PID's values came from, and the write-ahead record of
 * the change in progress ({@code inflight.json}: the previous values, so that after a {@code kill -9} the record says
 * which configuration is in force). Also writes and removes the {@code FILE.failed} markers. Every write goes to a
 * temporary file, forced, then moved over the old one.
 * <p>
 * Concurrent Semantics: thread safe (synchronized); written only by the config thread.
 */
final class ConfigRecords {
    static final String FAILED_SUFFIX = ".failed";
    /**
     * Made on first use (class initialisation): a fresh home has nothing to read, and setting up a Gson is tens of
     * milliseconds of the bundle's start (docs/benchmarks.md).
     */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    }

    /** The change in progress, written before Configuration Admin is touched. */
    static final class Inflight {
        String operation;
        String pid;
        String file;
        /** The values before, in the typed .config format; {@code null}: there was no configuration. */
        String previous;
        /** The values asked for, likewise; {@code null}: a deletion. */
        String next;
        /** Whether the change was being rolled back. */
        boolean rollingBack;
    }

    /** What is kept: files by path, the source of each PID. */
    private static final class State {
        Map<String, ConfigFileDTO> files = new TreeMap<>();
        Map<String, String> sources = new TreeMap<>();
    }

    private final Path directory;
    private State state = new State();

    ConfigRecords(Path directory) {
        this.directory = directory;
    }

    synchronized void load() throws IOException {
        Files.createDirectories(directory);
        Path f = directory.resolve("files.json");
        if (Files.exists(f)) {
            State s = Json.GSON.fromJson(Files.readString(f), State.class);
            if (s != null) {
                state = s;
                if (state.files == null) {
                    state.files = new TreeMap<>();
                }
                if (state.sources == null) {
                    state.sources = new TreeMap<>();
                }
            }
        }
    }

    Path directory() {
        return directory;
    }

    synchronized ConfigFileDTO file(String key) {
        return state.files.get(key);
    }

    synchronized List<ConfigFileDTO> files() {
        List<ConfigFileDTO> out = new ArrayList<>();
        state.files.values().forEach(f -> out.add(copy(f)));
        return out;
    }

    synchronized void put(String key, ConfigFileDTO file) throws IOException {
        state.files.put(key, copy(file));
        save();
    }

    synchronized void remove(String key) throws IOException {
        state.files.remove(key);
        save();
    }

    synchronized String source(String pid) {
        return state.sources.get(pid);
    }

    synchronized void source(String pid, String source) throws IOException {
        if (source == null) {
            state.sources.remove(pid);
        } else {
            state.sources.put(pid, source);
        }
        save();
    }

    // ---- write-ahead record

    synchronized void begin(Inflight inflight) throws IOException {
        write(directory.resolve("inflight.json"), Json.GSON.toJson(inflight));
    }

    synchronized void end() throws IOException {
        Files.deleteIfExists(directory.resolve("inflight.json"));
    }

    synchronized Inflight inflight() throws IOException {
        Path f = directory.resolve("inflight.json");
        return Files.exists(f) ? Json.GSON.fromJson(Files.readString(f), Inflight.class) : null;
    }

    // ---- markers

    /** Writes {@code FILE.failed} beside the file. */
    static void mark(Path file, String text) throws IOException {
        Path marker = file.resolveSibling(file.getFileName() + FAILED_SUFFIX);
        write(marker, text.endsWith("\n") ? text : text + "\n");
    }

    /** Removes {@code FILE.failed}. */
    static void unmark(Path file) throws IOException {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + FAILED_SUFFIX));
    }

    private void save() throws IOException {
        Files.createDirectories(directory);
        write(directory.resolve("files.json"), Json.GSON.toJson(state));
    }

    private static void write(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ConfigFileDTO copy(ConfigFileDTO f) {
        return Json.GSON.fromJson(Json.GSON.toJson(f), new TypeToken<ConfigFileDTO>() { }.getType());
    }
}
