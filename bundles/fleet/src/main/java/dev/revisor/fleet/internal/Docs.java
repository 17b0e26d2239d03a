package dev.revisor.fleet.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents the fleet keeps in ZooKeeper, as JSON (Gson maps the fields). Plain data, no behaviour: every field
 * is described for users in {@code docs/fleet.md}, "The state in ZooKeeper". Never executable content: artifacts stay in
 * the store and are named here by SHA-256.
 */
final class Docs {
    private Docs() {
    }

    /** {@code members/ID}, ephemeral: one running member. */
    static final class Member {
        String id;
        String host;
        String revisorVersion;
        String since;
        List<Plugin> plugins = new ArrayList<>();
    }

    /** A plugin a member runs from its deploy folder. */
    static final class Plugin {
        String symbolicName;
        String version;
        String sha256;
        String file;
        String state;

        @Override
        public boolean equals(Object o) {
            return o instanceof Plugin p && java.util.Objects.equals(symbolicName, p.symbolicName)
                    && java.util.Objects.equals(version, p.version) && java.util.Objects.equals(sha256, p.sha256)
                    && java.util.Objects.equals(file, p.file) && java.util.Objects.equals(state, p.state);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(symbolicName, version, sha256, file, state);
        }
    }

    /** {@code rollouts/PLUGIN}: the newest rollout of one plugin, its plan and where it stands. */
    static final class Rollout {
        /** The fleet operation id, e.g. {@code fleet-20261207-011500-3f2a}; every member's journal names it. */
        String id;
        String plugin;
        String version;
        String sha256;
        /** Path of the artifact inside the store, Maven layout. */
        String artifact;
        /** File name in deploy/ for members that do not run the plugin yet. */
        String file;
        int canary;
        List<Integer> waves = new ArrayList<>();
        long holdMillis;
        /**
         * How long a wave may wait for its members' success before the rollout halts ({@code --wave-timeout}); 0: no
         * limit (rollouts started before the option existed).
         */
        long waveTimeoutMillis;
        /** When the wave in progress started (ISO-8601 UTC); the wave timeout counts from it. */
        String waveStarted;
        /** Member ids per wave; wave 0 is the canary when {@link #canary} &gt; 0. */
        List<List<String>> plan = new ArrayList<>();
        /** Index into {@link #plan} of the wave in progress (or the last one reached). */
        int wave;
        /** One of {@link RolloutState}'s names, lower case. */
        String state;
        /** Why it halted or was aborted: names the member and the finding. */
        String reason;
        String started;
        String ended;
        /** The member that started it (coordinators come and go: see {@code coordinator}). */
        String startedBy;
    }

    /** {@code rollouts/PLUGIN/assign/MEMBER}: what the coordinator wants one member to do. */
    static final class Assignment {
        String rollout;
        /** {@code apply} or {@code rollback}. */
        String action;
        String plugin;
        String version;
        String sha256;
        String artifact;
        String file;
        long holdMillis;
    }

    /** {@code rollouts/PLUGIN/report/MEMBER}: what the member did about its assignment. */
    static final class Report {
        String rollout;
        String action;
        /** One of {@link MemberState}'s names, lower case. */
        String state;
        String reason;
        /** The SHA-256 the member ran before the rollout, or null when it did not run the plugin. */
        String previousSha256;
        /** The deploy transaction's operation id in the member's journal. */
        String deployOperation;
        String time;
    }

    /** {@code rollouts/PLUGIN/coordinator}, ephemeral: who drives the rollout now. */
    static final class Coordinator {
        String member;
        String since;
        /** The id of the rollout this node was made for; null in a node written before Revisor recorded it. */
        String rollout;
    }
}
