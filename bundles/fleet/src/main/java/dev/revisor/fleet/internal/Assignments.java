package dev.revisor.fleet.internal;

import java.util.regex.Pattern;

/**
 * Checks an assignment read from ZooKeeper before a member acts on it: its names become file names under
 * {@code deploy/} and {@code data/fleet/}, so none may leave those folders, and its hash must be a SHA-256. Whatever
 * ZooKeeper holds, a member only ever copies bytes whose hash the assignment names, from the store, into its folder.
 * Concurrent Semantics: stateless.
 */
final class Assignments {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private Assignments() {
    }

    /** @return what is wrong with {@code a}, or null when a member may act on it */
    static String problem(String plugin, Docs.Assignment a) {
        if (a.rollout == null || !NAME.matcher(a.rollout).matches()) {
            return "its rollout id '" + a.rollout + "' is not a plain name";
        }
        if (!RolloutMachine.APPLY.equals(a.action) && !RolloutMachine.ROLLBACK.equals(a.action)) {
            return "its action '" + a.action + "' is neither apply nor rollback";
        }
        if (!plugin.equals(a.plugin)) {
            return "it names the plugin '" + a.plugin + "' under rollouts/" + plugin;
        }
        if (a.file == null || !NAME.matcher(a.file).matches() || !a.file.endsWith(".jar")) {
            return "its file '" + a.file + "' is not a plain jar name";
        }
        if (a.sha256 == null || !SHA256.matcher(a.sha256).matches()) {
            return "its sha256 '" + a.sha256 + "' is not a SHA-256 in hex";
        }
        if (a.artifact == null || a.artifact.startsWith("/") || a.artifact.contains("..")) {
            return "its artifact path '" + a.artifact + "' is not inside the store";
        }
        if (a.holdMillis < 0) {
            return "its hold time is negative";
        }
        return null;
    }
}
