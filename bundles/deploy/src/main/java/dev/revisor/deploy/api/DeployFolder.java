package dev.revisor.deploy.api;

import java.util.concurrent.TimeoutException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The deploy folder as Revisor manages it: every change to a bundle jar in it is a transaction that either
 * completes or leaves the runtime as it was (see {@code docs/deploy.md}).
 * <p>
 * Concurrent Semantics: thread safe.
 */
@ProviderType
public interface DeployFolder {
    /** @return the folder's state now: each file, its bundle, the last outcome and its reason */
    DeployStatusDTO status();

    /**
     * Waits until the folder is settled: every bundle jar in it has been reported by FileInstall and taken up as it
     * is now (its entry says how that ended), no file that left the folder waits for its removal, and Revisor has no
     * change queued or running, a scheduled re-check of an incomplete file included. A change that waits for a stuck
     * start counts as taken up: its entry says it waits ({@code waiting} or {@code stuck}). See {@code docs/deploy.md},
     * "Waiting for the folder".
     *
     * @param timeoutMillis how long to wait at most, in milliseconds; 0 looks once
     * @return the folder's state once settled ({@link DeployStatusDTO#settled} is {@code true})
     * @throws TimeoutException when the folder has not settled in time; the message names what is still in progress
     * @throws InterruptedException when the calling thread is interrupted while it waits
     * @since 1.1
     */
    DeployStatusDTO awaitSettled(long timeoutMillis) throws InterruptedException, TimeoutException;
}
