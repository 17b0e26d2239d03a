package dev.revisor.deploy.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;

/**
 * The audit's operations, in memory: ids {@code op-N}, outcome and reason as the last {@link Operation#outcome} call
 * set them ({@code succeeded} when none did), nesting per thread, {@code operation.ended} journaled at close as the
 * real audit does. Concurrent Semantics: thread safe (the start threads begin operations of their own).
 */
final class FakeOperations implements Operations {
    private final FakeJournal journal;
    private final AtomicInteger counter = new AtomicInteger();
    private final List<Op> all = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Deque<Op>> open = ThreadLocal.withInitial(ArrayDeque::new);

    FakeOperations(FakeJournal journal) {
        this.journal = journal;
    }

    /** One operation. */
    final class Op implements Operation {
        final OperationDTO dto = new OperationDTO();
        private volatile boolean closed;

        Op(String kind, String trigger, String subject) {
            dto.id = "op-" + counter.incrementAndGet();
            dto.kind = kind;
            dto.trigger = trigger;
            dto.subject = subject;
            dto.start = Instant.now().toString();
            dto.thread = Thread.currentThread().getName();
            dto.bundles = new ArrayList<>();
        }

        @Override
        public String id() {
            return dto.id;
        }

        @Override
        public synchronized void outcome(String outcome, String reason) {
            dto.outcome = outcome;
            dto.reason = reason;
        }

        @Override
        public synchronized OperationDTO describe() {
            return copy(dto);
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (dto.outcome == null) {
                    dto.outcome = SUCCEEDED;
                }
                dto.end = Instant.now().toString();
            }
            open.get().remove(this);
            java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
            details.put("kind", dto.kind);
            details.put("trigger", dto.trigger);
            details.put("outcome", dto.outcome);
            if (dto.reason != null) {
                details.put("reason", dto.reason);
            }
            journal.record("operation.ended", dto.id, null, details);
        }
    }

    @Override
    public Operation begin(String kind, String trigger, String subject) {
        Op op = new Op(kind, trigger, subject);
        all.add(op);
        open.get().push(op);
        journal.record("operation.started", op.id(), null, new java.util.LinkedHashMap<>(java.util.Map.of("kind", kind, "trigger", trigger)));
        return op;
    }

    @Override
    public OperationDTO current() {
        Op op = open.get().peek();
        return op == null ? null : op.describe();
    }

    @Override
    public OperationDTO find(String id) {
        for (Op op : all) {
            if (op.id().equals(id)) {
                return op.describe();
            }
        }
        return null;
    }

    @Override
    public List<OperationDTO> recent(int limit) {
        List<OperationDTO> out = new ArrayList<>();
        for (Op op : all) {
            out.add(op.describe());
        }
        return out.subList(Math.max(0, out.size() - limit), out.size());
    }

    /** @return every operation begun, oldest first */
    List<OperationDTO> all() {
        return recent(Integer.MAX_VALUE);
    }

    private static OperationDTO copy(OperationDTO d) {
        OperationDTO c = new OperationDTO();
        c.id = d.id;
        c.kind = d.kind;
        c.trigger = d.trigger;
        c.subject = d.subject;
        c.start = d.start;
        c.end = d.end;
        c.outcome = d.outcome;
        c.reason = d.reason;
        c.bundles = new ArrayList<>(d.bundles);
        c.implicit = d.implicit;
        c.thread = d.thread;
        return c;
    }
}
