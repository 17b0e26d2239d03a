package dev.revisor.deploy.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The write-ahead record of the transaction in progress ({@code transaction.json}): written and forced to disk
 * before the framework is touched, updated when the change is applied, deleted when the transaction ends. At start,
 * a record left behind means the runtime stopped in the middle (kill -9, power loss): {@link DeployEngine#recover()}
 * completes or rolls back what it says.
 */
final class Transaction {
    static final String INSTALL = "install";
    static final String UPDATE = "update";
    static final String UNINSTALL = "uninstall";

    static final String PREPARED = "prepared";
    static final String APPLIED = "applied";

    String operation;
    String file;
    String action;
    String phase = PREPARED;
    String location;
    long bundleId = -1;
    /** The bundle's last-modified time before the change: a different one after a restart means the update happened. */
    long lastModifiedBefore;
    /** SHA-256 of the incoming bytes (kept in staging/ until the end). */
    String sha256;
    /** SHA-256 of the bytes the bundle ran before (kept in bytes/). */
    String previousSha256;
    /** Bundles active before the change: they must be active after it. */
    List<Long> activeBefore = new ArrayList<>();
    /** Bundles resolved (not active) before the change: they must be resolved after it. */
    List<Long> resolvedBefore = new ArrayList<>();
    String started;
    /**
     * When the transaction ended with starts that had not returned (kept in {@code state.json} with the file's record,
     * not in the write-ahead record): the bundles whose start was stuck. The transaction is finished when they return,
     * or at the next start of the runtime.
     */
    List<Long> stuckBundles = new ArrayList<>();
    /**
     * Whether the transaction is rolling back: written before the previous bytes go back, so that the recovery after a
     * crash knows; for a transaction ended with stuck starts, that those starts were those of a rollback.
     */
    boolean rollingBack;

    /** @return a new record of the operation's transaction of this file, with the bundle's id and location when known */
    static Transaction begin(dev.revisor.audit.api.Operation op, String file, String action, org.osgi.framework.Bundle bundle) {
        Transaction tx = new Transaction();
        tx.operation = op.id();
        tx.file = file;
        tx.action = action;
        tx.started = java.time.Instant.now().toString();
        if (bundle != null) {
            tx.bundleId = bundle.getBundleId();
            tx.location = bundle.getLocation();
        }
        return tx;
    }
}
