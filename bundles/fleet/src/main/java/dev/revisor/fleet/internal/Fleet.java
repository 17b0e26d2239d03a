package dev.revisor.fleet.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Leaks;
import dev.revisor.audit.api.Stops;
import dev.revisor.common.internal.OwnedExecutor;
import dev.revisor.deploy.api.DeployFolder;

/**
 * Fleet mode of this runtime. Off (no thread, no connection) unless etc/config.properties names a ZooKeeper connect
 * string ({@value FleetConfig#CONNECT}); on, it owns the Curator client, the member agent (thread
 * {@code revisor-fleet-member}) and the coordinator (thread {@code revisor-fleet-coordinator}), and closes all of them
 * when it is deactivated. Curator's and ZooKeeper's own threads ({@code Curator-*}, {@code *-SendThread},
 * {@code *-EventThread}) end when the client closes.
 * <p>
 * Concurrent Semantics: thread safe; the commands call it on Gogo's threads.
 */
@Component(service = Fleet.class, immediate = true)
public final class Fleet {
    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);
    /**
     * Rounds run when a ZooKeeper watch says something changed (a new assignment, a member's report) or the connection
     * came back; these polls only catch what a watch could not say (a session that expired took its watches along).
     */
    static final long MEMBER_POLL_MILLIS = 2_000;
    static final long COORDINATOR_POLL_MILLIS = 1_000;

    private final FleetConfig config;
    private final String problem;
    private final CuratorFramework client;
    private final FleetZk zk;
    private final ArtifactStore store;
    private final MemberAgent member;
    private final Coordinator coordinator;
    private final OwnedExecutor memberThread;
    private final OwnedExecutor coordinatorThread;

    @Activate
    public Fleet(BundleContext context, @Reference DeployFolder deploy, @Reference Leaks leaks, @Reference Stops stops,
            @Reference Journal journal) {
        FleetConfig read = null;
        String wrong = null;
        try {
            read = FleetConfig.from(context::getProperty);
        } catch (RuntimeException e) {
            wrong = "etc/config.properties: " + e.getMessage();
            LOG.error("fleet mode is off: {}", wrong);
        }
        this.config = read;
        this.problem = wrong;
        if (read == null) {
            client = null;
            zk = null;
            store = null;
            member = null;
            coordinator = null;
            memberThread = null;
            coordinatorThread = null;
            return;
        }
        client = CuratorFrameworkFactory.builder().connectString(read.connect())
                .sessionTimeoutMs(read.sessionTimeoutMillis()).connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000)).build();
        client.start();
        zk = new FleetZk(client, read.root());
        store = new ArtifactStore(read.store());
        String version = context.getBundle().getVersion().toString();
        PluginApplier applier = new PluginApplier(deploy, leaks, stops, journal, store, read.dataDirectory());
        memberThread = new OwnedExecutor("revisor-fleet-member", e -> LOG.error("fleet member: {}", e.toString(), e));
        coordinatorThread = new OwnedExecutor("revisor-fleet-coordinator",
                e -> LOG.error("fleet coordinator: {}", e.toString(), e));
        Runnable memberRound = () -> {
            try {
                member().round();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Runnable wakeMember = once(memberThread, memberRound);
        Runnable wakeCoordinator = once(coordinatorThread, () -> coordinator().round());
        member = new MemberAgent(zk, read, deploy, applier, version, wakeMember);
        coordinator = new Coordinator(zk, read.member(), journal, wakeCoordinator);
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state.isConnected()) { // connected again: look at once what happened meanwhile
                wakeMember.run();
                wakeCoordinator.run();
            }
        });
        memberThread.scheduleWithFixedDelay(memberRound, 0, MEMBER_POLL_MILLIS, TimeUnit.MILLISECONDS);
        coordinatorThread.scheduleWithFixedDelay(coordinator::round, COORDINATOR_POLL_MILLIS, COORDINATOR_POLL_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info("fleet mode on: member {} of {}{}, store {}", read.member(), read.connect(), read.root(), read.store());
    }

    /** A wake-up that queues {@code round} on {@code thread} unless a run is queued already. */
    private static Runnable once(OwnedExecutor thread, Runnable round) {
        AtomicBoolean queued = new AtomicBoolean();
        return () -> {
            if (queued.compareAndSet(false, true) && !thread.tryExecute(() -> {
                queued.set(false);
                round.run();
            })) {
                queued.set(false);
            }
        };
    }

    private MemberAgent member() {
        return member;
    }

    private Coordinator coordinator() {
        return coordinator;
    }

    @Deactivate
    void deactivate() {
        if (config == null) {
            return;
        }
        coordinatorThread.closeNow(5_000);
        memberThread.closeNow(5_000);
        member.close();
        client.close();
    }

    /** @throws IllegalStateException when fleet mode is off, saying how to turn it on */
    private void on() {
        if (problem != null) {
            throw new IllegalStateException("fleet mode is off: " + problem);
        }
        if (config == null) {
            throw new IllegalStateException("fleet mode is off: etc/config.properties sets no " + FleetConfig.CONNECT
                    + " (docs/fleet.md, \"Setup\")");
        }
    }

    Docs.Rollout rollout(Path jar, int canary, List<Integer> waves, long holdMillis, long waveTimeoutMillis)
            throws Exception {
        on();
        RolloutMachine.checkTimes(holdMillis, waveTimeoutMillis);
        RolloutMachine.checkWaves(waves);
        if (canary < 0) {
            throw new IllegalArgumentException("--canary must be 0 or more, not " + canary);
        }
        ArtifactStore.Artifact artifact = store.publish(jar);
        return coordinator.begin(artifact, canary, waves, holdMillis, waveTimeoutMillis);
    }

    Docs.Rollout resume(String plugin) throws Exception {
        on();
        return coordinator.resume(plugin);
    }

    Docs.Rollout abort(String plugin) throws Exception {
        on();
        return coordinator.abort(plugin);
    }

    FleetStatus status() throws Exception {
        on();
        return FleetStatus.read(zk, config.member(), client.getZookeeperClient().isConnected());
    }
}
