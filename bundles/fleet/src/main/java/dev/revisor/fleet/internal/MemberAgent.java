package dev.revisor.fleet.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;

/**
 * This runtime as a fleet member: keeps its ephemeral {@code members/ID} node (Curator's {@link PersistentNode}
 * re-creates it after a lost session) up to date with the plugins of its deploy folder, and carries out the
 * assignments the coordinators write for it, one at a time, with {@link PluginApplier}.
 * <p>
 * What it did is kept in {@code data/fleet/done/PLUGIN.json} before it is reported: a member that lost its session, or
 * was killed, reports it again when it is back, and never applies an assignment twice. While ZooKeeper cannot be
 * reached it changes nothing: the runtime keeps running what it has.
 * <p>
 * Concurrent Semantics: {@link #round} runs on the fleet's member thread only; {@link #close} from the component.
 */
final class MemberAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberAgent.class);

    private final FleetZk zk;
    private final FleetConfig config;
    private final DeployFolder deploy;
    private final PluginApplier applier;
    private final String revisorVersion;
    private final PersistentNode node;
    private List<Docs.Plugin> published;
    private String lastProblem;
    private String lastRefused;

    /** Wakes the member's thread for a round now: set by the component, called on ZooKeeper's event thread. */
    private final CuratorWatcher wake;

    MemberAgent(FleetZk zk, FleetConfig config, DeployFolder deploy, PluginApplier applier, String revisorVersion,
            Runnable wakeUp) {
        this.wake = event -> wakeUp.run();
        this.zk = zk;
        this.config = config;
        this.deploy = deploy;
        this.applier = applier;
        this.revisorVersion = revisorVersion;
        Docs.Member me = describe();
        this.published = me.plugins;
        this.node = new PersistentNode(zk.client, CreateMode.EPHEMERAL, false, zk.member(config.member()),
                FleetZk.json(me));
        node.start();
    }

    private Docs.Member describe() {
        Docs.Member me = new Docs.Member();
        me.id = config.member();
        me.host = FleetConfig.host();
        me.revisorVersion = revisorVersion;
        me.since = Clock.now();
        me.plugins = plugins();
        return me;
    }

    private List<Docs.Plugin> plugins() {
        List<Docs.Plugin> plugins = new ArrayList<>();
        for (DeployFileDTO file : deploy.status().files) {
            if (file.bundle == null) {
                continue;
            }
            Docs.Plugin p = new Docs.Plugin();
            p.symbolicName = file.bundle.symbolicName;
            p.version = file.bundle.version;
            p.sha256 = file.sha256;
            p.file = file.file;
            p.state = file.bundleState;
            plugins.add(p);
        }
        return plugins;
    }

    /** One round: refresh the member node, then carry out every assignment not done yet. */
    void round() throws InterruptedException {
        try {
            publishMembership();
            for (String plugin : zk.children(zk.rollouts(), wake)) {
                Docs.Assignment a = zk.get(zk.assign(plugin, config.member()), Docs.Assignment.class, wake);
                if (a != null) {
                    carryOut(plugin, a);
                }
            }
            if (lastProblem != null) {
                LOG.info("fleet member {}: ZooKeeper answers again", config.member());
                lastProblem = null;
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!problem.equals(lastProblem)) {
                LOG.warn("fleet member {}: {} (keeps running what it has; retries)", config.member(), problem);
                lastProblem = problem;
            }
        }
    }

    private void publishMembership() throws Exception {
        List<Docs.Plugin> now = plugins();
        if (!now.equals(published)) {
            Docs.Member me = describe();
            me.plugins = now;
            node.setData(FleetZk.json(me));
            published = now;
        }
    }

    private void carryOut(String plugin, Docs.Assignment a) throws Exception {
        String wrong = Assignments.problem(plugin, a);
        if (wrong != null) {
            if (!wrong.equals(lastRefused)) {
                LOG.error("fleet member {}: ignores the assignment {}: {}", config.member(), zk.assign(plugin,
                        config.member()), wrong);
                lastRefused = wrong;
            }
            return;
        }
        Path doneFile = config.dataDirectory().resolve("done").resolve(plugin + ".json");
        Docs.Report done = readDone(doneFile);
        String reportPath = zk.report(plugin, config.member());
        if (done != null && Objects.equals(done.rollout, a.rollout) && Objects.equals(done.action, a.action)) {
            Docs.Report reported = zk.get(reportPath, Docs.Report.class);
            if (reported == null || !Objects.equals(reported.state, done.state)
                    || !Objects.equals(reported.rollout, done.rollout) || !Objects.equals(reported.action, done.action)) {
                zk.put(reportPath, done); // lost with a session, or written before a kill: report it again
            }
            return;
        }
        if (done != null && done.rollout != null && !done.rollout.equals(a.rollout)) {
            // a new rollout of the plugin starts only once the previous one ended: its previous bytes are not needed
            forget(config.dataDirectory().resolve("previous").resolve(done.rollout));
        }
        Docs.Report result;
        if (RolloutMachine.ROLLBACK.equals(a.action)) {
            result = applier.rollback(a); // puts back what it ran before, or says it never took the update
        } else {
            result = applier.apply(a, progress -> {
                try {
                    zk.put(reportPath, progress);
                } catch (Exception e) {
                    LOG.debug("fleet member {}: progress not reported: {}", config.member(), e.toString());
                }
            }, () -> withdrawn(plugin, a));
        }
        writeDone(doneFile, result);
        zk.put(reportPath, result);
    }

    /** @return whether the coordinator replaced {@code a} (a rollback, another rollout); false while unsure */
    private boolean withdrawn(String plugin, Docs.Assignment a) {
        try {
            Docs.Assignment now = zk.get(zk.assign(plugin, config.member()), Docs.Assignment.class);
            return now != null && (!Objects.equals(now.rollout, a.rollout) || !Objects.equals(now.action, a.action));
        } catch (Exception e) {
            return false; // ZooKeeper out of reach: keep holding, as the member keeps running what it has
        }
    }

    private static void forget(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("fleet member: cannot remove {}: {}", dir, e.toString());
        }
    }

    private static Docs.Report readDone(Path file) {
        try {
            return Files.exists(file) ? FleetZk.GSON.fromJson(Files.readString(file), Docs.Report.class) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void writeDone(Path file, Docs.Report report) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, FleetZk.GSON.toJson(report), StandardCharsets.UTF_8);
        ArtifactStore.move(temp, file);
    }

    @Override
    public void close() {
        try {
            node.close();
        } catch (IOException e) {
            LOG.debug("fleet member node: {}", e.toString());
        }
    }
}
