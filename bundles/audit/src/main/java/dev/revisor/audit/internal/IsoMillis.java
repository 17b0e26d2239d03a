package dev.revisor.audit.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Formats wall-clock milliseconds as ISO-8601 UTC with exactly three fraction digits
 * ({@code 2026-11-27T15:20:01.123Z}), the journal's {@code time} field.
 * <p>
 * It runs on the framework's threads for every journaled event, so it keeps the text of the current second and only
 * appends the milliseconds: one allocation per event instead of a {@link DateTimeFormatter} pass.
 * <p>
 * Concurrent Semantics: thread safe (the cached second is one immutable object behind a volatile field).
 */
final class IsoMillis {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private static final class Second {
        final long epochSecond;
        final String text;

        Second(long epochSecond, String text) {
            this.epochSecond = epochSecond;
            this.text = text;
        }
    }

    private volatile Second cached = new Second(Long.MIN_VALUE, "");

    String format(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        Second s = cached;
        if (s.epochSecond != second) {
            s = new Second(second, SECONDS.format(Instant.ofEpochSecond(second)));
            cached = s;
        }
        StringBuilder b = new StringBuilder(s.text.length() + 5).append(s.text).append('.');
        if (millis < 100) {
            b.append('0');
        }
        if (millis < 10) {
            b.append('0');
        }
        return b.append(millis).append('Z').toString();
    }
}
