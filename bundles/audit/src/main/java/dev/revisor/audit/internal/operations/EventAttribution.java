package dev.revisor.audit.internal.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.RemovalPendingDTO;
import dev.revisor.audit.api.ServiceInUseDTO;
import dev.revisor.audit.internal.EventTypes;
import dev.revisor.common.internal.FelixThreads;

/**
 * Ties each bundle, service, framework and resolve event to an operation: the refresh requested through the audit
 * when Felix's wiring thread works on one of its bundles, else the operation open on the firing thread, else a new
 * implicit one (bundle events and resolves open one; service events never do). An implicit operation of a thread that
 * never pauses is cut at {@code implicit.max.ms}.
 * <p>
 * Owns: no state of its own (the open operations are in {@link OperationStacks}, refreshes in {@link RefreshTracking},
 * retired revisions in {@link RetiredRevisions}). Runs on: the framework's threads, before any listener sees the event;
 * it only looks up or opens the operation, updates a few concurrent maps and hands the rest to the tracker's thread.
 * Concurrent Semantics: thread safe.
 */
final class EventAttribution {
    private final OperationTracker tracker;
    private final OperationStacks stacks;
    private final RefreshTracking refreshes;
    private final RetiredRevisions retired;
    private final Journal journal;
    private final OperationLog log;
    private final Dtos dtos;
    private final long maxNanos;

    EventAttribution(OperationTracker tracker, OperationStacks stacks, RefreshTracking refreshes, RetiredRevisions retired,
            Journal journal, OperationLog log, Dtos dtos, long maxNanos) {
        this.tracker = tracker;
        this.stacks = stacks;
        this.refreshes = refreshes;
        this.retired = retired;
        this.journal = journal;
        this.log = log;
        this.dtos = dtos;
        this.maxNanos = maxNanos;
    }

    /** @see OperationTracker#bundleEvent */
    String bundleEvent(BundleEvent event) {
        Thread t = Thread.currentThread();
        Bundle bundle = event.getBundle();
        int type = event.getType();
        long nanos = System.nanoTime();
        OperationState op = null;
        RefreshTracking.ExpectedRefresh x = refreshes.expected();
        boolean wiringThread = FelixThreads.isWiring(t);
        if (x != null && wiringThread && x.recording.covers(bundle.getBundleId())) {
            op = x.op;
            op.touch(nanos);
        }
        if (op == null) {
            op = endIfTooLong(t, stacks.touchTop(t, nanos), nanos, List.of(bundle.getBundleId()), type);
        }
        if (op == null) {
            op = beginImplicit(t, event, wiringThread, nanos);
        }
        if (type == BundleEvent.UPDATED || type == BundleEvent.UNINSTALLED) {
            retired.capture(bundle, type == BundleEvent.UNINSTALLED, op.id);
        }
        op.bundleEvent(bundle, type, nanos);
        refreshes.bundleEvent(bundle, type);
        RefreshRecording recording = x != null && x.op == op ? x.recording : op.refresh();
        if (recording != null) {
            recording.bundleEvent(bundle, type, Instant.now());
        }
        return op.id;
    }

    /**
     * An implicit operation of a thread that never pauses would grow without end (one operation for a script's
     * thousand changes): past {@code implicit.max.ms} it ends at the next change that begins outside any running start
     * or stop, and that change opens the next one; not inside one change of a bundle (the rest of an update after its
     * stop: its unresolve, update, resolve and start), unless the operation is older than ten times the limit. Refreshes and
     * start-level changes end at the framework's own event and are left alone.
     *
     * @return the operation to attribute the change to, or {@code null} when a new one must be opened
     */
    private OperationState endIfTooLong(Thread t, OperationState op, long nanos, List<Long> bundles, int type) {
        if (op == null || !op.implicit || nanos - op.startNanos <= maxNanos || op.refresh() != null
                || op.hasTransition() || FelixThreads.isFelix(t)) {
            return op;
        }
        if (nanos - op.startNanos <= 10 * maxNanos && bundles.stream().anyMatch(id -> op.comeBack.continues(id, type))) {
            return op; // the rest of one change of a bundle (an update after its stop): cut before or after it, not inside
        }
        tracker.endOp(op, Operation.SUCCEEDED, false);
        return stacks.touchTop(t, nanos);
    }

    private OperationState beginImplicit(Thread t, BundleEvent event, boolean wiringThread, long nanos) {
        Bundle bundle = event.getBundle();
        String kind = wiringThread ? "refresh" : OperationState.kindOf(event.getType());
        String trigger = Triggers.of(t.getName(), event);
        String subject = BundleRefDTO.of(bundle).display();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", kind == null ? "change" : kind);
        details.put("trigger", trigger);
        details.put("subject", subject);
        details.put("implicit", true);
        details.put("thread", t.getName());
        AuditEventDTO started = log.recordOperationStart(bundle, details);
        OperationState s = new OperationState(started.operation, kind == null ? "change" : kind, trigger, subject,
                true, t, Instant.parse(started.time), nanos, null);
        if (wiringThread) {
            // a refresh nobody requested through the audit: snapshot now, before it changes anything else
            s.refresh(refreshes.implicitRecording(s.id));
            refreshes.implicitRefresh(s);
        }
        stacks.push(t, s);
        if (s.refresh() != null) {
            journal.record(EventTypes.REFRESH_STARTED, s.id, null, s.refresh().startDetails());
        }
        return s;
    }

    /** @see OperationTracker#uninstallRecord */
    Map<String, Object> uninstallRecord(Bundle bundle, String operation) {
        List<RemovalPendingDTO> pending = Wires.pending(bundle);
        BundleRefDTO ref = BundleRefDTO.of(bundle);
        OperationState op = operation == null ? null : stacks.get(operation);
        List<ServiceInUseDTO> inUse = new ArrayList<>();
        if (op != null) {
            op.uninstalled = true;
            for (ServiceInUseDTO s : op.servicesInUse) {
                if (s.registrant != null && s.registrant.id == ref.id) {
                    inUse.add(s);
                }
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("removalPending", !pending.isEmpty());
        details.put("revisions", dtos.toList(pending));
        details.put("servicesInUse", dtos.toList(inUse));
        return details;
    }

    /** @see OperationTracker#serviceEvent */
    String serviceEvent(ServiceReference<?> ref, int type, Bundle[] using) {
        Thread t = Thread.currentThread();
        OperationState op = null;
        Bundle registrant = ref.getBundle();
        RefreshTracking.ExpectedRefresh x = refreshes.expected();
        if (x != null && registrant != null && FelixThreads.isWiring(t) && x.recording.covers(registrant.getBundleId())) {
            op = x.op;
        }
        if (op == null) {
            op = stacks.top(t);
        }
        if (op == null) {
            return null;
        }
        if (using != null && using.length > 0 && registrant != null) {
            List<BundleRefDTO> others = new ArrayList<>();
            for (Bundle b : using) {
                if (b.getBundleId() != registrant.getBundleId()) {
                    others.add(BundleRefDTO.of(b));
                }
            }
            if (!others.isEmpty()) {
                ServiceInUseDTO s = new ServiceInUseDTO();
                s.serviceId = ((Number) ref.getProperty(Constants.SERVICE_ID)).longValue();
                Object classes = ref.getProperty(Constants.OBJECTCLASS);
                s.objectClass = classes instanceof String[] ? List.of((String[]) classes) : List.of(String.valueOf(classes));
                s.registrant = BundleRefDTO.of(registrant);
                s.usingBundles = others;
                op.servicesInUse.add(s);
            }
        }
        return op.id;
    }

    /** @see OperationTracker#frameworkEvent */
    String frameworkEvent(FrameworkEvent event) {
        switch (event.getType()) {
            case FrameworkEvent.PACKAGES_REFRESHED: {
                OperationState r = refreshes.packagesRefreshed();
                if (r != null) {
                    stacks.remove(r.thread(), r); // a next refresh on that thread opens an operation of its own
                    tracker.onTrackerThread("recording a refresh", () -> refreshes.finishImplicitRefresh(r));
                    return r.id;
                }
                RefreshTracking.ExpectedRefresh x = refreshes.expected();
                if (x == null && retired.hasPending()) {
                    // Felix removed an updated or uninstalled revision nobody was wired to at once, on the thread of the
                    // change, and says so with this event: tell the observers soon, not only when the operation ends.
                    // A burst of such changes (a script uninstalling many bundles) shares one report.
                    tracker.reportRemovedSoon();
                }
                return x == null ? null : x.op.id;
            }
            case FrameworkEvent.STARTLEVEL_CHANGED:
            case FrameworkEvent.STARTED: {
                OperationState s = stacks.implicitOn(FelixThreads::isStartLevel);
                if (s == null) {
                    return null;
                }
                tracker.onTrackerThread("ending a start-level change", () -> tracker.endOp(s, Operation.SUCCEEDED, false));
                return s.id;
            }
            default: {
                Bundle b = event.getBundle();
                if (b == null || b.getBundleId() == 0) {
                    OperationState r = refreshes.implicitRefresh();
                    RefreshTracking.ExpectedRefresh x = refreshes.expected();
                    return x != null ? x.op.id : r != null ? r.id : null;
                }
                OperationState op = involving(b.getBundleId());
                if (op == null) {
                    return null;
                }
                if (event.getType() == FrameworkEvent.ERROR) {
                    RefreshTracking.ExpectedRefresh x = refreshes.expected();
                    RefreshRecording rec = x != null && x.op == op ? x.recording : op.refresh();
                    if (rec != null) {
                        rec.failure(b, event.getThrowable());
                    } else {
                        op.comeBack.error(b.getBundleId(), event.getThrowable());
                    }
                }
                return op.id;
            }
        }
    }

    private OperationState involving(long bundleId) {
        RefreshTracking.ExpectedRefresh x = refreshes.expected();
        if (x != null && x.recording.covers(bundleId)) {
            return x.op;
        }
        OperationState r = refreshes.implicitRefresh();
        if (r != null && r.involves(bundleId)) {
            return r;
        }
        OperationState best = null;
        for (OperationState s : stacks.open()) {
            if (s.involves(bundleId) && (best == null || s.seq() > best.seq())) {
                best = s;
            }
        }
        return best;
    }

    /** @see OperationTracker#resolveBegin */
    String resolveBegin(Collection<BundleRevision> triggers) {
        Thread t = Thread.currentThread();
        long nanos = System.nanoTime();
        RefreshTracking.ExpectedRefresh x = refreshes.expected();
        if (x != null && FelixThreads.isWiring(t)) {
            x.op.touch(nanos);
            return x.op.id;
        }
        List<Long> ids = new ArrayList<>();
        for (BundleRevision r : triggers) {
            ids.add(r.getBundle().getBundleId());
        }
        OperationState op = endIfTooLong(t, stacks.touchTop(t, nanos), nanos, ids, BundleEvent.RESOLVED);
        if (op != null) {
            return op.id;
        }
        Bundle first = null;
        for (BundleRevision r : triggers) {
            first = r.getBundle();
            break;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        String trigger = Triggers.of(t.getName(), null);
        String subject = first == null ? "resolve" : BundleRefDTO.of(first).display()
                + (triggers.size() > 1 ? " and " + (triggers.size() - 1) + " more" : "");
        details.put("kind", "resolve");
        details.put("trigger", trigger);
        details.put("subject", subject);
        details.put("implicit", true);
        details.put("thread", t.getName());
        AuditEventDTO started = log.recordOperationStart(first, details);
        OperationState s = new OperationState(started.operation, "resolve", trigger, subject, true, t,
                Instant.parse(started.time), nanos, null);
        stacks.push(t, s);
        return s.id;
    }
}
