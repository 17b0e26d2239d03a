package dev.revisor.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Reads the probe's {@code events.log} as it grows. Every line carries the time the event happened inside the
 * runtime ({@code <epoch µs> <TYPE> [<bundle id> <symbolic name> <version> | key=value...]}), so how often this
 * reader polls never changes a measured figure; it only decides how soon the harness moves on.
 */
final class Events {
    /** One line of the probe's event file. {@code bundleId} is -1 and {@code bsn}/{@code version} empty for non-bundle events. */
    record Event(long micros, String type, long bundleId, String bsn, String version, String rest) {
    }

    private final Path file;
    private final List<Event> events = new ArrayList<>();
    private long position;
    private final StringBuilder partial = new StringBuilder();

    Events(Path file) {
        this.file = file;
    }

    /** Parses one line; bundle events have exactly {@code micros TYPE id bsn version}. */
    static Event parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length < 2) {
            throw new IllegalArgumentException("not a probe event line: '" + line + "'");
        }
        long micros = Long.parseLong(f[0]);
        String rest = f.length > 2 ? line.trim().substring(f[0].length() + f[1].length() + 2) : "";
        if (f.length == 5 && f[2].chars().allMatch(Character::isDigit)) {
            return new Event(micros, f[1], Long.parseLong(f[2]), f[3], f[4], rest);
        }
        return new Event(micros, f[1], -1, "", "", rest);
    }

    /** Reads what was appended since the last call. */
    synchronized void refresh() {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length <= position) {
                return;
            }
            byte[] bytes = new byte[(int) (length - position)];
            raf.seek(position);
            raf.readFully(bytes);
            position = length;
            partial.append(new String(bytes, StandardCharsets.UTF_8));
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                if (!line.isBlank()) {
                    events.add(parse(line));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        }
    }

    /** @return how many events were read so far: a mark for {@link #await} and {@link #since} */
    synchronized int mark() {
        refresh();
        return events.size();
    }

    synchronized List<Event> since(int mark) {
        refresh();
        return new ArrayList<>(events.subList(mark, events.size()));
    }

    /**
     * Waits for the first event after {@code mark} that matches.
     *
     * @param alive checked while waiting: the runtime process still runs
     * @throws IllegalStateException on time-out or when the process died
     */
    Event await(int mark, Predicate<Event> match, Duration timeout, BooleanSupplier alive, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Event e : since(mark)) {
                if (match.test(e)) {
                    return e;
                }
            }
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException("the runtime exited while waiting for " + what.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
