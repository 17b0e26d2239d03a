package dev.revisor.audit.internal.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.internal.EventTypes;

/**
 * Refreshes and their records: the one requested through {@link dev.revisor.audit.api.Refreshes} (its bundles'
 * events belong to the requesting operation), the implicit one someone else started on Felix's wiring thread, the
 * count of PACKAGES_REFRESHED events that tells when a refresh's events have all been delivered, and the
 * {@code refresh.record} built, journaled and handed to the observers when a refresh ends.
 * <p>
 * Owns: the expected (requested) refresh, the open implicit refresh, the PACKAGES_REFRESHED count, the lock that lets
 * one requested refresh run at a time. Runs on: the requesting thread for {@link #refresh}; the framework's threads
 * for the look-ups and {@link #packagesRefreshed}; the tracker's thread {@value OperationTracker#THREAD_NAME} for
 * finishing records. Concurrent Semantics: thread safe.
 */
final class RefreshTracking {
    /** A refresh requested through {@link #refresh}: the events of the bundles it covers belong to its operation. */
    static final class ExpectedRefresh {
        final OperationState op;
        final RefreshRecording recording;

        ExpectedRefresh(OperationState op, RefreshRecording recording) {
            this.op = op;
            this.recording = recording;
        }
    }

    private final BundleContext context;
    private final Journal journal;
    private final Logger logger;
    private final Dtos dtos;
    private final RetiredRevisions retired;
    private final OperationTracker tracker;
    private final AtomicReference<ExpectedRefresh> expected = new AtomicReference<>();
    private final AtomicReference<OperationState> implicitRefresh = new AtomicReference<>();
    private final AtomicLong packagesRefreshed = new AtomicLong();
    private final Object refreshedSignal = new Object();
    private final ReentrantLock refreshLock = new ReentrantLock();
    /** Recorded refreshes whose operation goes on (it may start their bundles again): their later starts are noted. */
    private final Set<RefreshRecording> goingOn = new CopyOnWriteArraySet<>();

    RefreshTracking(BundleContext context, Journal journal, Logger logger, Dtos dtos, RetiredRevisions retired,
            OperationTracker tracker) {
        this.context = context;
        this.journal = journal;
        this.logger = logger;
        this.dtos = dtos;
        this.retired = retired;
        this.tracker = tracker;
    }

    /** @return the refresh requested through the audit that is running, or {@code null} */
    ExpectedRefresh expected() {
        return expected.get();
    }

    /** @return the implicit refresh operation that is open, or {@code null} */
    OperationState implicitRefresh() {
        return implicitRefresh.get();
    }

    void implicitRefresh(OperationState s) {
        implicitRefresh.set(s);
    }

    /** The operation ended: it is no longer the open implicit refresh. */
    void ended(OperationState s) {
        implicitRefresh.compareAndSet(s, null);
    }

    /**
     * PACKAGES_REFRESHED arrived: counts it, wakes those waiting for it.
     *
     * @return the implicit refresh it ends (taken out of here), or {@code null}
     */
    OperationState packagesRefreshed() {
        packagesRefreshed.incrementAndGet();
        synchronized (refreshedSignal) {
            refreshedSignal.notifyAll();
        }
        return implicitRefresh.getAndSet(null);
    }

    /** A refresh nobody requested through the audit: snapshot now, before it changes anything else. */
    RefreshRecording implicitRecording(String operation) {
        FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        List<Bundle> all = List.of(context.getBundles());
        Set<Long> scope = ConcurrentHashMap.newKeySet();
        for (Bundle b : all) {
            scope.add(b.getBundleId());
        }
        List<Bundle> withPending = new ArrayList<>(all);
        for (Bundle b : fw.getRemovalPendingBundles()) {
            if (!scope.contains(b.getBundleId())) {
                withPending.add(b);
                scope.add(b.getBundleId());
            }
        }
        return new RefreshRecording(operation, false, Instant.now(), List.of(), scope,
                WiringSnapshot.take(withPending, true), Wires.pending(fw));
    }

    /** Waits (at most 2 s) until the framework delivered a PACKAGES_REFRESHED counted after {@code seen}. */
    private void waitForEventsDelivered(long seen) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        synchronized (refreshedSignal) {
            while (packagesRefreshed.get() <= seen) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(refreshedSignal, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Ends an implicit refresh with its record; on the tracker's thread. */
    void finishImplicitRefresh(OperationState s) {
        RefreshRecording rec = s.refresh();
        if (rec != null) {
            waitForEventsDelivered(packagesRefreshed.get() - 1);
            RefreshRecordDTO record = finishRecording(rec, s);
            if (!record.failures.isEmpty()) {
                s.outcome(Operation.FAILED, record.failures.size() + " bundle(s) did not come back: "
                        + String.join("; ", record.failures));
            }
        }
        tracker.endOp(s, Operation.SUCCEEDED, false);
    }

    /** Builds, journals and reports a refresh record; on the tracker's thread. */
    private RefreshRecordDTO finishRecording(RefreshRecording rec, OperationState op) {
        List<RetiredRevision> gone = new ArrayList<>();
        RefreshRecordDTO record = rec.finish(context, new ArrayList<>(op.servicesInUse), gone);
        List<RetiredRevision> fresh = retired.takeForRecord(gone);
        Map<String, Object> details = dtos.toMap(record);
        List<Object> list = new ArrayList<>();
        for (RetiredRevision r : gone) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("bundle", dtos.toMap(r.bundle()));
            g.put("revision", r.revision());
            g.put("uninstalled", r.uninstalled());
            g.put("classLoader", r.hadClassLoader());
            g.put("collected", r.hadClassLoader() && r.classLoader() == null);
            list.add(g);
        }
        details.put("retired", list);
        AuditEventDTO journaled = journal.record(EventTypes.REFRESH_RECORD, rec.operation, null, details);
        rec.recordSeq = journaled == null ? -1 : journaled.seq;
        retired.refreshed(record, fresh);
        return record;
    }

    /**
     * A bundle event on any thread: a STARTED of a bundle of a recorded refresh whose operation goes on is noted in
     * that refresh, for its amended record (only a set look-up otherwise).
     */
    void bundleEvent(Bundle bundle, int type) {
        if (type != BundleEvent.STARTED || goingOn.isEmpty()) {
            return;
        }
        for (RefreshRecording rec : goingOn) {
            rec.startedLater(bundle.getBundleId(), Instant.now());
        }
    }

    /**
     * The operation that requested refreshes ends: journals {@code refresh.final} for each of them whose bundles' states
     * or wiring differ now from what its {@code refresh.record} said (the operation started them again after the
     * refresh, or they failed meanwhile). The record itself stays as it was journaled: the journal is append-only.
     */
    void amend(OperationState op) {
        for (RefreshRecording rec : op.finals()) {
            goingOn.remove(rec);
            RefreshRecordDTO was = rec.recorded();
            RefreshRecordDTO now = rec.amend(context);
            if (was == null || now == null || RefreshRecording.sameOutcome(was, now)) {
                continue;
            }
            Map<String, Object> details = dtos.toMap(now);
            details.put("amends", rec.recordSeq);
            journal.record(EventTypes.REFRESH_FINAL, op.id, null, details);
        }
    }

    /**
     * Refreshes through the framework within the calling thread's operation (or a new explicit {@code refresh}
     * operation) and returns the record; see {@link dev.revisor.audit.api.Refreshes#refresh}.
     *
     * @param caller who asks, for the trigger of a new operation: {@code api:<caller>}
     */
    RefreshRecordDTO refresh(String caller, Collection<Bundle> bundles, long timeoutMillis)
            throws InterruptedException, TimeoutException {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("the timeout must be at least 1 ms, not " + timeoutMillis);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        if (!refreshLock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("another refresh requested through the audit did not end within " + timeoutMillis + " ms");
        }
        OperationState own = null;
        try {
            FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
            List<Bundle> targets = new ArrayList<>(bundles == null || bundles.isEmpty()
                    ? fw.getRemovalPendingBundles() : bundles);
            OperationState op = tracker.top(Thread.currentThread());
            if (op == null || op.implicit) {
                String subject = targets.isEmpty() ? "nothing to refresh" : BundleRefDTO.of(targets.get(0)).display()
                        + (targets.size() > 1 ? " and " + (targets.size() - 1) + " more" : "");
                own = tracker.beginExplicit("refresh", Operations.TRIGGER_API + caller, subject);
                op = own;
            }
            Collection<Bundle> closure = fw.getDependencyClosure(targets);
            List<BundleRefDTO> triggers = new ArrayList<>();
            for (Bundle b : targets) {
                triggers.add(BundleRefDTO.of(b));
            }
            Set<Long> scope = ConcurrentHashMap.newKeySet();
            for (Bundle b : closure) {
                scope.add(b.getBundleId());
            }
            RefreshRecording rec = new RefreshRecording(op.id, true, Instant.now(), triggers, scope,
                    WiringSnapshot.take(closure, true), Wires.pending(fw));
            journal.record(EventTypes.REFRESH_STARTED, op.id, null, rec.startDetails());
            ExpectedRefresh x = new ExpectedRefresh(op, rec);
            expected.set(x);
            long seen = packagesRefreshed.get();
            CompletableFuture<RefreshRecordDTO> result = new CompletableFuture<>();
            OperationState opf = op;
            boolean goesOn = own == null; // the caller's operation goes on after the refresh, and may start its bundles
            Runnable finish = () -> {
                try {
                    waitForEventsDelivered(seen);
                    RefreshRecordDTO record = finishRecording(rec, opf);
                    if (goesOn && !opf.isEnded()) {
                        opf.addFinal(rec);
                        goingOn.add(rec);
                    }
                    result.complete(record);
                } catch (Throwable e) {
                    logger.error("cannot record the refresh of {}: {}", opf.id, e.toString(), e);
                    result.completeExceptionally(e);
                } finally {
                    expected.compareAndSet(x, null);
                }
            };
            try {
                fw.refreshBundles(targets, event -> {
                    if (!tracker.executor().tryExecute(finish)) { // the audit is stopping: no record, the caller hears why
                        expected.compareAndSet(x, null);
                        result.completeExceptionally(new IllegalStateException("the audit stopped before the refresh ended"));
                    }
                });
            } catch (RuntimeException e) { // the framework refused (it stops): no refresh runs
                expected.compareAndSet(x, null);
                throw e;
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                RefreshRecordDTO record = result.get(left, TimeUnit.MILLISECONDS);
                if (own != null && !record.failures.isEmpty()) {
                    own.outcome(Operation.FAILED, record.failures.size() + " bundle(s) did not come back: "
                            + String.join("; ", record.failures));
                }
                return record;
            } catch (TimeoutException e) {
                if (own != null) {
                    own.outcome(Operation.FAILED, "the framework did not finish the refresh within " + timeoutMillis
                            + " ms; it goes on and its record is journaled when it ends");
                }
                throw new TimeoutException("the framework did not finish the refresh within " + timeoutMillis
                        + " ms; it goes on, and its record (refresh.record of " + op.id + ") is journaled when it ends");
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot record the refresh: " + e.getCause(), e.getCause());
            }
        } finally {
            if (own != null) {
                tracker.closeExplicit(own);
            }
            refreshLock.unlock();
        }
    }
}
