package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RolloutMachineTest {
    private static final List<String> TEN = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

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
        RolloutMachine.Step step = RolloutMachine.next(r, Map.of());
        assertThat(step.state()).isEqualTo(RolloutState.RUNNING);
        assertThat(step.wave()).isZero();
        assertThat(step.assignments()).containsExactly(Map.entry("a", "apply"));
        assertThat(step.waitingFor()).containsExactly("a");
        assertThat(RolloutMachine.next(r, Map.of("a", report(r, "apply", MemberState.HOLDING))).waitingFor())
                .containsExactly("a");
    }

    @Test
    void advancesOnlyWhenEveryMemberOfTheWaveSucceeded() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b", "c")));
        Map<String, Docs.Report> reports = new HashMap<>();
        reports.put("a", report(r, "apply", MemberState.SUCCEEDED));
        RolloutMachine.Step step = RolloutMachine.next(r, reports);
        assertThat(step.wave()).isEqualTo(1);
        assertThat(step.assignments()).containsOnlyKeys("a", "b", "c");
        r.wave = 1;
        reports.put("b", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(RolloutMachine.next(r, reports).waitingFor()).containsExactly("c");
        reports.put("c", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(RolloutMachine.next(r, reports).state()).isEqualTo(RolloutState.SUCCEEDED);
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
        RolloutMachine.Step step = RolloutMachine.next(r, reports);
        assertThat(step.state()).isEqualTo(RolloutState.HALTING);
        assertThat(step.reason()).isEqualTo("member c: leak finding leak-1 (thread): thread 'x' is still running");
        assertThat(step.assignments()).containsOnlyKeys("a", "b", "c").containsValues("rollback");
        assertThat(step.assignments()).doesNotContainKey("d");

        r.state = step.state().text();
        r.reason = step.reason();
        reports.put("a", report(r, "rollback", MemberState.ROLLED_BACK));
        reports.put("b", report(r, "rollback", MemberState.ROLLED_BACK));
        assertThat(RolloutMachine.next(r, reports).waitingFor()).containsExactly("c");
        reports.put("c", report(r, "rollback", MemberState.ROLLED_BACK));
        RolloutMachine.Step done = RolloutMachine.next(r, reports);
        assertThat(done.state()).isEqualTo(RolloutState.HALTED);
        assertThat(done.reason()).startsWith("member c: leak finding leak-1");
    }

    @Test
    void abortEndsAsAbortedOnceRolledBack() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b")));
        r.state = RolloutState.ABORTING.text();
        assertThat(RolloutMachine.next(r, Map.of()).state()).isEqualTo(RolloutState.ABORTING);
        assertThat(RolloutMachine.next(r, Map.of("a", report(r, "rollback", MemberState.ROLLED_BACK))).state())
                .isEqualTo(RolloutState.ABORTED);
    }

    @Test
    void resumingTheSameDocumentsDecidesTheSame() {
        Docs.Rollout r = rollout(List.of(List.of("a"), List.of("b")));
        Map<String, Docs.Report> reports = Map.of("a", report(r, "apply", MemberState.SUCCEEDED));
        assertThat(RolloutMachine.next(r, reports)).isEqualTo(RolloutMachine.next(r, reports));
    }

    @Test
    void anEndedRolloutStaysEnded() {
        Docs.Rollout r = rollout(List.of(List.of("a")));
        r.state = RolloutState.HALTED.text();
        r.reason = "member a: x";
        RolloutMachine.Step step = RolloutMachine.next(r, Map.of());
        assertThat(step.state()).isEqualTo(RolloutState.HALTED);
        assertThat(step.assignments()).isEmpty();
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
