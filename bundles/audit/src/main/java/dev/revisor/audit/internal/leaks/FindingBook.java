package dev.revisor.audit.internal.leaks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.revisor.audit.api.LeakChainDTO;
import dev.revisor.audit.api.LeakFindingDTO;

/**
 * The book of leak findings: what is found (a new subject gets an id and a time), what is resolved (a subject checked
 * again and not found), and the reference chains of explained zombies. Callers get copies of the findings, never the
 * book's own objects, so that a chain set later never races a reader.
 * <p>
 * Owns: the findings by subject (oldest first), guarded by {@code this}. Runs on: {@code revisor-leaks} for
 * {@link #record}; any thread for the look-ups and {@link #explained}. Concurrent Semantics: thread safe.
 */
final class FindingBook {
    /** A finding and the revision it is about. */
    private static final class Finding {
        final LeakFindingDTO dto;
        final LoaderRef ref;

        Finding(LeakFindingDTO dto, LoaderRef ref) {
            this.dto = dto;
            this.ref = ref;
        }
    }

    /** What a round changed in the book. */
    static final class Changes {
        final List<LeakFindingDTO> found = new ArrayList<>();
        /** resolved findings and the revision each was about */
        final Map<LeakFindingDTO, LoaderRef> resolved = new LinkedHashMap<>();
    }

    private final AtomicLong findingSeq = new AtomicLong();
    /** subject → finding, oldest first */
    private final Map<String, Finding> findings = new LinkedHashMap<>();

    /** @return the subjects of the current findings */
    synchronized Set<String> subjects() {
        return new LinkedHashSet<>(findings.keySet());
    }

    /** @return the revisions of the current findings */
    synchronized List<LoaderRef> revisions() {
        List<LoaderRef> out = new ArrayList<>();
        for (Finding f : findings.values()) {
            out.add(f.ref);
        }
        return out;
    }

    /**
     * Records a round: a draft of a new subject becomes a finding; a finding whose revision was checked in this round
     * (and, for zombies and held services, with a garbage collection) or was collected meanwhile, and that the round
     * did not find again, is resolved.
     */
    synchronized Changes record(Collection<LeakTexts.Draft> drafts, Set<LoaderRef> checked, boolean collecting) {
        Map<String, LeakTexts.Draft> bySubject = new LinkedHashMap<>();
        for (LeakTexts.Draft d : drafts) {
            bySubject.putIfAbsent(d.subject, d);
        }
        Changes changes = new Changes();
        for (LeakTexts.Draft d : bySubject.values()) {
            if (!findings.containsKey(d.subject)) {
                d.dto.id = "leak-" + findingSeq.incrementAndGet();
                d.dto.found = Instant.now().toString();
                findings.put(d.subject, new Finding(d.dto, d.ref));
                changes.found.add(copy(d.dto));
            }
        }
        for (Iterator<Map.Entry<String, Finding>> it = findings.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Finding> e = it.next();
            String kind = e.getValue().dto.kind;
            boolean judgedByGc = kind.equals(LeakFindingDTO.ZOMBIE) || kind.equals(LeakFindingDTO.SERVICE);
            boolean checkedNow = (checked.contains(e.getValue().ref) && (collecting || !judgedByGc))
                    || e.getValue().ref.get() == null;
            if (checkedNow && !bySubject.containsKey(e.getKey())) {
                it.remove();
                changes.resolved.put(copy(e.getValue().dto), e.getValue().ref);
            }
        }
        return changes;
    }

    /** @return copies of the current findings, oldest first */
    synchronized List<LeakFindingDTO> findings() {
        List<LeakFindingDTO> out = new ArrayList<>();
        for (Finding f : findings.values()) {
            out.add(copy(f.dto));
        }
        return out;
    }

    /** @return the zombie findings whose loader is still there, by loader key (copies) */
    synchronized Map<String, LeakFindingDTO> zombiesToExplain() {
        Map<String, LeakFindingDTO> byKey = new LinkedHashMap<>();
        for (Finding f : findings.values()) {
            if (f.dto.kind.equals(LeakFindingDTO.ZOMBIE) && f.ref.get() != null) {
                byKey.put(f.ref.key, copy(f.dto));
            }
        }
        return byKey;
    }

    /** Sets the chain of the finding of that id, if it is still in the book. */
    synchronized void explained(String findingId, LeakChainDTO chain) {
        for (Finding f : findings.values()) {
            if (f.dto.id.equals(findingId)) {
                f.dto.chain = chain;
            }
        }
    }

    /** A copy of the finding's fields (its lists copied; the nested DTOs are never changed once made). */
    static LeakFindingDTO copy(LeakFindingDTO d) {
        LeakFindingDTO c = new LeakFindingDTO();
        c.id = d.id;
        c.kind = d.kind;
        c.bundle = d.bundle;
        c.revision = d.revision;
        c.operation = d.operation;
        c.found = d.found;
        c.summary = d.summary;
        c.evidence = d.evidence == null ? null : new ArrayList<>(d.evidence);
        c.fixHint = d.fixHint;
        c.thread = d.thread;
        c.service = d.service;
        c.chain = d.chain;
        return c;
    }
}
