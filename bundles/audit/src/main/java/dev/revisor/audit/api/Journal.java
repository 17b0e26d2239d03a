package dev.revisor.audit.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;

/**
 * The durable journal of the runtime's lifecycle: JSON Lines under {@code data/audit/}.
 * <p>
 * Concurrent Semantics: thread safe. {@link #record} never blocks on disk: events are written by the
 * journal's own thread, in the order of their {@link AuditEventDTO#seq}.
 */
@ProviderType
public interface Journal {

    /**
     * Appends an event.
     *
     * @param type      the event type, {@code area.what}
     * @param operation the operation it belongs to, or {@code null}
     * @param bundle    the bundle it is about, or {@code null}
     * @param details   further facts, or an empty map; values are strings, numbers, booleans, lists and maps
     * @return the event as it will be written, with its sequence number and time
     */
    AuditEventDTO record(String type, String operation, Bundle bundle, Map<String, Object> details);

    /**
     * Reads the journal, rotated files included; a partial last line (left by a crash) is skipped. Every event
     * recorded before the call (on any thread) is in what it reads, unless the disk does not take it within the
     * journal's {@code sync.timeout.ms} (then a warning is logged).
     *
     * @param query what to return
     * @return the matching events, oldest first, at most {@link EventQuery#limit()}
     */
    List<AuditEventDTO> events(EventQuery query);

    /**
     * Writes every event recorded so far to the file and forces the file to disk. Called at the end of an operation.
     */
    void sync();

    /** @return the folder that holds the journal files */
    Path directory();

    /**
     * Hands every event written to the journal after this call to {@code listener}, oldest first, once it is in the
     * file ({@code audit:events --follow}). The calls come from the journal's own thread: the listener must only
     * queue the event and return, never block or do I/O. A listener that throws is removed (and the failure logged).
     *
     * @param listener called once per event
     * @return closing it ends the calls
     * @since 1.2
     */
    default Subscription follow(Consumer<AuditEventDTO> listener) {
        throw new UnsupportedOperationException("this journal cannot be followed");
    }

    /** The calls of a {@link #follow} listener until it is closed. */
    @ProviderType
    interface Subscription extends AutoCloseable {
        /** Ends the calls; closing again does nothing. */
        @Override
        void close();
    }
}
