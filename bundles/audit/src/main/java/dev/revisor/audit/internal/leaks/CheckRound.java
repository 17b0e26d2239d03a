package dev.revisor.audit.internal.leaks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.log.Logger;

/**
 * One check round of the leak detection, in two phases: the thread scan (threads, ThreadLocal values and JVM-global
 * registrations that still reach a revision's loader, with a grace time for threads on their way out), then the GC
 * check (garbage collection, confirmed by a second one, and what is still reachable: zombie loaders and service
 * objects still held).
 * <p>
 * Owns: the scanners and the garbage collection mode. Runs on: {@code revisor-leaks} only; the loader bookkeeping it
 * reads and updates is {@link LoaderBook}'s, under that book's lock. Not thread safe by itself: one round at a time.
 */
final class CheckRound {
    /** What one round checks; taken from the {@link LoaderBook} under its lock, used without it. */
    static final class Round {
        final List<LoaderRef> zombieCandidates = new ArrayList<>();
        final Set<LoaderRef> checked = new HashSet<>();
        final List<ServiceWatch> services = new ArrayList<>();
        final Map<String, LoaderRef> threadRefs = new LinkedHashMap<>();
        /** confirmed zombies and services found held before this round: no confirming collection for them */
        final Set<LoaderRef> knownZombies = new HashSet<>();
        final Set<ServiceWatch> heldBefore = new HashSet<>();
        /** subjects of the findings before this round: their threads get no grace period again */
        final Set<String> knownSubjects = new HashSet<>();
        /** whether this round collects garbage: zombies and held services are judged only then */
        boolean collecting;
        /** how many collections it made, and how long they took */
        int gcs;
        long gcNanos;
    }

    private final LoaderBook book;
    private final ThreadScan threadScan;
    private final GlobalScan globalScan;
    private final GcMode gc;
    private final long threadGraceMillis;
    private final long confirmDelayMillis;
    private final Logger logger;

    CheckRound(LoaderBook book, Internals internals, GcMode gc, long threadGraceMillis, long confirmDelayMillis, Logger logger) {
        this.book = book;
        this.threadScan = new ThreadScan(internals);
        this.globalScan = new GlobalScan(internals);
        this.gc = gc;
        this.threadGraceMillis = threadGraceMillis;
        this.confirmDelayMillis = confirmDelayMillis;
        this.logger = logger;
    }

    /** Phase 1: threads, ThreadLocals and JVM-global registrations, which need the loaders strongly for a moment. */
    List<LeakTexts.Draft> scanLive(Collection<LoaderRef> refs, Collection<LoaderRef> inUse, Set<String> knownSubjects) {
        Map<ClassLoader, LoaderRef> loaders = new IdentityHashMap<>();
        for (LoaderRef ref : refs) {
            ClassLoader cl = ref.get();
            if (cl != null) {
                loaders.put(cl, ref);
            }
        }
        List<LeakTexts.Draft> drafts = new ArrayList<>();
        if (loaders.isEmpty()) {
            return drafts;
        }
        List<ClassLoader> others = new ArrayList<>();
        for (LoaderRef ref : inUse) {
            ClassLoader cl = ref.get();
            if (cl != null && !loaders.containsKey(cl)) {
                others.add(cl);
            }
        }
        List<ThreadScan.Hit> first = threadScan.scan(loaders, others, Thread.getAllStackTraces().keySet());
        if (!first.isEmpty()) {
            // give threads that are on their way out a moment, then look again at those only
            long deadline = System.nanoTime() + threadGraceMillis * 1_000_000L;
            Set<Thread> again = new LinkedHashSet<>();
            for (ThreadScan.Hit h : first) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                boolean reported = knownSubjects.contains(h.subject() + ":" + h.ref.key); // had its grace before
                if (h.kind == ThreadScan.Kind.THREAD && !reported && left > 0 && h.thread.isAlive()) {
                    try {
                        h.thread.join(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return drafts;
                    }
                }
                again.add(h.thread);
            }
            for (ThreadScan.Hit h : threadScan.scan(loaders, others, again)) {
                drafts.add(LeakTexts.threadDraft(h));
            }
        }
        for (GlobalScan.Hit h : globalScan.scan(loaders)) {
            drafts.add(LeakTexts.globalDraft(h));
        }
        return drafts;
    }

    /** Phase 2: garbage collection, then what is still reachable: zombie loaders and stale service objects. */
    List<LeakTexts.Draft> collect(Round round) {
        List<LeakTexts.Draft> drafts = new ArrayList<>();
        boolean anyAlive = round.zombieCandidates.stream().anyMatch(r -> r.get() != null)
                || round.services.stream().anyMatch(w -> w.object != null && w.object.get() != null);
        if (!anyAlive) {
            return drafts;
        }
        if (gc.disabled()) {
            logger.warn("leak detection: {}: the zombie check of {} revision(s) is skipped", gc.note(), round.zombieCandidates.size());
            book.keepAsZombies(round.zombieCandidates);
            return drafts;
        }
        collectGarbage(round);
        // a new candidate still there: a moment later, a second collection confirms it (confirmed zombies and
        // services known to be held need no second one: they only go on being what they were)
        boolean survivors = round.zombieCandidates.stream().anyMatch(r -> r.get() != null && !round.knownZombies.contains(r))
                || round.services.stream().anyMatch(w -> !round.heldBefore.contains(w) && w.object != null && w.object.get() != null);
        if (survivors) {
            try {
                Thread.sleep(confirmDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return drafts;
            }
            collectGarbage(round);
        }
        Set<LoaderRef> zombieNow = book.judgeZombies(round.zombieCandidates);
        for (LoaderRef ref : zombieNow) {
            drafts.add(LeakTexts.zombieDraft(ref, gc.mode()));
        }
        for (ServiceWatch w : round.services) {
            boolean held = w.object != null ? w.object.get() != null : w.provider != null && zombieNow.contains(w.provider);
            if (held && w.provider != null) {
                drafts.add(LeakTexts.serviceDraft(w));
                round.checked.add(w.provider);
            }
            if (held) {
                // looked at again in every later collecting round, until the holder lets go
                book.stillHeld(w);
            }
        }
        return drafts;
    }

    private void collectGarbage(Round round) {
        long t0 = System.nanoTime();
        round.gcs += gc.collect(() -> round.zombieCandidates.stream().allMatch(r -> r.get() == null));
        round.gcNanos += System.nanoTime() - t0;
    }
}
