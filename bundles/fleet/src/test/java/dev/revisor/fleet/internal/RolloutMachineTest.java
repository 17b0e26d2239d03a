package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class RolloutMachineTest {
    private static final List<String> TEN = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    private static final Instant START = Instant.parse("2026-12-07T04:00:00Z");
    private static final Set<String> EVERYONE = Set.of("a", "b", "c", "d");

    @Test
    void plansCanaryThenCumulativeWaves() {
        assertThat(RolloutMachine.plan(TEN, 1, List.of(25, 50, 100))).containsExactly(List.of("a"),
                List.of("b", "c"), List.of("d", "e"), List.of("f", "g", "h", "i", "j"));
    }

    @Test
    void leavesOutEmptyWavesAndCapsTheCanary() {
        assertThat(RolloutMachine.plan(List.of("a", "b", "c"), 1, List.of(25, 50, 100)))
                .containsExactly(List.of("a"), List.of("b"), List.of("c"));
        assertThat(RolloutMachine.plan(List.of("a"), 3, List.of(100))).containsExactly(List.of("a"));
        assertThat(RolloutMachine.plan(List.of("a", "b"), 0, List.of(100))).containsExactly(List.of("a", "b"));
    }

    @Test
    void refusesBadWavesNamingTheOption() {
        assertThatThrownBy(() -> RolloutMachine.plan(TEN, 1, List.of(50, 25, 100))).hasMessageContaining("--waves");
        assertThatThrownBy(() -> RolloutMachine.plan(TEN, 1, List.of(25, 50))).hasMessageContaining("end at 100");
        assertThatThrownBy(() -> RolloutMachine.plan(TEN, -1, List.of(100))).hasMessageContaining("--canary");
    }

    @Test
    void assignsTheCanaryFirstAndWaitsForIt() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c")));
        RolloutMachine.Step step = next(r, Map.of());
        assertThat(step.state()).isEqualTo(RolloutState.RUNNING);
        assertThat(step.wave()).isZero();
        assertThat(step.assignments()).containsExactly(Map.entry("a", "apply"));
        assertThat(step.waitingFor()).containsExactly("a");
        assertThat(next(r, Map.of("a", report(r, "apply", MemberState.HOLDING))).waitingFor())
                .containsExactly("a");
    }

    @Test
    void advancesOnlyWhenEveryMemberOfTheWaveSucceeded() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c")));
        Map<String, Docs.Report> reports = new HashMap<>();
        reports.put("a", report(r, "apply", MemberState.SUCCEEDED));
        RolloutMachine.Step step = next(r, reports);
        assertThat(step.wave()).isEqualTo(1);
        assertThat(step.assignments()).containsOnlyKeys("a", "b", "c");
        r.wave = 1;
        reports.put("b", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(next(r, reports).waitingFor()).containsExactly("c");
        reports.put("c", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(next(r, reports).state()).isEqualTo(RolloutState.SUCCEEDED);
    }

    @Test
    void aFailureHaltsAndRollsBackEveryMemberReachedNamingTheMember() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c"), List.of("d")));
        r.wave = 1;
        Map<String, Docs.Report> reports = new HashMap<>();
        reports.put("a", report(r, "apply", MemberState.SUCCEEDED));
        Docs.Report failed = report(r, "apply", MemberState.FAILED);
        failed.reason = "leak finding leak-1 (thread): thread 'x' is still running";
        reports.put("c", failed);
        RolloutMachine.Step step = next(r, reports);
        assertThat(step.state()).isEqualTo(RolloutState.HALTING);
        assertThat(step.reason()).isEqualTo("member c: leak finding leak-1 (thread): thread 'x' is still running");
        assertThat(step.assignments()).containsOnlyKeys("a", "b", "c").containsValues("rollback");
        assertThat(step.assignments()).doesNotContainKey("d");

        r.state = step.state().text();
        r.reason = step.reason();
        reports.put("a", report(r, "rollback", MemberState.ROLLED_BACK));
        reports.put("b", report(r, "rollback", MemberState.ROLLED_BACK));
        assertThat(next(r, reports).waitingFor()).containsExactly("c");
        reports.put("c", report(r, "rollback", MemberState.ROLLED_BACK));
        RolloutMachine.Step done = next(r, reports);
        assertThat(done.state()).isEqualTo(RolloutState.HALTED);
        assertThat(done.reason()).startsWith("member c: leak finding leak-1");
    }

    @Test
    void abortEndsAsAbortedOnceRolledBack() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b")));
        r.state = RolloutState.ABORTING.text();
        assertThat(next(r, Map.of()).state()).isEqualTo(RolloutState.ABORTING);
        assertThat(next(r, Map.of("a", report(r, "rollback", MemberState.ROLLED_BACK))).state())
                .isEqualTo(RolloutState.ABORTED);
    }

    @Test
    void resumingTheSameDocumentsDecidesTheSame() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b")));
        Map<String, Docs.Report> reports = Map.of("a", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(next(r, reports)).isEqualTo(next(r, reports));
    }

    @Test
    void anEndedRolloutStaysEnded() {
        Docs.Rollout r = rollout(List.of(List.of("a")));
        r.state = RolloutState.HALTED.text();
        r.reason = "member a: x";
        RolloutMachine.Step step = next(r, Map.of());
        assertThat(step.state()).isEqualTo(RolloutState.HALTED);
        assertThat(step.assignments()).isEmpty();
    }

    @Test
    void aWaveThatWaitsLongerThanItsTimeoutHaltsNamingTheMembersAndRollsBack() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c"), List.of("d")));
        r.wave = 1;
        r.waveTimeoutMillis = 60_000;
        r.waveStarted = START.toString();
        Map<String, Docs.Report> reports = new HashMap<>();
        reports.put("a", report(r, "apply", MemberState.SUCCEEDED));
        reports.put("b", report(r, "apply", MemberState.SUCCEEDED));
        reports.put("c", report(r, "apply", MemberState.HOLDING));
        Set<String> withoutD = Set.of("a", "b", "c");

        assertThat(RolloutMachine.next(r, reports, START.plusSeconds(60), withoutD).state())
                .as("within the timeout").isEqualTo(RolloutState.RUNNING);
        RolloutMachine.Step late = RolloutMachine.next(r, reports, START.plusSeconds(61), withoutD);
        assertThat(late.state()).isEqualTo(RolloutState.HALTING);
        assertThat(late.reason()).isEqualTo("wave 2 timed out: no success from c (holding) within 60000 ms "
                + "(--wave-timeout)");
        assertThat(late.assignments()).containsOnlyKeys("a", "b", "c").containsValues("rollback");

        reports.remove("c");
        assertThat(RolloutMachine.next(r, reports, START.plusSeconds(61), Set.of("a", "b")).reason())
                .contains("c (no report, not connected)");
    }

    @Test
    void refusesAWaveTimeoutNoLongerThanTheHold() {
        assertThatThrownBy(() -> RolloutMachine.checkTimes(30_000, 30_000))
                .hasMessage("--wave-timeout (30000 ms) must be longer than --hold (30000 ms): every member of a wave "
                        + "holds the update that long before it reports success");
        RolloutMachine.checkTimes(30_000, 600_000);
    }

    @Test
    void noTimeoutForARolloutWrittenBeforeTheOptionExisted() {
        Docs.Rollout r = rollout(List.of(List.of("a")));
        assertThat(RolloutMachine.next(r, Map.of(), START.plusSeconds(86_400 * 365), EVERYONE).state())
                .isEqualTo(RolloutState.RUNNING);
    }

    @Test
    void aRollbackDoesNotWaitForAMemberThatIsNotConnectedItsAssignmentStays() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c")));
        r.wave = 1;
        r.state = RolloutState.ABORTING.text();
        Map<String, Docs.Report> reports = new HashMap<>();
        reports.put("a", report(r, "rollback", MemberState.ROLLED_BACK));
        reports.put("b", report(r, "rollback", MemberState.ROLLED_BACK));

        assertThat(RolloutMachine.next(r, reports, START, EVERYONE).waitingFor()).containsExactly("c");
        RolloutMachine.Step step = RolloutMachine.next(r, reports, START, Set.of("a", "b"));
        assertThat(step.state()).isEqualTo(RolloutState.ABORTED);
        assertThat(step.assignments()).as("c rolls back when it is back").containsEntry("c", "rollback");
    }

    private static RolloutMachine.Step next(Docs.Rollout r, Map<String, Docs.Report> reports) {
        return RolloutMachine.next(r, reports, START, EVERYONE);
    }

    private static Docs.Rollout rollout(List<List<String>> plan) {
        Docs.Rollout r = new Docs.Rollout();
        r.id = "fleet-1";
        r.plugin = "org.example.x";
        r.plan = plan;
        r.canary = 1;
        r.state = RolloutState.RUNNING.text();
        return r;
    }

    private static Docs.Report report(Docs.Rollout r, String action, MemberState state) {
        Docs.Report report = new Docs.Report();
        report.rollout = r.id;
        report.action = action;
        report.state = state.text();
        return report;
    }
}
