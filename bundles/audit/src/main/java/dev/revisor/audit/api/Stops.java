package dev.revisor.audit.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The stop watchdog: every bundle stop (activator {@code stop}, DS deactivation on STOPPING) is timed; one that
 * takes longer than the limit is journaled as {@code stop.hung} with the stopping thread's stack and the lock it
 * waits for, and as {@code stop.ended} when it finally ends.
 * <p>
 * Concurrent Semantics: thread safe; never blocks on a stopping thread.
 */
@ProviderType
public interface Stops {
    /** @return the stops in progress now, the longest first */
    List<StopDTO> inProgress();

    /** @return the limit after which a stop is reported, in milliseconds */
    long limitMillis();
}
