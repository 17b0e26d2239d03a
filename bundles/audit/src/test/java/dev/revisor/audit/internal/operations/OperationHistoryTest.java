package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;

class OperationHistoryTest {
    private final List<AuditEventDTO> journalEvents = new ArrayList<>();
    private long seq;

    private final OperationLog log = new OperationLog() {
        @Override
        public AuditEventDTO recordOperationStart(Bundle bundle, Map<String, Object> details) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<AuditEventDTO> operationEvents(int lastEvents) {
            return new ArrayList<>(journalEvents);
        }

        @Override
        public long lastSeq() {
            return seq;
        }
    };

    private AuditEventDTO event(String type, String operation, String outcome) {
        AuditEventDTO e = new AuditEventDTO();
        e.seq = ++seq;
        e.type = type;
        e.operation = operation;
        e.time = Instant.ofEpochSecond(1_000_000 + seq).toString();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", "update");
        d.put("trigger", "shell:update");
        d.put("implicit", false);
        if (outcome != null) {
            d.put("outcome", outcome);
        }
        e.details = d;
        return e;
    }

    /**
     * A journal that was empty when the audit started (a fresh home): its own operations, already begun by the time the
     * recovery runs, are neither read back nor ended as interrupted.
     */
    @Test
    void aFreshJournalRecoversNothingAndReadsNothing() {
        journalEvents.add(event(OperationLog.STARTED, "op-1", null)); // begun by this run, after the audit started
        OperationLog counting = new OperationLog() {
            @Override
            public AuditEventDTO recordOperationStart(Bundle bundle, Map<String, Object> details) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<AuditEventDTO> operationEvents(int lastEvents) {
                throw new AssertionError("a fresh journal is not read back");
            }

            @Override
            public long lastSeq() {
                return seq;
            }
        };
        Journal journal = mock(Journal.class);
        OperationHistory history = new OperationHistory(journal, counting, 10);
        assertThat(history.recover(100_000, 1)).isFalse();
        assertThat(history.all()).isEmpty();
        org.mockito.Mockito.verifyNoInteractions(journal);
    }

    /** The previous run ended 15 operations; 10 are kept: the newest 10, and they stay newest-last. */
    @Test
    void recoveryKeepsTheNewestOperations() {
        for (int i = 1; i <= 15; i++) {
            String op = "op-" + (1000 + i);
            journalEvents.add(event(OperationLog.STARTED, op, null));
            journalEvents.add(event("operation.ended", op, Operation.SUCCEEDED));
        }
        OperationHistory history = new OperationHistory(mock(Journal.class), log, 10);

        assertThat(history.recover(100_000, seq + 1)).isFalse();

        List<String> ids = new ArrayList<>();
        history.all().forEach(s -> ids.add(s.id));
        assertThat(ids).containsExactly("op-1006", "op-1007", "op-1008", "op-1009", "op-1010", "op-1011", "op-1012",
                "op-1013", "op-1014", "op-1015");
    }

    /** An operation this run ended before the recovery ran stays the newest; the oldest recovered ones go. */
    @Test
    void thisRunsOperationsStayNewest() {
        for (int i = 1; i <= 12; i++) {
            String op = "op-" + (1000 + i);
            journalEvents.add(event(OperationLog.STARTED, op, null));
            journalEvents.add(event("operation.ended", op, Operation.SUCCEEDED));
        }
        long firstOwn = seq + 1;
        OperationHistory history = new OperationHistory(mock(Journal.class), log, 10);
        AuditEventDTO ownStart = event(OperationLog.STARTED, "op-2000", null);
        history.add(OperationHistory.fromEvents("op-2000", List.of(ownStart, event("operation.ended", "op-2000", "succeeded"))));

        history.recover(100_000, firstOwn);

        List<String> ids = new ArrayList<>();
        history.all().forEach(s -> ids.add(s.id));
        assertThat(ids).hasSize(10).startsWith("op-1004").endsWith("op-1012", "op-2000");
    }

    /** An operation a crash left open is ended as interrupted, journaled, and kept. */
    @Test
    void anOperationLeftOpenEndsAsInterrupted() {
        journalEvents.add(event(OperationLog.STARTED, "op-7", null));
        Journal journal = mock(Journal.class);
        when(journal.record(anyString(), any(), any(), any())).thenAnswer(inv -> {
            AuditEventDTO e = event(inv.getArgument(0), inv.getArgument(1), Operation.INTERRUPTED);
            e.details = inv.getArgument(3);
            return e;
        });
        OperationHistory history = new OperationHistory(journal, log, 10);

        assertThat(history.recover(100_000, seq + 1)).isTrue();

        assertThat(history.find("op-7").describe().outcome).isEqualTo(Operation.INTERRUPTED);
    }
}
