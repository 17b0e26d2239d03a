package dev.revisor.bench.faults;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Reads the journal ({@code data/audit/journal.jsonl}, docs/journal.md) as it grows, from the outside, as a script
 * would: complete lines only (a line without its newline yet is left for the next read). Keeps the last
 * {@code deploy.*} event of each file ({@code details.file}) and every problem found: a line that is not one complete
 * event, or a {@code seq} that does not increase. A kill -9 may leave the line being written incomplete: the campaign
 * calls {@link #markKill()} after each kill, and that one line (the last one at the kill) is allowed to be corrupt.
 * Used by one campaign thread.
 */
final class JournalReader {
    private final Path file;
    private long offset;
    private long lines;
    private long lastSeq = -1;
    private final Map<String, JsonObject> lastDeploy = new HashMap<>();
    private final Set<Long> allowedCorrupt = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    private int reported;

    JournalReader(Path home) {
        this.file = home.resolve("data/audit/journal.jsonl");
    }

    /** Reads what was appended since the last call. */
    void read() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        long size = Files.size(file);
        if (size < offset) {
            problems.add("data/audit/journal.jsonl shrank from " + offset + " to " + size + " bytes (rotated? the campaign never fills 16 MiB)");
            offset = 0;
            lines = 0;
            lastSeq = -1;
        }
        if (size == offset) {
            return;
        }
        byte[] bytes;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            bytes = new byte[(int) (size - offset)];
            raf.readFully(bytes);
        }
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            long lineOffset = offset + start;
            lines++;
            line(new String(bytes, start, i - start, StandardCharsets.UTF_8), lineOffset);
            start = i + 1;
        }
        offset += start;
    }

    private void line(String text, long at) {
        JsonObject event = null;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject() && e.getAsJsonObject().has("seq") && e.getAsJsonObject().has("type")) {
                event = e.getAsJsonObject();
            }
        } catch (RuntimeException e) {
            event = null;
        }
        if (event == null) {
            if (!allowedCorrupt.contains(at)) {
                problems.add("data/audit/journal.jsonl line " + lines + " (byte " + at + ") is not one complete event, and it was not "
                        + "the last line at a kill -9: '" + abbreviate(text) + "'");
            }
            return;
        }
        long seq = event.get("seq").getAsLong();
        if (seq <= lastSeq) {
            problems.add("data/audit/journal.jsonl line " + lines + ": seq " + seq + " does not increase (the line before had " + lastSeq + ")");
        }
        lastSeq = seq;
        String type = event.get("type").getAsString();
        JsonObject details = event.has("details") && event.get("details").isJsonObject() ? event.getAsJsonObject("details") : null;
        if (type.startsWith("deploy.") && details != null && details.has("file")) {
            lastDeploy.put(details.get("file").getAsString(), event);
        }
    }

    /** After a kill -9 (the process is gone): the line it may have left half-written is allowed to be corrupt. */
    void markKill() throws IOException {
        read();
        if (Files.exists(file) && Files.size(file) > offset) {
            allowedCorrupt.add(offset);
        }
    }

    Map<String, JsonObject> lastDeployEvents() {
        return new HashMap<>(lastDeploy);
    }

    /** @return problems found since the previous call */
    List<String> newProblems() {
        List<String> out = new ArrayList<>(problems.subList(reported, problems.size()));
        reported = problems.size();
        return out;
    }

    static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
