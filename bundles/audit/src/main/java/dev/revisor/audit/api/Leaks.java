package dev.revisor.audit.api;

import java.util.List;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Leak detection after live updates. After a bundle is stopped, updated or uninstalled and the framework refreshed,
 * Revisor checks that its old revision is really gone: threads it started, ThreadLocal values, services other bundles
 * still hold, registrations with the JVM, and its class loader (a zombie revision), and explains a zombie with the
 * reference chain from a GC root. {@code docs/leaks.md} tells how.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@ProviderType
public interface Leaks {
    /** @return the current findings, oldest first; a leak that went away (its thread ended, its loader was collected) is no longer listed */
    List<LeakFindingDTO> findings();

    /**
     * Checks now: the revisions waiting for their check, every finding again, and the threads of every bundle that is
     * not active. Blocks until done.
     *
     * @return the current findings after the check
     */
    List<LeakFindingDTO> check();

    /**
     * Explains every zombie finding: dumps the heap, finds the shortest strong reference chain from a GC root to each
     * zombie's class loader in a separate JVM, and sets {@link LeakFindingDTO#chain}. Blocks until done (bounded by
     * the configured time limit).
     *
     * @param progress receives a line now and then, for people watching a long analysis
     * @return the current findings, zombies with their chain
     */
    List<LeakFindingDTO> explain(Consumer<String> progress);

    /** @return how detection works in this JVM: garbage collection mode and what could not be inspected */
    LeakStatusDTO status();
}
