package dev.revisor.fleet.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rollout state machine, without I/O: {@link #plan} splits the members into waves, {@link #next} decides from a
 * rollout and its members' reports what happens now. The coordinator writes what it decides; whoever resumes a
 * rollout runs the same function on the same documents, so a dead coordinator loses nothing.
 * <p>
 * Concurrent Semantics: stateless, thread safe.
 */
final class RolloutMachine {
    static final String APPLY = "apply";
    static final String ROLLBACK = "rollback";

    private RolloutMachine() {
    }

    /**
     * Splits {@code members} (in this order) into waves: the first {@code canary} members alone, then for each
     * percentage of {@code waves} the members up to that share of all of them. Empty waves are left out.
     *
     * @throws IllegalArgumentException for a bad canary count or bad percentages, naming the option
     */
    static List<List<String>> plan(List<String> members, int canary, List<Integer> waves) {
        if (canary < 0) {
            throw new IllegalArgumentException("--canary must be 0 or more, not " + canary);
        }
        checkWaves(waves);
        List<List<String>> plan = new ArrayList<>();
        int n = members.size();
        int taken = Math.min(canary, n);
        if (taken > 0) {
            plan.add(List.copyOf(members.subList(0, taken)));
        }
        for (int percent : waves) {
            int upTo = (int) Math.ceil(percent * (double) n / 100.0);
            if (upTo > taken) {
                plan.add(List.copyOf(members.subList(taken, upTo)));
                taken = upTo;
            }
        }
        return plan;
    }

    /** @throws IllegalArgumentException unless the wave timeout is longer than the hold, naming both options */
    static void checkTimes(long holdMillis, long waveTimeoutMillis) {
        if (waveTimeoutMillis <= holdMillis) {
            throw new IllegalArgumentException("--wave-timeout (" + waveTimeoutMillis + " ms) must be longer than --hold ("
                    + holdMillis + " ms): every member of a wave holds the update that long before it reports success");
        }
    }

    static void checkWaves(List<Integer> waves) {
        if (waves.isEmpty()) {
            throw new IllegalArgumentException("--waves needs at least one percentage, e.g. 25,50,100");
        }
        int last = 0;
        for (int percent : waves) {
            if (percent <= last || percent > 100) {
                throw new IllegalArgumentException("--waves must be increasing percentages between 1 and 100, not "
                        + waves);
            }
            last = percent;
        }
        if (last != 100) {
            throw new IllegalArgumentException("--waves must end at 100 (every member), not at " + last);
        }
    }

    /** What the coordinator does now. */
    record Step(RolloutState state, int wave, String reason, Map<String, String> assignments, List<String> waitingFor) {
        boolean changes(Docs.Rollout rollout) {
            return state != RolloutState.of(rollout.state) || wave != rollout.wave;
        }
    }

    /**
     * Decides the next step of {@code rollout}.
     *
     * @param reports   the members' reports that belong to this rollout (others are left out by the caller)
     * @param now       the time, for the wave timeout
     * @param connected the members connected to ZooKeeper now: a rollback does not wait for the others (each rolls
     *                  back when it is back, as its assignment says)
     * @return the state and wave to write, the assignment (apply or rollback) each member must have, and the members
     *         the rollout waits for
     */
    static Step next(Docs.Rollout rollout, Map<String, Docs.Report> reports, Instant now, Set<String> connected) {
        RolloutState state = RolloutState.of(rollout.state);
        int wave = Math.min(rollout.wave, Math.max(0, rollout.plan.size() - 1));
        List<String> reached = reached(rollout.plan, wave);
        Map<String, String> assignments = new LinkedHashMap<>();
        List<String> waiting = new ArrayList<>();
        if (state.finished() || rollout.plan.isEmpty()) {
            return new Step(rollout.plan.isEmpty() && !state.finished() ? RolloutState.SUCCEEDED : state, wave,
                    rollout.reason, assignments, waiting);
        }
        if (state == RolloutState.RUNNING) {
            for (String member : reached) {
                Docs.Report report = reports.get(member);
                if (report != null && APPLY.equals(report.action)
                        && MemberState.of(report.state) == MemberState.FAILED) {
                    return rollback(rollout, RolloutState.HALTING, wave, reports, connected,
                            "member " + member + ": " + report.reason);
                }
            }
            for (String member : reached) {
                assignments.put(member, APPLY);
            }
            for (String member : rollout.plan.get(wave)) {
                if (!done(reports.get(member), APPLY, MemberState.SUCCEEDED)) {
                    waiting.add(member);
                }
            }
            if (!waiting.isEmpty()) {
                String late = overdue(rollout, wave, waiting, reports, now, connected);
                if (late != null) {
                    return rollback(rollout, RolloutState.HALTING, wave, reports, connected, late);
                }
                return new Step(state, wave, rollout.reason, assignments, waiting);
            }
            if (wave == rollout.plan.size() - 1) {
                return new Step(RolloutState.SUCCEEDED, wave, null, assignments, waiting);
            }
            for (String member : rollout.plan.get(wave + 1)) {
                assignments.put(member, APPLY);
                waiting.add(member);
            }
            return new Step(state, wave + 1, rollout.reason, assignments, waiting);
        }
        return rollback(rollout, state, wave, reports, connected, rollout.reason);
    }

    /**
     * @return why the wave has waited too long (the members it waits for, what each last reported and whether it is
     *         connected), or null while it is within {@code --wave-timeout}
     */
    private static String overdue(Docs.Rollout rollout, int wave, List<String> waiting, Map<String, Docs.Report> reports,
            Instant now, Set<String> connected) {
        if (rollout.waveTimeoutMillis <= 0 || rollout.waveStarted == null) {
            return null;
        }
        Instant started;
        try {
            started = Instant.parse(rollout.waveStarted);
        } catch (DateTimeParseException e) {
            return null;
        }
        if (!now.isAfter(started.plusMillis(rollout.waveTimeoutMillis))) {
            return null;
        }
        List<String> members = new ArrayList<>();
        for (String member : waiting) {
            Docs.Report report = reports.get(member);
            String said = report == null || !APPLY.equals(report.action) ? "no report" : report.state;
            members.add(member + " (" + said + (connected.contains(member) ? "" : ", not connected") + ")");
        }
        return "wave " + (wave + 1) + " timed out: no success from " + String.join(", ", members) + " within "
                + rollout.waveTimeoutMillis + " ms (--wave-timeout)";
    }

    /**
     * Every member that may have taken the update rolls back; done once each connected one has reported it (a member
     * that is not connected rolls back when it is back: its assignment says so).
     */
    private static Step rollback(Docs.Rollout rollout, RolloutState state, int wave, Map<String, Docs.Report> reports,
            Set<String> connected, String reason) {
        Map<String, String> assignments = new LinkedHashMap<>();
        List<String> waiting = new ArrayList<>();
        for (String member : reached(rollout.plan, wave)) {
            assignments.put(member, ROLLBACK);
            Docs.Report report = reports.get(member);
            boolean finished = report != null && ROLLBACK.equals(report.action)
                    && MemberState.of(report.state).finished();
            if (!finished && connected.contains(member)) {
                waiting.add(member);
            }
        }
        RolloutState now = state;
        if (waiting.isEmpty()) {
            now = state == RolloutState.ABORTING ? RolloutState.ABORTED : RolloutState.HALTED;
        }
        return new Step(now, wave, reason, assignments, waiting);
    }

    private static boolean done(Docs.Report report, String action, MemberState state) {
        return report != null && action.equals(report.action) && MemberState.of(report.state) == state;
    }

    /** The members of waves 0..wave. */
    static List<String> reached(List<List<String>> plan, int wave) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i <= wave && i < plan.size(); i++) {
            members.addAll(plan.get(i));
        }
        return members;
    }
}
