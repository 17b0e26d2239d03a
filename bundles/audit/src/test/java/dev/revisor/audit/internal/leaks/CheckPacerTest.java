package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * When leak checks run, on a made-up clock: a single update is checked right after its quiet time, a burst of
 * changes costs a handful of checks, collecting checks are spaced out, thread-only checks are not held back.
 */
class CheckPacerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** the defaults of LeakDetector.Config */
    private final CheckPacer pacer = new CheckPacer(50 * MS, 5000 * MS, 250 * MS, 5);

    /** The detector's executor on a made-up clock: runs each check as soon as it is due, each one taking some time. */
    private final class Driver {
        long now;
        final List<Long> checks = new ArrayList<>();
        final long checkNanos;
        final long gcNanos;

        Driver(long checkNanos, long gcNanos) {
            this.checkNanos = checkNanos;
            this.gcNanos = gcNanos;
        }

        /** Lets time pass until {@code until}, running the checks that come due meanwhile. */
        void advance(long until) {
            while (pacer.pending() && pacer.due() - until <= 0) {
                now = Math.max(now, pacer.due());
                pacer.started();
                checks.add(now);
                now += checkNanos;
                pacer.ended(now, 1, gcNanos);
            }
            now = Math.max(now, until);
        }

        void work(long at, boolean gc) {
            advance(at);
            pacer.work(now, gc);
        }
    }

    @Test
    void aSingleUpdateIsCheckedRightAfterTheQuietTime() {
        pacer.work(1000 * MS, true);
        assertThat(pacer.pending()).isTrue();
        assertThat(pacer.due()).isEqualTo(1050 * MS);
    }

    @Test
    void aBurstOf500CyclesCostsOneCheckAfterIt() {
        Driver d = new Driver(60 * MS, 30 * MS);
        long t = 0;
        for (int i = 0; i < 500; i++) {
            t += 2300_000; // one install/start/stop/uninstall cycle: 2.3 ms
            d.work(t, false); // its stop
            d.work(t, true); // its retired revision
        }
        long end = t;
        d.advance(end + 10_000 * MS);
        assertThat(d.checks).as("no check during the 1.15 s burst, one after it").hasSize(1);
        assertThat(d.checks.get(0)).isEqualTo(end + 50 * MS);
    }

    @Test
    void aBurstThatNeverPausesIsStillCheckedEveryFewSeconds() {
        Driver d = new Driver(60 * MS, 30 * MS);
        long t = 0;
        for (int i = 0; i < 10_000; i++) { // 23 s of changes without a pause of 50 ms
            t += 2300_000;
            d.work(t, true);
        }
        d.advance(t + 10_000 * MS);
        assertThat(d.checks).hasSizeBetween(4, 6);
        for (int i = 1; i < d.checks.size() - 1; i++) {
            assertThat(d.checks.get(i) - d.checks.get(i - 1)).isGreaterThanOrEqualTo(5000 * MS);
        }
    }

    @Test
    void collectingChecksAreAtLeastTheMinimumIntervalApart() {
        pacer.work(0, true);
        pacer.started();
        pacer.ended(80 * MS, 1, 5 * MS); // a quick collection: 19 x 5 ms is less than the interval

        pacer.work(100 * MS, true);
        assertThat(pacer.due()).as("250 ms after the end of the last collecting check").isEqualTo(330 * MS);
    }

    @Test
    void aRefreshAfterTheLastCollectingCheckIsCheckedRightAfterItsQuietTimeOnceTheIntervalIsOver() {
        pacer.work(0, true);
        pacer.started();
        pacer.ended(30 * MS, 1, 10 * MS);

        pacer.work(400 * MS, true); // the next update, 370 ms later
        assertThat(pacer.due()).isEqualTo(450 * MS);
    }

    @Test
    void aCheckOfStoppedBundlesOnlyIsNotHeldBackByTheLastCollection() {
        pacer.work(0, true);
        pacer.started();
        pacer.ended(80 * MS, 1, 40 * MS);

        pacer.work(100 * MS, false);
        assertThat(pacer.due()).isEqualTo(150 * MS);
        pacer.work(120 * MS, true);
        assertThat(pacer.due()).as("now it needs a collection: 19 x 40 ms after the last").isEqualTo(840 * MS);
    }

    @Test
    void slowCollectionsAreSpacedToStayWithinTheirShareOfTime() {
        pacer.work(0, true);
        pacer.started();
        pacer.ended(400 * MS, 1, 300 * MS); // a large heap: 300 ms for one System.gc()

        pacer.work(500 * MS, true);
        assertThat(pacer.due()).as("300 ms is 5 % of 6 s: 5.7 s later").isEqualTo(400 * MS + 5700 * MS);
    }

    @Test
    void withoutAShareLimitOnlyTheIntervalCounts() {
        CheckPacer unlimited = new CheckPacer(50 * MS, 5000 * MS, 250 * MS, 0);
        unlimited.work(0, true);
        unlimited.started();
        unlimited.ended(400 * MS, 1, 300 * MS);
        unlimited.work(500 * MS, true);
        assertThat(unlimited.due()).isEqualTo(650 * MS);
    }

    @Test
    void aCheckWithoutCollectionDoesNotDelayTheNextCollectingOne() {
        pacer.work(0, false);
        pacer.started();
        pacer.ended(20 * MS, 0, 0);

        pacer.work(30 * MS, true);
        assertThat(pacer.due()).isEqualTo(80 * MS);
    }

    @Test
    void workArrivingDuringACheckWaitsForTheNextOne() {
        pacer.work(0, true);
        pacer.started();
        assertThat(pacer.pending()).isFalse();
        pacer.work(10 * MS, false);
        pacer.ended(60 * MS, 1, 30 * MS);
        assertThat(pacer.pending()).isTrue();
        assertThat(pacer.due()).as("threads only: after its quiet time").isEqualTo(60 * MS);
    }
}
