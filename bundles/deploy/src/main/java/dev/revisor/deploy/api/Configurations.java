package dev.revisor.deploy.api;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Configuration changes as audited live updates: the {@code .cfg} and {@code .config} files of {@code deploy/} and
 * {@code etc/}, and changes asked for through this service (the shell's {@code audit:config}). Every change is checked
 * against the Metatype description of its PID, applied through Configuration Admin, verified against the DS components
 * that use the PID, rolled back when a component that was active does not come back active, and journaled
 * ({@code config.*} events, docs/configuration.md).
 * <p>
 * Concurrent Semantics: thread safe. Changes run one at a time on the bundle's own thread; {@link #set} and
 * {@link #delete} wait for theirs.
 *
 * @since 1.2
 */
@ProviderType
public interface Configurations {
    /** @return every configuration file Revisor watches, {@code deploy/} first, by name */
    List<ConfigFileDTO> files();

    /**
     * @param pid a PID or factory configuration PID ({@code factoryPid~name}), or {@code null} for all
     * @return the configurations in force, with the file (or shell) they came from; secret-looking values masked
     */
    List<ConfigEntryDTO> current(String pid);

    /**
     * @param pid a PID, or {@code null}
     * @param limit at most this many, newest last
     * @return the recorded changes of the PID (of every PID when {@code null}), from the journal
     */
    List<ConfigChangeDTO> history(String pid, int limit);

    /**
     * Sets keys of a configuration (the others keep their values) as one checked, verified, journaled change.
     *
     * @param pid     a PID, or {@code factoryPid~name}
     * @param values  key to value as typed (converted to the Metatype type when the PID has a description)
     * @param trigger who asks, e.g. {@code shell:audit:config set ...}
     * @return how it ended
     * @throws IllegalArgumentException for a malformed PID or key
     */
    ConfigChangeDTO set(String pid, Map<String, String> values, String trigger) throws InterruptedException;

    /**
     * Deletes a configuration as one verified, journaled change.
     *
     * @return how it ended
     * @throws IllegalArgumentException when no such configuration exists
     */
    ConfigChangeDTO delete(String pid, String trigger) throws InterruptedException;

    /**
     * @param pid a PID or factory PID
     * @return which DS components a change (or deletion) of it would modify, reactivate or deactivate
     */
    ConfigPlanDTO plan(String pid);

    /**
     * Waits until every configuration file of the watched folders has been taken up as it is now (its record is for
     * its current bytes) and no change is in progress: what {@code audit:deploys --wait} waits for besides the jars.
     *
     * @param timeoutMillis at most this long
     * @return the files then
     * @throws java.util.concurrent.TimeoutException naming the files still in progress
     */
    List<ConfigFileDTO> awaitSettled(long timeoutMillis) throws InterruptedException, java.util.concurrent.TimeoutException;
}
