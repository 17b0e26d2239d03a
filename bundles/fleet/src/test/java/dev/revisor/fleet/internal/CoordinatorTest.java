package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;

/**
 * Who coordinates a rollout, on a real ZooKeeper server (Curator's in-process TestingServer): the member that starts a
 * rollout coordinates it, also when the previous rollout of the plugin ended a moment before under another member
 * whose {@code coordinator} node is still there (it deletes it on its next round), and that member does not take the
 * new rollout over on that round.
 */
class CoordinatorTest {
    private static final String PLUGIN = "org.example.plugin";

    private TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    @BeforeEach
    void zookeeper() throws Exception {
        server = new TestingServer(true);
    }

    @AfterEach
    void close() throws Exception {
        for (CuratorFramework c : clients) {
            c.close();
        }
        server.close();
    }

    private FleetZk member(String id) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
        clients.add(client);
        FleetZk zk = new FleetZk(client, "/revisor/fleet");
        assertThat(zk.create(zk.members() + "/" + id, Map.of("member", id), CreateMode.EPHEMERAL)).isTrue();
        return zk;
    }

    private static ArtifactStore.Artifact artifact(String version) {
        return new ArtifactStore.Artifact(PLUGIN, version, "sha-" + version, "fleet/" + version + ".jar");
    }

    /** Ends the plugin's rollout as its coordinator's last round would, without that coordinator's next round. */
    private static void end(FleetZk zk, String state) throws Exception {
        FleetZk.Versioned<Docs.Rollout> v = zk.read(zk.rollout(PLUGIN), Docs.Rollout.class);
        v.doc().state = state;
        assertThat(zk.replace(zk.rollout(PLUGIN), v.doc(), v.version())).isTrue();
    }

    private static Docs.Coordinator coordinatorNode(FleetZk zk) throws Exception {
        return zk.get(zk.coordinator(PLUGIN), Docs.Coordinator.class);
    }

    @Test
    void aRolloutStartedRightAfterAnotherEndedIsCoordinatedByTheMemberThatStartedIt() throws Exception {
        FleetZk zk1 = member("m1");
        FleetZk zk2 = member("m2");
        Coordinator m1 = new Coordinator(zk1, "m1", new RecordingJournal(), () -> { });
        Coordinator m2 = new Coordinator(zk2, "m2", new RecordingJournal(), () -> { });

        Docs.Rollout first = m1.begin(artifact("1.0.0"), 1, List.of(100), 1_000, 60_000);
        assertThat(coordinatorNode(zk1).member).isEqualTo("m1");
        assertThat(coordinatorNode(zk1).rollout).isEqualTo(first.id);
        end(zk1, RolloutState.ABORTED.text()); // m1 has not had its next round: its node is still there

        Docs.Rollout second = m2.begin(artifact("1.0.1"), 1, List.of(100), 1_000, 60_000);
        Docs.Coordinator node = coordinatorNode(zk2);
        assertThat(node.member).as("the member that started it").isEqualTo("m2");
        assertThat(node.rollout).isEqualTo(second.id);
        assertThat(m2.driving()).containsExactly(PLUGIN);

        m1.round(); // m1's round after its rollout ended: it lets go and leaves m2's node alone
        assertThat(m1.driving()).isEmpty();
        node = coordinatorNode(zk2);
        assertThat(node.member).isEqualTo("m2");
        assertThat(node.rollout).isEqualTo(second.id);
        assertThat(zk1.get(zk1.rollout(PLUGIN), Docs.Rollout.class).id).isEqualTo(second.id);
    }

    @Test
    void theSameMemberStartingTheNextRolloutKeepsItsNewNodeWhenItsLastRoundOfTheOldOneComes() throws Exception {
        FleetZk zk1 = member("m1");
        Coordinator m1 = new Coordinator(zk1, "m1", new RecordingJournal(), () -> { });
        m1.begin(artifact("1.0.0"), 1, List.of(100), 1_000, 60_000);
        end(zk1, RolloutState.SUCCEEDED.text());
        Docs.Rollout second = m1.begin(artifact("1.0.1"), 1, List.of(100), 1_000, 60_000);

        m1.round();
        assertThat(coordinatorNode(zk1).rollout).isEqualTo(second.id);
        assertThat(m1.driving()).containsExactly(PLUGIN);
    }

    @Test
    void aCoordinatorThatFinishesARolloutDeletesItsNodeInTheSameRound() throws Exception {
        FleetZk zk1 = member("m1");
        Coordinator m1 = new Coordinator(zk1, "m1", new RecordingJournal(), () -> { });
        m1.begin(artifact("1.0.0"), 1, List.of(100), 1_000, 60_000);
        m1.abort(PLUGIN);
        zk1.delete(zk1.members() + "/m1"); // nobody connected has to roll back: the abort ends at the next round
        m1.round();
        assertThat(zk1.get(zk1.rollout(PLUGIN), Docs.Rollout.class).state).isEqualTo(RolloutState.ABORTED.text());
        assertThat(coordinatorNode(zk1)).as("deleted when the rollout ended, not a round later").isNull();
        assertThat(m1.driving()).isEmpty();
    }

    /** The journal the coordinator records its events in; the real one needs a running framework. */
    private static final class RecordingJournal implements Journal {
        final List<String> types = new ArrayList<>();

        @Override
        public synchronized AuditEventDTO record(String type, String operation, Bundle bundle, Map<String, Object> details) {
            types.add(type);
            AuditEventDTO e = new AuditEventDTO();
            e.type = type;
            return e;
        }

        @Override
        public List<AuditEventDTO> events(EventQuery query) {
            return List.of();
        }

        @Override
        public void sync() {
        }

        @Override
        public Path directory() {
            return Path.of("/nonexistent");
        }
    }
}
