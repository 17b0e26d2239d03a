package dev.revisor.deploy.api;

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
}
