package dev.revisor.audit.api;

import java.util.Collection;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;

/**
 * Refresh plans before, refresh records after.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@ProviderType
public interface Refreshes {
    /** What is about to happen to the named bundles. */
    enum Change {
        /** refreshing them as they are */
        REFRESH,
        /** updating them, then refreshing */
        UPDATE,
        /** uninstalling them, then refreshing */
        UNINSTALL
    }

    /**
     * Computes what refreshing the bundles after the change would stop and restart, and why each one;
     * changes nothing.
     *
     * @param bundles the bundles to change
     * @param change  what happens to them first
     * @return the plan
     */
    RefreshPlanDTO plan(Collection<Bundle> bundles, Change change);

    /**
     * Refreshes the bundles (all removal-pending ones when the collection is empty) within the calling thread's
     * current operation (or a new {@code refresh} operation), waits until the framework reports the refresh done,
     * and returns its record. The record is journaled too.
     *
     * @param bundles       the bundles to refresh
     * @param timeoutMillis how long to wait for the framework at most
     * @return what the refresh did
     * @throws InterruptedException when the wait is interrupted
     * @throws java.util.concurrent.TimeoutException when the refresh did not end in time (it goes on)
     */
    RefreshRecordDTO refresh(Collection<Bundle> bundles, long timeoutMillis)
            throws InterruptedException, java.util.concurrent.TimeoutException;

    /**
     * Whether a refresh requested through {@link #refresh} has not ended yet: one whose caller stopped waiting
     * ({@code TimeoutException}) goes on in the framework, holding its global lock, until the framework ends it. A
     * bundle started meanwhile would wait for it.
     *
     * @return {@code true} while such a refresh runs
     * @since 1.3
     */
    boolean refreshing();
}
