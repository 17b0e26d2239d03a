package dev.revisor.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void numbersAreMillisecondsAndUnitsAreRead() {
        assertThat(Durations.millis("500", "--timeout")).isEqualTo(500);
        assertThat(Durations.millis("500ms", "--timeout")).isEqualTo(500);
        assertThat(Durations.millis("30s", "--timeout")).isEqualTo(30_000);
        assertThat(Durations.millis(" 2M ", "--timeout")).isEqualTo(120_000);
        assertThat(Durations.millis("1h", "--timeout")).isEqualTo(3_600_000);
        assertThat(Durations.millis("0", "--timeout")).isZero();
    }

    @Test
    void anythingElseIsAClearError() {
        for (String bad : new String[] {"", "-1", "1.5s", "10 s", "1d", "soon", "9999999999999"}) {
            assertThatThrownBy(() -> Durations.millis(bad, "--timeout")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--timeout '" + bad + "' is not a duration");
        }
    }
}
