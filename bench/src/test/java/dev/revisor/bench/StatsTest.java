package dev.revisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfAnOddSampleIsItsMiddleValueWhateverTheOrder() {
        Stats s = Stats.of(List.of(9, 1, 5, 3, 7));
        assertThat(s.median()).isEqualTo(5);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.max()).isEqualTo(9);
        assertThat(s.n()).isEqualTo(5);
    }

    @Test
    void medianOfAnEvenSampleIsTheMeanOfTheTwoMiddleValues() {
        assertThat(Stats.of(List.of(4, 1, 3, 2)).median()).isEqualTo(2.5);
    }

    @Test
    void p95IsTheNearestRankSoAlwaysAMeasuredValue() {
        List<Integer> hundred = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            hundred.add(i);
        }
        assertThat(Stats.of(hundred).p95()).isEqualTo(95);
        // 7 runs: rank ceil(0.95 * 7) = 7, the maximum
        assertThat(Stats.of(List.of(10, 11, 12, 13, 14, 15, 99)).p95()).isEqualTo(99);
        // 20 runs: rank 19
        List<Integer> twenty = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            twenty.add(i * 10);
        }
        assertThat(Stats.of(twenty).p95()).isEqualTo(190);
        assertThat(Stats.of(List.of(42)).p95()).isEqualTo(42);
    }

    @Test
    void emptyOrNonFiniteSamplesAreRefused() {
        assertThatThrownBy(() -> Stats.of(List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no measurements");
        assertThatThrownBy(() -> Stats.of(List.of(1.0, Double.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stats.of(List.of(1)).percentile(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeNamesMedianAndSpread() {
        assertThat(Stats.of(List.of(3, 1, 2)).describe("%.0f")).isEqualTo("median 2 (min 1, p95 3, max 3, n=3)");
    }
}
