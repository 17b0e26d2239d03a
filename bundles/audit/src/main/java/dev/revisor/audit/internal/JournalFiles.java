package dev.revisor.audit.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;

/**
 * The files of one journal folder: {@code journal.jsonl} is written to; when it grows past the size limit it is
 * renamed {@code journal.<last seq, 19 digits>.jsonl}, so names sort in the order the events happened.
 * Reading skips lines that are not complete events. Concurrent Semantics: reading is thread safe and may run
 * while the writer appends; rotation is done by the writer thread only.
 */
final class JournalFiles {
    static final String CURRENT = "journal.jsonl";
    private static final String PREFIX = "journal.";
    private static final String SUFFIX = ".jsonl";

    private final Path directory;
    private final JournalCodec codec;

    JournalFiles(Path directory, JournalCodec codec) {
        this.directory = directory;
        this.codec = codec;
    }

    Path directory() {
        return directory;
    }

    Path current() {
        return directory.resolve(CURRENT);
    }

    /** @return rotated files, oldest first (the current file is not included) */
    List<Path> rotated() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path p : stream) {
                if (!p.getFileName().toString().equals(CURRENT) && rotatedSeq(p) >= 0) {
                    files.add(p);
                }
            }
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    Path rotatedName(long lastSeq) {
        return directory.resolve(String.format("%s%019d%s", PREFIX, lastSeq, SUFFIX));
    }

    static long rotatedSeq(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return -1;
        }
        String middle = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
        if (middle.isEmpty() || !middle.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        try {
            return Long.parseLong(middle);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * @return the highest sequence number written so far in this folder, 0 when there is none
     */
    long lastSeq() throws IOException {
        long last = lastSeqOf(current());
        if (last > 0) {
            return last;
        }
        List<Path> rotated = rotated();
        for (int i = rotated.size() - 1; i >= 0; i--) {
            long seq = Math.max(rotatedSeq(rotated.get(i)), lastSeqOf(rotated.get(i)));
            if (seq > 0) {
                return seq;
            }
        }
        return 0;
    }

    private long lastSeqOf(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int window = 64 * 1024;
            while (true) {
                long start = Math.max(0, length - window);
                byte[] tail = new byte[(int) (length - start)];
                raf.seek(start);
                raf.readFully(tail);
                String text = new String(tail, StandardCharsets.UTF_8);
                String[] lines = text.split("\n");
                // the first line of the window may be cut unless the window starts the file
                for (int i = lines.length - 1; i >= (start == 0 ? 0 : 1); i--) {
                    AuditEventDTO e = codec.decode(lines[i]);
                    if (e != null) {
                        return e.seq;
                    }
                }
                if (start == 0) {
                    return 0;
                }
                window *= 4;
            }
        }
    }

    /**
     * The events among the newest {@code lines} lines whose text contains {@code marker}; the other lines are
     * counted, not decoded (decoding is what costs when the journal is read back at start).
     *
     * @return those events, oldest first
     */
    List<AuditEventDTO> tail(int lines, String marker) throws IOException {
        Deque<AuditEventDTO> found = new ArrayDeque<>();
        List<Path> files = new ArrayList<>(rotated());
        files.add(current());
        int seen = 0;
        for (int f = files.size() - 1; f >= 0 && seen < lines; f--) {
            List<String> text = lines(files.get(f));
            for (int i = text.size() - 1; i >= 0 && seen < lines; i--) {
                String line = text.get(i);
                if (line.isBlank()) {
                    continue;
                }
                seen++;
                if (line.contains(marker)) {
                    AuditEventDTO event = codec.decode(line);
                    if (event != null) {
                        found.addFirst(event);
                    }
                }
            }
        }
        return new ArrayList<>(found);
    }

    private static List<String> lines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of(); // rotated or removed while we listed
        } catch (java.nio.charset.MalformedInputException e) {
            return List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
        }
    }

    /**
     * @param query the filters and the limit
     * @return the newest matching events, oldest first
     */
    List<AuditEventDTO> read(EventQuery query) throws IOException {
        Deque<AuditEventDTO> found = new ArrayDeque<>();
        List<Path> files = new ArrayList<>(rotated());
        files.add(current());
        for (int f = files.size() - 1; f >= 0 && found.size() < query.limit(); f--) {
            List<String> lines = lines(files.get(f));
            boolean older = false;
            for (int i = lines.size() - 1; i >= 0 && found.size() < query.limit(); i--) {
                AuditEventDTO event = codec.decode(lines.get(i));
                if (event == null) {
                    continue;
                }
                if (query.since() != null && event.time != null
                        && java.time.Instant.parse(event.time).isBefore(query.since())) {
                    older = true;
                    break; // events are in time order: everything before this is older still
                }
                if (query.matches(event)) {
                    found.addFirst(event);
                }
            }
            if (older) {
                break;
            }
        }
        return new ArrayList<>(found);
    }
}
