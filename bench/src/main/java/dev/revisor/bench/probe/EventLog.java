package dev.revisor.bench.probe;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The probe's event file: one line per event, {@code <epoch microseconds> <TYPE> <fields...>}, flushed as it is
 * written so that the harness (another process) sees it at once. The timestamp is taken when the event happens, so
 * how often the harness reads the file adds nothing to a measured latency.
 * <p>
 * Concurrent Semantics: thread safe (one lock around the writer).
 */
public final class EventLog implements AutoCloseable {
    private final BufferedWriter out;
    private volatile boolean muted;

    public EventLog(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** @return the current time in microseconds since the epoch (the same clock as the harness's) */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Events of the bundles named are not written while muted (the cycles task: its own churn is no signal). */
    public void mute(boolean muted) {
        this.muted = muted;
    }

    public boolean muted() {
        return muted;
    }

    public void write(long micros, String type, String fields) {
        String line = micros + " " + type + (fields.isEmpty() ? "" : " " + fields) + "\n";
        synchronized (out) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (out) {
            out.close();
        }
    }
}
