package dev.revisor.fleet.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code fleet status} shows: the members, the plugins each runs, and every plugin's newest rollout with its
 * waves and each member's verdict. {@code --json} prints this object (fields in docs/fleet.md).
 * <p>
 * Concurrent Semantics: a snapshot, not shared.
 */
final class FleetStatus {
    /** The member that answered. */
    String member;
    boolean connected;
    List<Docs.Member> members = new ArrayList<>();
    List<RolloutView> rollouts = new ArrayList<>();

    /** A rollout as status shows it. */
    static final class RolloutView {
        Docs.Rollout rollout;
        /** The member coordinating it now, or null when none does (resume or abort it). */
        String coordinator;
        /** Member id to its report for this rollout. */
        Map<String, Docs.Report> verdicts = new LinkedHashMap<>();
    }

    static FleetStatus read(FleetZk zk, String me, boolean connected) throws Exception {
        FleetStatus status = new FleetStatus();
        status.member = me;
        status.connected = connected;
        for (String id : zk.children(zk.members())) {
            Docs.Member m = zk.get(zk.member(id), Docs.Member.class);
            if (m != null) {
                status.members.add(m);
            }
        }
        for (String plugin : zk.children(zk.rollouts())) {
            Docs.Rollout rollout = zk.get(zk.rollout(plugin), Docs.Rollout.class);
            if (rollout == null) {
                continue;
            }
            RolloutView view = new RolloutView();
            view.rollout = rollout;
            Docs.Coordinator c = zk.get(zk.coordinator(plugin), Docs.Coordinator.class);
            view.coordinator = c == null ? null : c.member;
            for (String m : RolloutMachine.reached(rollout.plan, rollout.plan.size())) {
                Docs.Report report = zk.get(zk.report(plugin, m), Docs.Report.class);
                if (report != null && rollout.id.equals(report.rollout)) {
                    view.verdicts.put(m, report);
                }
            }
            status.rollouts.add(view);
        }
        return status;
    }

    String json() {
        return FleetZk.GSON.newBuilder().setPrettyPrinting().serializeNulls().create().toJson(this);
    }

    /** The table for people. */
    String text() {
        StringBuilder out = new StringBuilder();
        out.append("Members (").append(members.size()).append(")").append(connected ? "" : " [this member is not connected to ZooKeeper now]").append('\n');
        for (Docs.Member m : members) {
            out.append(String.format("  %-24s %-20s revisor %s%n", m.id, m.host, m.revisorVersion));
            for (Docs.Plugin p : m.plugins) {
                out.append(String.format("      %-40s %-14s %s %s%n", p.symbolicName, p.version,
                        p.sha256 == null ? "-" : p.sha256.substring(0, 12), p.state));
            }
        }
        if (rollouts.isEmpty()) {
            out.append("No rollouts.\n");
        }
        for (RolloutView v : rollouts) {
            Docs.Rollout r = v.rollout;
            out.append(String.format("%nRollout %s: %s %s (%s)%n", r.id, r.plugin, r.version, r.sha256.substring(0, 12)));
            out.append("  state ").append(r.state).append(", wave ").append(r.wave + 1).append(" of ").append(r.plan.size())
                    .append(", hold ").append(r.holdMillis).append(" ms")
                    .append(r.waveTimeoutMillis > 0 ? ", wave timeout " + r.waveTimeoutMillis + " ms" : "")
                    .append(", coordinator ")
                    .append(v.coordinator == null ? (RolloutState.of(r.state).finished() ? "none (ended)"
                            : "NONE: 'fleet resume " + r.plugin + "' or 'fleet abort " + r.plugin + "'") : v.coordinator)
                    .append('\n');
            if (r.reason != null) {
                out.append("  reason: ").append(r.reason).append('\n');
            }
            for (int i = 0; i < r.plan.size(); i++) {
                out.append("  wave ").append(i + 1).append(i == 0 && r.canary > 0 ? " (canary)" : "").append(":");
                for (String m : r.plan.get(i)) {
                    Docs.Report report = v.verdicts.get(m);
                    out.append(' ').append(m).append('=').append(report == null ? "-" : report.action + ":" + report.state);
                    if (members.stream().noneMatch(member -> m.equals(member.id))) {
                        out.append(" (not connected)"); // a wave waits for it: it catches up when it is back
                    }
                }
                out.append('\n');
            }
        }
        return out.toString();
    }
}
