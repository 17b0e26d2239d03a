package dev.revisor.fleet.internal;

import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.revisor.audit.api.Journal;

/**
 * Drives the rollouts this runtime coordinates: the ones started here ({@code fleet rollout}) or taken over here
 * ({@code fleet resume}, {@code fleet abort}). Each round reads a rollout and its members' reports from ZooKeeper,
 * asks {@link RolloutMachine#next} what happens now and writes it: assignments first, then the rollout's new state
 * (compare-and-set, so that two coordinators cannot both move it). Everything it knows is in ZooKeeper: when this
 * runtime dies its ephemeral {@code coordinator} node goes, and any member can resume.
 * <p>
 * Concurrent Semantics: {@link #round} runs on the fleet's coordinator thread; {@link #begin}, {@link #resume} and
 * {@link #abort} on command threads; they share only ZooKeeper and a concurrent set.
 */
final class Coordinator {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final FleetZk zk;
    private final String me;
    private final Journal journal;
    private final Set<String> driving = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();

    /** Wakes the coordinator's thread for a round now; called on ZooKeeper's event thread. */
    private final CuratorWatcher wake;

    Coordinator(FleetZk zk, String me, Journal journal, Runnable wakeUp) {
        this.wake = event -> wakeUp.run();
        this.zk = zk;
        this.me = me;
        this.journal = journal;
    }

    /**
     * Starts a rollout of a published artifact to every member connected now.
     *
     * @return the new rollout
     * @throws IllegalStateException when a rollout of the same plugin is in progress, or no member is connected
     */
    Docs.Rollout begin(ArtifactStore.Artifact artifact, int canary, List<Integer> waves, long holdMillis,
            long waveTimeoutMillis) throws Exception {
        List<String> members = zk.children(zk.members());
        if (members.isEmpty()) {
            throw new IllegalStateException("no fleet member is connected to ZooKeeper under " + zk.root);
        }
        Docs.Rollout rollout = new Docs.Rollout();
        rollout.id = "fleet-" + ID_TIME.format(java.time.Instant.now()) + "-" + String.format("%04x", random.nextInt(0x10000));
        rollout.plugin = artifact.symbolicName();
        rollout.version = artifact.version();
        rollout.sha256 = artifact.sha256();
        rollout.artifact = artifact.path();
        rollout.file = artifact.symbolicName() + ".jar";
        rollout.canary = canary;
        rollout.waves = List.copyOf(waves);
        rollout.holdMillis = holdMillis;
        rollout.waveTimeoutMillis = waveTimeoutMillis;
        rollout.plan = RolloutMachine.plan(members, canary, waves);
        rollout.wave = 0;
        rollout.state = RolloutState.RUNNING.text();
        rollout.started = Clock.now();
        rollout.waveStarted = rollout.started;
        rollout.startedBy = me;
        String path = zk.rollout(rollout.plugin);
        FleetZk.Versioned<Docs.Rollout> existing = zk.read(path, Docs.Rollout.class);
        boolean won;
        if (existing == null) {
            won = zk.create(path, rollout, CreateMode.PERSISTENT);
        } else {
            refuseIfInProgress(existing.doc());
            won = zk.replace(path, rollout, existing.version());
        }
        if (!won) {
            refuseIfInProgress(zk.get(path, Docs.Rollout.class));
            throw new IllegalStateException("another rollout of " + rollout.plugin + " started at the same time");
        }
        zk.delete(path + "/assign"); // the previous rollout's; reports carry their rollout id anyway
        zk.delete(path + "/report");
        coordinate(rollout.plugin, rollout.id);
        event("fleet.rollout-started", rollout, Map.of("plan", rollout.plan, "holdMillis", holdMillis,
                "waveTimeoutMillis", waveTimeoutMillis));
        return rollout;
    }

    private static void refuseIfInProgress(Docs.Rollout existing) {
        if (existing != null && !RolloutState.of(existing.state).finished()) {
            throw new IllegalStateException("a rollout of " + existing.plugin + " is in progress: " + existing.id + " ("
                    + existing.state + ", wave " + (existing.wave + 1) + " of " + existing.plan.size()
                    + "); wait for it, or 'fleet abort " + existing.plugin + "'");
        }
    }

    /** Takes over a rollout whose coordinator is gone. */
    Docs.Rollout resume(String plugin) throws Exception {
        Docs.Rollout rollout = zk.get(zk.rollout(plugin), Docs.Rollout.class);
        if (rollout == null) {
            throw new IllegalArgumentException("no rollout of " + plugin + " (fleet status lists them)");
        }
        if (RolloutState.of(rollout.state).finished()) {
            throw new IllegalStateException("the rollout " + rollout.id + " of " + plugin + " has ended: " + rollout.state);
        }
        if (!driving.contains(plugin)) {
            Docs.Coordinator other = zk.get(zk.coordinator(plugin), Docs.Coordinator.class);
            if (other != null && !me.equals(other.member) && !stale(other, rollout.id)) {
                throw new IllegalStateException("the rollout " + rollout.id + " is coordinated by member " + other.member
                        + " (since " + other.since + "); it needs no resume");
            }
            String now = coordinate(plugin, rollout.id);
            if (!me.equals(now)) {
                throw new IllegalStateException("the rollout " + rollout.id + " is coordinated by member " + now);
            }
        }
        event("fleet.rollout-resumed", rollout, Map.of());
        return rollout;
    }

    /** Stops a rollout: every member that may have taken it rolls back. */
    Docs.Rollout abort(String plugin) throws Exception {
        String path = zk.rollout(plugin);
        while (true) {
            FleetZk.Versioned<Docs.Rollout> v = zk.read(path, Docs.Rollout.class);
            if (v == null) {
                throw new IllegalArgumentException("no rollout of " + plugin + " (fleet status lists them)");
            }
            Docs.Rollout rollout = v.doc();
            RolloutState state = RolloutState.of(rollout.state);
            if (state.finished()) {
                throw new IllegalStateException("the rollout " + rollout.id + " of " + plugin + " has ended: " + rollout.state);
            }
            if (state == RolloutState.RUNNING) {
                rollout.state = RolloutState.ABORTING.text();
                rollout.reason = "aborted by 'fleet abort' on member " + me;
                if (!zk.replace(path, rollout, v.version())) {
                    continue;
                }
            }
            coordinate(plugin, rollout.id); // unless a member coordinates it already
            event("fleet.rollout-aborting", rollout, Map.of());
            return rollout;
        }
    }

    /**
     * Makes this runtime the coordinator of the rollout {@code rolloutId}, unless another member coordinates it. A
     * {@code coordinator} node left by the coordinator of an earlier rollout of the plugin (it deletes its node on its
     * next round after the rollout ended) is replaced: the member that starts a rollout coordinates it, even when the
     * previous one ended a moment before under another member.
     *
     * @return the member that coordinates it now: this one, or the other
     */
    private String coordinate(String plugin, String rolloutId) throws Exception {
        Docs.Coordinator c = new Docs.Coordinator();
        c.member = me;
        c.since = Clock.now();
        c.rollout = rolloutId;
        String path = zk.coordinator(plugin);
        while (!zk.create(path, c, CreateMode.EPHEMERAL)) {
            FleetZk.Versioned<Docs.Coordinator> other = zk.read(path, Docs.Coordinator.class);
            if (other == null) {
                continue; // gone meanwhile: try again
            }
            if (stale(other.doc(), rolloutId)) {
                zk.deleteIfVersion(path, other.version()); // a change meanwhile: look again
                continue;
            }
            if (!me.equals(other.doc().member)) {
                driving.remove(plugin);
                return other.doc().member;
            }
            break; // this runtime's own node (a session that came back)
        }
        driving.add(plugin);
        return me;
    }

    /** Whether a {@code coordinator} node was made for another rollout than {@code rolloutId}. */
    private static boolean stale(Docs.Coordinator c, String rolloutId) {
        return c.rollout != null && rolloutId != null && !c.rollout.equals(rolloutId);
    }

    /** One round over every rollout this runtime drives. */
    void round() {
        for (String plugin : driving) {
            try {
                drive(plugin);
            } catch (Exception e) {
                LOG.warn("fleet coordinator: the rollout of {}: {} (retries)", plugin, e.toString());
            }
        }
    }

    private void drive(String plugin) throws Exception {
        String path = zk.rollout(plugin);
        FleetZk.Versioned<Docs.Rollout> v = zk.read(path, Docs.Rollout.class);
        if (v == null || RolloutState.of(v.doc().state).finished()) {
            finish(plugin, v == null ? null : v.doc().id);
            return;
        }
        Docs.Rollout rollout = v.doc();
        FleetZk.Versioned<Docs.Coordinator> node = zk.read(zk.coordinator(plugin), Docs.Coordinator.class);
        Docs.Coordinator c = node == null ? null : node.doc();
        if (c == null) {
            coordinate(plugin, rollout.id); // our session was lost and came back: take it again unless another member did
            return;
        }
        if (!me.equals(c.member)) {
            LOG.info("fleet coordinator: member {} took over the rollout of {}", c.member, plugin);
            driving.remove(plugin);
            return;
        }
        if (stale(c, rollout.id)) {
            // our node of an ended rollout, and a newer one that another member started: not ours to drive
            driving.remove(plugin);
            zk.deleteIfVersion(zk.coordinator(plugin), node.version());
            return;
        }
        Map<String, Docs.Report> reports = new HashMap<>();
        for (String member : RolloutMachine.reached(rollout.plan, rollout.wave)) {
            Docs.Report report = zk.get(zk.report(plugin, member), Docs.Report.class, wake);
            if (report != null && rollout.id.equals(report.rollout)) {
                reports.put(member, report);
            }
        }
        Set<String> connected = Set.copyOf(zk.children(zk.members()));
        RolloutMachine.Step step = RolloutMachine.next(rollout, reports, java.time.Instant.now(), connected);
        for (Map.Entry<String, String> wanted : step.assignments().entrySet()) {
            assign(rollout, wanted.getKey(), wanted.getValue());
        }
        if (step.changes(rollout) || !Objects.equals(step.reason(), rollout.reason)) {
            RolloutState before = RolloutState.of(rollout.state);
            int waveBefore = rollout.wave;
            rollout.state = step.state().text();
            if (step.wave() != rollout.wave) {
                rollout.waveStarted = Clock.now();
            }
            rollout.wave = step.wave();
            rollout.reason = step.reason();
            if (step.state().finished()) {
                rollout.ended = Clock.now();
            }
            if (zk.replace(path, rollout, v.version())) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("state", rollout.state);
                details.put("wave", rollout.wave + 1);
                details.put("members", rollout.plan.isEmpty() ? List.of() : rollout.plan.get(rollout.wave));
                if (rollout.reason != null) {
                    details.put("reason", rollout.reason);
                }
                event(before != step.state() ? "fleet.rollout-" + rollout.state : "fleet.rollout-wave", rollout, details);
                LOG.info("fleet rollout {} of {}: {} (wave {} -> {}){}", rollout.id, plugin, rollout.state,
                        waveBefore + 1, rollout.wave + 1, rollout.reason == null ? "" : ": " + rollout.reason);
                if (step.state().finished()) {
                    finish(plugin, rollout.id); // at once: a rollout started next is coordinated by the member that starts it
                }
            }
        }
    }

    private void assign(Docs.Rollout rollout, String member, String action) throws Exception {
        String path = zk.assign(rollout.plugin, member);
        Docs.Assignment existing = zk.get(path, Docs.Assignment.class);
        if (existing != null && rollout.id.equals(existing.rollout) && action.equals(existing.action)) {
            return;
        }
        Docs.Assignment a = new Docs.Assignment();
        a.rollout = rollout.id;
        a.action = action;
        a.plugin = rollout.plugin;
        a.version = rollout.version;
        a.sha256 = rollout.sha256;
        a.artifact = rollout.artifact;
        a.file = rollout.file;
        a.holdMillis = rollout.holdMillis;
        zk.put(path, a);
    }

    /**
     * The rollout {@code rolloutId} ended (null: the plugin's rollout is gone): stops driving it and deletes this
     * runtime's {@code coordinator} node for it, never a node a newer rollout's coordinator made meanwhile.
     */
    private void finish(String plugin, String rolloutId) throws Exception {
        driving.remove(plugin);
        FleetZk.Versioned<Docs.Coordinator> node = zk.read(zk.coordinator(plugin), Docs.Coordinator.class);
        if (node != null && me.equals(node.doc().member) && !stale(node.doc(), rolloutId)) {
            zk.deleteIfVersion(zk.coordinator(plugin), node.version());
        }
    }

    /** The rollouts this runtime drives now. */
    Set<String> driving() {
        return Set.copyOf(driving);
    }

    private void event(String type, Docs.Rollout rollout, Map<String, Object> more) {
        FleetEvents.record(journal, type, rollout.id, rollout.plugin, rollout.version, rollout.sha256, more);
    }
}
