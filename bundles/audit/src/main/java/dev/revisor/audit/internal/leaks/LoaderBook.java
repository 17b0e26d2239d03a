package dev.revisor.audit.internal.leaks;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.internal.operations.RetiredRevision;

/**
 * The class-loader bookkeeping of the leak detection, under one lock: the loader of each bundle's current revision
 * (weakly, in a {@link LoaderRef}), loaders replaced by a newer wiring until the hook reports them retired, retired and
 * stopped revisions waiting for their check, confirmed zombies, and services unregistered while held.
 * <p>
 * Owns: all of that, guarded by {@code this}. Runs on: the framework's threads (capture, stops, services), the
 * tracker's thread (retire) and {@code revisor-leaks} (taking the work of a round, recording zombies); each method
 * holds the lock briefly and never calls out. Concurrent Semantics: thread safe.
 */
final class LoaderBook {
    private static final int MAX_REPLACED = 10_000;

    /**
     * Makes loader keys unique in the JVM, not only in this detector: after a framework restart in the same process
     * (or several frameworks in one JVM, as in the integration tests) an older detector's references may still be in
     * the heap, and the analyzer must not take one of them for ours.
     */
    private final String keyPrefix = "r" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 16, 36) + "-";
    private final AtomicLong refSeq = new AtomicLong();
    /** bundle id → the loader of its current revision */
    private final Map<Long, LoaderRef> current = new LinkedHashMap<>();
    /**
     * loaders that left {@link #current} because the bundle got a new wiring, until the hook reports them retired
     * (so that a revision keeps one key from its start to its zombie check); at most {@value #MAX_REPLACED}
     */
    private final List<LoaderRef> replaced = new ArrayList<>();
    /** retired revisions (reported by the hook) waiting for their check */
    private final List<LoaderRef> retired = new ArrayList<>();
    /** stopped revisions waiting for their check */
    private final Set<LoaderRef> stopped = new LinkedHashSet<>();
    /** confirmed zombies, kept for re-checks and explanations (weakly, as every LoaderRef) */
    private final Map<String, LoaderRef> zombies = new LinkedHashMap<>();
    /** services unregistered while held, waiting for their first check */
    private final List<ServiceWatch> services = new ArrayList<>();
    /** services found still held, looked at again in each check that collects garbage */
    private final List<ServiceWatch> heldServices = new ArrayList<>();

    /** Knows the loader of the bundle's current revision (a new wiring replaces the one known before). */
    void capture(Bundle b) {
        BundleWiring wiring = b.adapt(BundleWiring.class);
        if (wiring == null || (wiring.getRevision().getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
            return;
        }
        ClassLoader loader = wiring.getClassLoader();
        if (loader == null) {
            return;
        }
        synchronized (this) {
            LoaderRef existing = current.get(b.getBundleId());
            if (existing != null && existing.get() == loader) {
                return;
            }
            if (existing != null) {
                // a new wiring: the old one is retired when the hook reports it (after the refresh)
                replacedLocked(existing);
            }
            current.put(b.getBundleId(), new LoaderRef(newKey(), loader, BundleRefDTO.of(b),
                    LeakTexts.revisionName(wiring.getRevision())));
        }
    }

    private String newKey() {
        return keyPrefix + refSeq.incrementAndGet();
    }

    private void replacedLocked(LoaderRef ref) {
        replaced.removeIf(r -> r.get() == null);
        if (ref.get() == null) {
            return;
        }
        if (replaced.size() >= MAX_REPLACED) {
            replaced.remove(0); // never reported: it gets a key of its own if the hook reports it after all
        }
        replaced.add(ref);
    }

    /** A plain stop: the current revision of the bundle waits for a thread check. */
    synchronized void stopped(long bundleId) {
        LoaderRef ref = current.get(bundleId);
        if (ref != null) {
            stopped.add(ref);
        }
    }

    /** @return the loader of the bundle's current revision, or {@code null} */
    synchronized LoaderRef current(long bundleId) {
        return current.get(bundleId);
    }

    /** @return the loaders of the current revisions */
    synchronized List<LoaderRef> inUse() {
        return new ArrayList<>(current.values());
    }

    synchronized void serviceUnregistered(ServiceWatch w) {
        services.add(w);
    }

    /**
     * Retires the revisions the framework took out of use: each waits for a check (threads, ThreadLocals, JVM-global
     * registrations, and whether its loader is a zombie).
     *
     * @return whether any was queued
     */
    synchronized boolean retire(String operation, List<RetiredRevision> revisions) {
        boolean queued = false;
        for (RetiredRevision r : revisions) {
            if (r.fragment() || !r.hadClassLoader()) {
                continue; // no class loader of its own: nothing that could leak
            }
            ClassLoader cl = r.classLoader();
            if (cl == null) {
                forgetCollectedLocked(r.bundle().id);
                continue; // collected already: gone, as it should be
            }
            LoaderRef ref = claimLocked(r.bundle().id, cl);
            if (ref == null) {
                ref = new LoaderRef(newKey(), cl, r.bundle(), LeakTexts.revisionName(r.revision()));
            } else if (retired.contains(ref) || zombies.containsKey(ref.key)) {
                continue; // reported before: retired once
            }
            ref.how = r.uninstalled() ? LoaderRef.Retirement.UNINSTALL
                    : r.wasCurrent() ? LoaderRef.Retirement.REFRESH : LoaderRef.Retirement.UPDATE;
            ref.operation = operation;
            retired.add(ref);
            queued = true;
        }
        return queued;
    }

    /**
     * @return the reference already known for this loader (its bundle's current one, or one replaced by a newer
     *         wiring, each taken out of there; or one already retired), or {@code null}
     */
    private LoaderRef claimLocked(long bundleId, ClassLoader cl) {
        LoaderRef cur = current.get(bundleId);
        if (cur != null && cur.get() == cl) {
            current.remove(bundleId);
            return cur;
        }
        for (Iterator<LoaderRef> it = replaced.iterator(); it.hasNext();) {
            LoaderRef r = it.next();
            if (r.get() == cl) {
                it.remove();
                return r;
            }
        }
        for (LoaderRef r : retired) {
            if (r.get() == cl) {
                return r;
            }
        }
        for (LoaderRef r : zombies.values()) {
            if (r.get() == cl) {
                return r;
            }
        }
        return null;
    }

    private void forgetCollectedLocked(long bundleId) {
        LoaderRef cur = current.get(bundleId);
        if (cur != null && cur.get() == null) {
            current.remove(bundleId);
        }
        replaced.removeIf(r -> r.get() == null);
    }

    /**
     * Takes the work of a round: what it checks is moved into {@code round} (see {@link CheckRound.Round}).
     *
     * @param withFindings the revisions of the current findings: looked at again for threads
     * @param inactive whether a bundle (by id) is not active: on demand its current revision is checked for threads,
     *                 and the provider of a service unregistered while held only when it is not active
     */
    synchronized void take(CheckRound.Round round, boolean onDemand, List<LoaderRef> forThreads,
            java.util.Collection<LoaderRef> withFindings, LongPredicate inactive) {
        // new revisions or services to judge: collect garbage (known zombies and held services are judged again
        // then too); a round for stopped bundles only looks at threads
        round.collecting = onDemand || !retired.isEmpty() || !services.isEmpty();
        if (round.collecting) {
            // the hook reports a revision once the framework removed it: none of these is removal-pending
            round.zombieCandidates.addAll(retired);
            retired.clear();
            round.zombieCandidates.addAll(zombies.values());
            round.knownZombies.addAll(zombies.values());
            round.services.addAll(services);
            services.clear();
            round.services.addAll(heldServices);
            round.heldBefore.addAll(heldServices);
            heldServices.clear();
        }
        forThreads.addAll(round.zombieCandidates);
        forThreads.addAll(stopped);
        stopped.clear();
        for (ServiceWatch w : round.services) {
            // a provider that still runs (a component re-activated by a configuration change unregisters and
            // registers its services again) has threads that are its own: only a stopped provider's are looked at
            if (w.provider != null && inactive.test(w.provider.bundle.id)) {
                forThreads.add(w.provider);
            }
        }
        forThreads.addAll(withFindings);
        if (onDemand) {
            // also what is out of use and not retired yet: removal-pending revisions (replaced by a newer
            // wiring, or of an uninstalled bundle) and the revisions of bundles that are not active
            replaced.removeIf(r -> r.get() == null);
            forThreads.addAll(replaced);
            for (Map.Entry<Long, LoaderRef> e : current.entrySet()) {
                if (inactive.test(e.getKey())) {
                    forThreads.add(e.getValue());
                }
            }
        }
    }

    /** Zombie checking is off: every candidate still there is kept as a zombie, unjudged. */
    synchronized void keepAsZombies(List<LoaderRef> candidates) {
        for (LoaderRef ref : candidates) {
            if (ref.get() != null) {
                zombies.putIfAbsent(ref.key, ref);
            }
        }
    }

    /**
     * After the collections of a round: the candidates still reachable are zombies, the others are gone.
     *
     * @return the zombies among the candidates
     */
    synchronized Set<LoaderRef> judgeZombies(List<LoaderRef> candidates) {
        Set<LoaderRef> now = new java.util.HashSet<>();
        for (LoaderRef ref : candidates) {
            if (ref.get() != null) {
                zombies.putIfAbsent(ref.key, ref);
                now.add(ref);
            } else {
                zombies.remove(ref.key);
            }
        }
        return now;
    }

    /** A service found still held: looked at again in every later collecting round, until the holder lets go. */
    synchronized void stillHeld(ServiceWatch w) {
        heldServices.add(w);
    }

    /** @return how many retired revisions wait for their check */
    synchronized int retiredWaiting() {
        return retired.size();
    }
}
