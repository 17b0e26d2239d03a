package dev.revisor.fleet.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** ISO-8601 UTC times with milliseconds, as the journal writes them. */
final class Clock {
    private Clock() {
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
