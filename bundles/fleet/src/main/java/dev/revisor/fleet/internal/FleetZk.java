package dev.revisor.fleet.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/**
 * The fleet's nodes in ZooKeeper, read and written as JSON (layout in docs/fleet.md, "The state in ZooKeeper"):
 * <pre>
 * ROOT/members/ID                       ephemeral  Docs.Member
 * ROOT/rollouts/PLUGIN                  persistent Docs.Rollout
 * ROOT/rollouts/PLUGIN/coordinator      ephemeral  Docs.Coordinator
 * ROOT/rollouts/PLUGIN/assign/MEMBER    persistent Docs.Assignment
 * ROOT/rollouts/PLUGIN/report/MEMBER    persistent Docs.Report
 * </pre>
 * Concurrent Semantics: thread safe (Curator's client is); every method may block while the session reconnects and
 * throws when ZooKeeper cannot be reached: callers retry on their next round.
 */
final class FleetZk {
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    final CuratorFramework client;
    final String root;

    FleetZk(CuratorFramework client, String root) {
        this.client = client;
        this.root = root;
    }

    String members() {
        return root + "/members";
    }

    String member(String id) {
        return members() + "/" + id;
    }

    String rollouts() {
        return root + "/rollouts";
    }

    String rollout(String plugin) {
        return rollouts() + "/" + plugin;
    }

    String coordinator(String plugin) {
        return rollout(plugin) + "/coordinator";
    }

    String assign(String plugin, String member) {
        return rollout(plugin) + "/assign/" + member;
    }

    String report(String plugin, String member) {
        return rollout(plugin) + "/report/" + member;
    }

    /** A document and the version it was read at (for compare-and-set). */
    record Versioned<T>(T doc, int version) {
    }

    <T> Versioned<T> read(String path, Class<T> type) throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return new Versioned<>(GSON.fromJson(new String(data, StandardCharsets.UTF_8), type), stat.getVersion());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    <T> T get(String path, Class<T> type) throws Exception {
        Versioned<T> v = read(path, type);
        return v == null ? null : v.doc();
    }

    List<String> children(String path) throws Exception {
        try {
            List<String> names = new ArrayList<>(client.getChildren().forPath(path));
            Collections.sort(names);
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /**
     * The children of {@code path}, and a one-time watch that calls {@code watcher} when they change. Registering the
     * same watcher on the same path again adds no second watch.
     */
    List<String> children(String path, CuratorWatcher watcher) throws Exception {
        try {
            List<String> names = new ArrayList<>(client.getChildren().usingWatcher(watcher).forPath(path));
            Collections.sort(names);
            return names;
        } catch (KeeperException.NoNodeException e) {
            client.checkExists().usingWatcher(watcher).forPath(path);
            return List.of();
        }
    }

    /** Reads a document and leaves a one-time watch that fires when it is created, changed or deleted. */
    <T> T get(String path, Class<T> type, CuratorWatcher watcher) throws Exception {
        if (client.checkExists().usingWatcher(watcher).forPath(path) == null) {
            return null;
        }
        return get(path, type);
    }

    static byte[] json(Object doc) {
        return GSON.toJson(doc).getBytes(StandardCharsets.UTF_8);
    }

    /** Creates or replaces a persistent node. */
    void put(String path, Object doc) throws Exception {
        try {
            client.setData().forPath(path, json(doc));
        } catch (KeeperException.NoNodeException e) {
            try {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, json(doc));
            } catch (KeeperException.NodeExistsException raced) {
                client.setData().forPath(path, json(doc));
            }
        }
    }

    /** Replaces a node only if nobody wrote it since {@code version}; false when someone did. */
    boolean replace(String path, Object doc, int version) throws Exception {
        try {
            client.setData().withVersion(version).forPath(path, json(doc));
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return false;
        }
    }

    /** Creates a node; false when it exists. */
    boolean create(String path, Object doc, CreateMode mode) throws Exception {
        try {
            client.create().creatingParentContainersIfNeeded().withMode(mode).forPath(path, json(doc));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /** Deletes a node only if nobody wrote it since {@code version}; false when someone did or it is gone. */
    boolean deleteIfVersion(String path, int version) throws Exception {
        try {
            client.delete().withVersion(version).forPath(path);
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return false;
        }
    }

    void delete(String path) throws Exception {
        try {
            client.delete().deletingChildrenIfNeeded().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            // gone already
        }
    }
}
