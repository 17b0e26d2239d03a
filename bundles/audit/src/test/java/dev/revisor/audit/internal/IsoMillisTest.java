package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IsoMillisTest {
    private final IsoMillis times = new IsoMillis();

    @Test
    void alwaysThreeFractionDigitsAndUtc() {
        assertThat(times.format(Instant.parse("2026-11-27T15:20:01.123Z").toEpochMilli())).isEqualTo("2026-11-27T15:20:01.123Z");
        assertThat(times.format(Instant.parse("2026-11-27T15:20:01Z").toEpochMilli())).isEqualTo("2026-11-27T15:20:01.000Z");
        assertThat(times.format(Instant.parse("2026-11-27T15:20:01.007Z").toEpochMilli())).isEqualTo("2026-11-27T15:20:01.007Z");
        assertThat(times.format(Instant.parse("2026-11-27T15:20:01.070Z").toEpochMilli())).isEqualTo("2026-11-27T15:20:01.070Z");
        assertThat(times.format(0)).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(times.format(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    }

    @Test
    void readsBackAsTheSameInstantAcrossSecondsInAnyOrder() {
        SplittableRandom random = new SplittableRandom(42);
        long base = Instant.parse("2026-11-27T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 10_000; i++) {
            // mostly the same few seconds (the cache's case), now and then a jump back or forward by days
            long millis = base + (i % 100 == 0 ? random.nextLong(-100L * 86_400_000, 100L * 86_400_000) : random.nextLong(0, 3_000));
            String text = times.format(millis);
            assertThat(Instant.parse(text)).as(text).isEqualTo(Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.MILLIS));
            assertThat(text).hasSize(24);
        }
    }
}
