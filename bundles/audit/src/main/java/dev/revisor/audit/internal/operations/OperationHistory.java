package dev.revisor.audit.internal.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.internal.EventTypes;

/**
 * The ended operations kept in memory for {@code audit:ops} (at most {@code history}, oldest dropped first), and
 * their recovery from the journal at start: the operations of the previous run are read back, and those a crash left
 * open are ended as interrupted.
 * <p>
 * Owns: the deque of ended operations. Runs on: any thread for {@link #add} (the thread that ends an operation) and
 * the look-ups; {@link #recover} on the tracker's thread {@value OperationTracker#THREAD_NAME}, once at start.
 * Concurrent Semantics: thread safe.
 */
final class OperationHistory {
    private final Journal journal;
    private final OperationLog log;
    private final int size;
    /** Oldest first. */
    private final ConcurrentLinkedDeque<OperationState> ended = new ConcurrentLinkedDeque<>();

    OperationHistory(Journal journal, OperationLog log, int size) {
        this.journal = journal;
        this.log = log;
        this.size = size;
    }

    /** Remembers an operation that just ended (the newest). */
    void add(OperationState s) {
        ended.addLast(s);
        trim();
    }

    private void trim() {
        while (ended.size() > size) {
            ended.pollFirst(); // the oldest
        }
    }

    /** @return the ended operation of that id, or {@code null} */
    OperationState find(String id) {
        for (OperationState e : ended) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        return null;
    }

    /** @return the ended operations, oldest first */
    List<OperationState> all() {
        return new ArrayList<>(ended);
    }

    /**
     * Reads the end of the journal: fills the history with the operations of earlier runs, and ends operations a crash
     * left open as interrupted (journaling their {@code operation.ended}).
     *
     * @param events     how many of the newest journal events to look at
     * @param firstOwnSeq the seq of the first event of this run: newer events are this run's own
     * @return whether an operation was ended as interrupted (the caller forces the journal)
     */
    boolean recover(int events, long firstOwnSeq) {
        if (events == 0 || firstOwnSeq <= 1) {
            return false; // a journal that was empty when the audit started holds nothing from before: nothing to read
        }
        // the newest events whatever their type: reading stops after that many lines, however long the journal; only
        // the operations' own events among them are decoded
        List<AuditEventDTO> ops = log.operationEvents(events);
        Map<String, AuditEventDTO> started = new LinkedHashMap<>();
        Map<String, AuditEventDTO> endedEvents = new HashMap<>();
        for (AuditEventDTO e : ops) {
            if (e.operation == null || e.seq >= firstOwnSeq) {
                continue;
            }
            if (OperationLog.STARTED.equals(e.type)) {
                started.put(e.operation, e);
            } else if (EventTypes.OPERATION_ENDED.equals(e.type)) {
                endedEvents.put(e.operation, e);
            }
        }
        List<OperationState> restored = new ArrayList<>(); // oldest first, as the journal
        boolean interrupted = false;
        for (AuditEventDTO s : started.values()) {
            AuditEventDTO e = endedEvents.get(s.operation);
            if (e == null) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("kind", s.details.get("kind"));
                details.put("trigger", s.details.get("trigger"));
                if (s.details.get("subject") != null) {
                    details.put("subject", s.details.get("subject"));
                }
                details.put("outcome", Operation.INTERRUPTED);
                String reason = "the runtime ended before the operation did (killed or crashed); it began at "
                        + s.time + " (seq " + s.seq + ")";
                details.put("reason", reason);
                details.put("recovered", true);
                details.put("implicit", s.details.get("implicit"));
                AuditEventDTO end = journal.record(EventTypes.OPERATION_ENDED, s.operation, null, details);
                restored.add(fromEvents(s.operation, List.of(s, end)));
                interrupted = true;
            } else {
                restored.add(fromEvents(s.operation, List.of(s, e)));
            }
        }
        // before the operations this run ended meanwhile, in journal order: newest restored last, so that trimming
        // (which drops from the front) drops the oldest
        for (int i = restored.size() - 1; i >= 0; i--) {
            ended.addFirst(restored.get(i));
        }
        trim();
        return interrupted;
    }

    /** Rebuilds an operation from its journal events. */
    static OperationState fromEvents(String id, List<AuditEventDTO> events) {
        AuditEventDTO start = null;
        AuditEventDTO end = null;
        Map<Long, BundleRefDTO> bundles = new LinkedHashMap<>();
        for (AuditEventDTO e : events) {
            if (OperationLog.STARTED.equals(e.type)) {
                start = e;
            } else if (EventTypes.OPERATION_ENDED.equals(e.type)) {
                end = e;
            }
            if (e.bundle != null && e.type != null && (e.type.startsWith(EventTypes.BUNDLE_PREFIX) || e == start)) {
                bundles.putIfAbsent(e.bundle.id, e.bundle);
            }
        }
        if (end != null && end.details != null && end.details.get("bundles") instanceof List) {
            for (Object o : (List<?>) end.details.get("bundles")) {
                if (o instanceof Map) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    BundleRefDTO b = new BundleRefDTO();
                    b.id = m.get("id") instanceof Number ? ((Number) m.get("id")).longValue() : -1;
                    b.symbolicName = m.get("symbolicName") == null ? null : String.valueOf(m.get("symbolicName"));
                    b.version = m.get("version") == null ? null : String.valueOf(m.get("version"));
                    bundles.putIfAbsent(b.id, b);
                }
            }
        }
        Map<String, Object> sd = start != null && start.details != null ? start.details : Map.of();
        Map<String, Object> ed = end != null && end.details != null ? end.details : Map.of();
        String kind = String.valueOf(ed.getOrDefault("kind", sd.getOrDefault("kind", "unknown")));
        String trigger = String.valueOf(ed.getOrDefault("trigger", sd.getOrDefault("trigger", "unknown")));
        Object subject = ed.getOrDefault("subject", sd.get("subject"));
        boolean implicit = Boolean.TRUE.equals(sd.get("implicit"));
        String thread = sd.get("thread") == null ? null : String.valueOf(sd.get("thread"));
        Instant startTime = start != null ? Instant.parse(start.time) : end != null ? Instant.parse(end.time) : Instant.EPOCH;
        Instant endTime = end != null ? Instant.parse(end.time) : null;
        String outcome = ed.get("outcome") == null ? null : String.valueOf(ed.get("outcome"));
        String reason = ed.get("reason") == null ? null : String.valueOf(ed.get("reason"));
        return OperationState.ended(id, kind, trigger, subject == null ? null : String.valueOf(subject), implicit,
                thread, startTime, endTime, outcome, reason, new ArrayList<>(bundles.values()));
    }
}
