package dev.revisor.deploy.internal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;

/**
 * The journal, in memory: every recorded event kept in order, with a sequence number, for the test to read back.
 * Concurrent Semantics: thread safe.
 */
final class FakeJournal implements Journal {
    private final List<AuditEventDTO> events = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final Path directory;

    FakeJournal(Path directory) {
        this.directory = directory;
    }

    @Override
    public AuditEventDTO record(String type, String operation, Bundle bundle, Map<String, Object> details) {
        AuditEventDTO e = new AuditEventDTO();
        e.seq = seq.incrementAndGet();
        e.time = Instant.now().toString();
        e.type = type;
        e.operation = operation;
        e.bundle = bundle == null ? null : BundleRefDTO.of(bundle);
        e.details = details == null ? Map.of() : new LinkedHashMap<>(details);
        events.add(e);
        return e;
    }

    @Override
    public List<AuditEventDTO> events(EventQuery query) {
        List<AuditEventDTO> out = new ArrayList<>();
        for (AuditEventDTO e : events) {
            if (query.matches(e)) {
                out.add(e);
            }
        }
        return out.subList(Math.max(0, out.size() - query.limit()), out.size());
    }

    @Override
    public void sync() {
        // in memory: nothing to force
    }

    @Override
    public Path directory() {
        return directory;
    }

    /** @return every event, oldest first */
    List<AuditEventDTO> all() {
        return List.copyOf(events);
    }

    /** @return the deploy.* events whose details name this file, oldest first */
    List<AuditEventDTO> deployEvents(String file) {
        List<AuditEventDTO> out = new ArrayList<>();
        for (AuditEventDTO e : events) {
            if (e.type.startsWith("deploy.") && file.equals(e.details.get("file"))) {
                out.add(e);
            }
        }
        return out;
    }
}
