package dev.revisor.audit.internal.operations;

import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.AuditEventDTO;

/**
 * What the operation tracker needs from the journal beyond {@link dev.revisor.audit.api.Journal}: an
 * {@value #STARTED} event whose operation id is derived from its own sequence number. Internal service of the
 * audit bundle, provided by the journal component.
 * <p>
 * Concurrent Semantics: thread safe; never blocks on disk.
 */
public interface OperationLog {
    /** Event type of the first event of every operation. */
    String STARTED = dev.revisor.audit.internal.EventTypes.OPERATION_STARTED;
    /** Operation ids are this prefix and the seq of their {@value #STARTED} event, e.g. {@code op-42}. */
    String ID_PREFIX = "op-";

    /**
     * Records an {@value #STARTED} event; its {@code operation} is {@code op-<its seq>}.
     *
     * @param bundle  the bundle it is about, or {@code null}
     * @param details the facts of the start
     * @return the event, with its operation id set
     */
    AuditEventDTO recordOperationStart(Bundle bundle, Map<String, Object> details);

    /**
     * Reads back what the tracker recovers at start, without decoding every event.
     *
     * @param lastEvents how many of the newest events to look at, whatever their type
     * @return the {@value #STARTED} and {@code operation.ended} events among them, oldest first
     */
    List<AuditEventDTO> operationEvents(int lastEvents);

    /** @return the sequence number of the newest event recorded so far */
    long lastSeq();
}
