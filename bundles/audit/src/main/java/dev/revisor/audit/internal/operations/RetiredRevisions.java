package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.RefreshRecordDTO;

/**
 * The revisions taken out of use by updates and uninstalls, from the moment their bundle event is attributed until the
 * framework removed them and the {@link RefreshObserver}s were told (each revision once), and the calls of those
 * observers, each isolated so that one failing observer never keeps the others from a report.
 * <p>
 * Owns: the pending revisions, the operation that retired each, the memory of what was reported. Runs on: the
 * framework's threads for {@link #capture} (the thread of the UPDATED or UNINSTALLED event); the tracker's thread
 * {@value OperationTracker#THREAD_NAME} for the reports. Concurrent Semantics: thread safe.
 */
final class RetiredRevisions {
    private final Logger logger;
    private final Supplier<List<RefreshObserver>> observers;
    /** Revisions taken out of use by updates and uninstalls, by {@link RetiredRevision#key()}, until reported. */
    private final Map<String, RetiredRevision> pending = new ConcurrentHashMap<>();
    /** The operation that took each of {@link #pending} out of use, by {@link RetiredRevision#key()}. */
    private final Map<String, String> pendingBy = new ConcurrentHashMap<>();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    RetiredRevisions(Logger logger, Supplier<List<RefreshObserver>> observers) {
        this.logger = logger;
        this.observers = observers;
    }

    /** Notes the revisions of the bundle that an update or uninstall takes out of use, with their class loaders. */
    void capture(Bundle bundle, boolean uninstalled, String operation) {
        BundleRevisions revisions = bundle.adapt(BundleRevisions.class);
        if (revisions == null) {
            return;
        }
        BundleRevision current = uninstalled ? null : bundle.adapt(BundleRevision.class);
        for (BundleRevision rev : revisions.getRevisions()) {
            if (rev != current && rev.getWiring() != null) {
                RetiredRevision r = RetiredRevision.capture(rev, Wires.ref(rev), uninstalled, false);
                if (pending.putIfAbsent(r.key(), r) == null) {
                    pendingBy.put(r.key(), operation);
                }
            }
        }
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Adds to {@code retired} the pending revisions the framework has removed meanwhile, and forgets all of them.
     *
     * @return those of {@code retired} not reported before (the observers hear of them in {@link #refreshed})
     */
    List<RetiredRevision> takeForRecord(List<RetiredRevision> retired) {
        for (RetiredRevision r : pending.values()) {
            if (r.isDisposed() && retired.stream().noneMatch(x -> x.key().equals(r.key()))) {
                retired.add(r);
            }
        }
        List<RetiredRevision> fresh = new ArrayList<>();
        for (RetiredRevision r : retired) {
            pending.remove(r.key());
            pendingBy.remove(r.key());
            if (firstReport(r)) {
                fresh.add(r);
            }
        }
        return fresh;
    }

    /** Tells every observer about a refresh record, each call isolated. */
    void refreshed(RefreshRecordDTO record, List<RetiredRevision> fresh) {
        for (RefreshObserver o : observers.get()) {
            try {
                o.refreshed(record, List.copyOf(fresh));
            } catch (Throwable e) { // one observer failing does not stop the others
                logger.error("refresh observer {} failed on the record of {}: {}", o, record.operation, e.toString(), e);
            }
        }
    }

    /**
     * Tells the observers about the revisions taken out of use by updates and uninstalls that the framework has
     * removed (disposed of) by now, grouped by the operation that retired them.
     *
     * @param ending the operation that ends, for revisions whose operation is not known; or {@code null}
     */
    void reportRemoved(String ending) {
        Map<String, List<RetiredRevision>> removed = new LinkedHashMap<>();
        for (RetiredRevision r : new ArrayList<>(pending.values())) {
            if (r.isDisposed() && pending.remove(r.key(), r)) {
                String by = pendingBy.remove(r.key());
                if (firstReport(r)) {
                    removed.computeIfAbsent(by != null ? by : ending, k -> new ArrayList<>()).add(r);
                }
            }
        }
        for (Map.Entry<String, List<RetiredRevision>> e : removed.entrySet()) {
            for (RefreshObserver o : observers.get()) {
                try {
                    o.removed(e.getKey(), List.copyOf(e.getValue()));
                } catch (Throwable ex) {
                    logger.error("refresh observer {} failed on the revisions removed by {}: {}", o, e.getKey(), ex.toString(), ex);
                }
            }
        }
    }

    /** Remembers a reported revision wiring (so that it is reported once); forgets them all past a bound. */
    private boolean firstReport(RetiredRevision r) {
        if (reported.size() > 10_000) {
            reported.clear(); // only a report racing the next refresh needs the memory
        }
        return reported.add(r.bundle().id + "/" + r.key());
    }
}
