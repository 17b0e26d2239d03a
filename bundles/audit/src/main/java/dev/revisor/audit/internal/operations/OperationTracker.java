package dev.revisor.audit.internal.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.RemovalPendingDTO;
import dev.revisor.audit.api.ServiceInUseDTO;

/**
 * Ties every lifecycle change to an operation (docs/operations.md): explicit ones begun through
 * {@link Operations#begin}, implicit ones opened for changes nobody announced, ended at the end of their thread's
 * burst of events, at PACKAGES_REFRESHED for a refresh, at STARTLEVEL_CHANGED for a start-level change. Also makes
 * the refresh records, for refreshes requested through {@link dev.revisor.audit.api.Refreshes} and for those made
 * by anyone else, and tells the {@link RefreshObserver}s.
 * <p>
 * The event methods ({@link #bundleEvent}, {@link #serviceEvent}, {@link #frameworkEvent}, {@link #resolveBegin})
 * run on the framework's threads: they look up or open the operation, update a few concurrent maps and return.
 * Everything else (ending implicit operations, forcing the journal, building records, calling observers) runs on
 * the tracker's own thread {@value #THREAD_NAME}.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@Component(service = {Operations.class, OperationTracker.class}, immediate = true,
        configurationPid = OperationTracker.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = OperationTracker.Config.class)
public final class OperationTracker implements Operations {
    static final String PID = "dev.revisor.audit.operations";
    static final String THREAD_NAME = "revisor-audit-operations";
    /** Felix's thread for FrameworkWiring.refreshBundles. */
    static final String WIRING_THREAD = "FelixFrameworkWiring";
    /** Felix's thread for start-level changes. */
    static final String START_LEVEL_THREAD = "FelixStartLevel";
    /** How long the report of revisions removed at once waits for others of the same burst (milliseconds). */
    static final long REMOVED_REPORT_DELAY_MS = 5;

    @ObjectClassDefinition(name = "Revisor operations", description = "How lifecycle changes are grouped into operations")
    public @interface Config {
        @AttributeDefinition(description = "An implicit operation ends when its thread made no lifecycle change for "
                + "this many milliseconds (and no start or stop of it is still running)")
        long implicit_idle_ms() default 250;

        @AttributeDefinition(description = "An implicit operation open longer than this many milliseconds ends at the "
                + "next lifecycle change of its thread that begins outside any running start or stop; that change "
                + "opens the next operation (a thread that never pauses is cut into operations of about this length)")
        long implicit_max_ms() default 1000;

        @AttributeDefinition(description = "An implicit refresh operation that never saw PACKAGES_REFRESHED ends "
                + "after this many idle milliseconds")
        long refresh_idle_ms() default 60_000;

        @AttributeDefinition(description = "How many ended operations are kept in memory for audit:ops")
        int history() default 1000;

        @AttributeDefinition(description = "How many of the newest journal events are read back at start (on the "
                + "tracker's thread) to fill the history and to end as interrupted the operations a crash left open")
        int recovery_events() default 20_000;
    }

    private final BundleContext context;
    private final Journal journal;
    private final OperationLog log;
    private final Logger logger;
    private final long idleNanos;
    private final long maxNanos;
    private final long refreshIdleNanos;
    private final int history;
    private final Dtos dtos = new Dtos();
    private final ScheduledThreadPoolExecutor executor;
    /** Open operations per thread, innermost last; the lists are immutable and replaced atomically. */
    private final Map<Thread, List<OperationState>> stacks = new ConcurrentHashMap<>();
    private final Map<String, OperationState> live = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<OperationState> ended = new ConcurrentLinkedDeque<>();
    private final AtomicReference<ExpectedRefresh> expected = new AtomicReference<>();
    private final AtomicReference<OperationState> implicitRefresh = new AtomicReference<>();
    private final AtomicLong packagesRefreshed = new AtomicLong();
    private final Object refreshedSignal = new Object();
    private final ReentrantLock refreshLock = new ReentrantLock();
    /** Revisions taken out of use by updates and uninstalls, by {@link RetiredRevision#key()}, until reported to observers. */
    private final Map<String, RetiredRevision> pendingRetired = new ConcurrentHashMap<>();
    /** The operation that took each of {@link #pendingRetired} out of use, by {@link RetiredRevision#key()}. */
    private final Map<String, String> pendingRetiredBy = new ConcurrentHashMap<>();
    private final Set<String> reportedRetired = ConcurrentHashMap.newKeySet();
    /** A force of the journal is queued on the tracker's thread: the operations that end meanwhile share it. */
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    /** A report of removed revisions is queued: the PACKAGES_REFRESHED events that come meanwhile share it. */
    private final AtomicBoolean removedReportQueued = new AtomicBoolean();
    private final long firstOwnSeq;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<RefreshObserver> observers = new CopyOnWriteArrayList<>();

    /** A refresh requested through {@link #refresh}: the events of the bundles it covers belong to its operation. */
    private static final class ExpectedRefresh {
        final OperationState op;
        final RefreshRecording recording;

        ExpectedRefresh(OperationState op, RefreshRecording recording) {
            this.op = op;
            this.recording = recording;
        }
    }

    @Activate
    public OperationTracker(BundleContext context, Config config, @Reference Journal journal,
            @Reference OperationLog log, @Reference LoggerFactory loggers) {
        this.context = context;
        this.journal = journal;
        this.log = log;
        this.logger = loggers.getLogger(OperationTracker.class);
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, config.implicit_idle_ms()));
        this.maxNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, config.implicit_max_ms()));
        this.refreshIdleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1000, config.refresh_idle_ms()));
        this.history = Math.max(10, config.history());
        this.firstOwnSeq = log.lastSeq() + 1;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        int recoveryEvents = Math.max(0, config.recovery_events());
        executor.execute(safely("recovering operations from the journal", () -> recover(recoveryEvents)));
        long sweep = Math.max(5, TimeUnit.NANOSECONDS.toMillis(idleNanos) / 2);
        executor.scheduleWithFixedDelay(safely("ending idle implicit operations", this::sweep), sweep, sweep,
                TimeUnit.MILLISECONDS);
    }

    /** Ends the operations still open as interrupted, stops the tracker's thread, forces the journal. */
    @Deactivate
    public void deactivate() {
        for (OperationState s : new ArrayList<>(live.values())) {
            s.outcome(Operation.INTERRUPTED, "the audit stopped while the operation was open");
            endOp(s, Operation.INTERRUPTED, false);
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        journal.sync();
    }

    // ---------------------------------------------------------------- Operations API

    @Override
    public Operation begin(String kind, String trigger, String subject) {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("an operation needs a kind (install, update, deploy, ...)");
        }
        if (trigger == null || trigger.isBlank()) {
            throw new IllegalArgumentException("an operation needs a trigger (deploy:<file>, shell:<line>, api:<caller>)");
        }
        return new Handle(beginExplicit(kind.trim(), trigger.trim(), subject));
    }

    private OperationState beginExplicit(String kind, String trigger, String subject) {
        Thread t = Thread.currentThread();
        OperationState top = top(t);
        if (top != null && top.implicit) {
            endOp(top, Operation.SUCCEEDED, false);
            top = top(t);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", kind);
        details.put("trigger", trigger);
        if (subject != null) {
            details.put("subject", subject);
        }
        details.put("implicit", false);
        details.put("thread", t.getName());
        if (top != null) {
            details.put("parent", top.id);
        }
        AuditEventDTO started = log.recordOperationStart(null, details);
        OperationState s = new OperationState(started.operation, kind, trigger, subject, false, t,
                Instant.parse(started.time), System.nanoTime(), top == null ? null : top.id);
        push(t, s);
        return s;
    }

    @Override
    public OperationDTO current() {
        OperationState top = top(Thread.currentThread());
        return top == null ? null : top.describe();
    }

    @Override
    public OperationDTO find(String id) {
        if (id == null) {
            return null;
        }
        OperationState s = live.get(id);
        if (s != null) {
            return s.describe();
        }
        for (OperationState e : ended) {
            if (e.id.equals(id)) {
                return e.describe();
            }
        }
        List<AuditEventDTO> events = journal.events(EventQuery.last(10_000).withOperation(id));
        return events.isEmpty() ? null : fromEvents(id, events).describe();
    }

    @Override
    public List<OperationDTO> recent(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the number of operations must be at least 1, not " + limit);
        }
        List<OperationState> all = new ArrayList<>(ended);
        all.addAll(live.values());
        all.sort(Comparator.comparingLong(OperationState::seq));
        List<OperationDTO> out = new ArrayList<>();
        for (int i = Math.max(0, all.size() - limit); i < all.size(); i++) {
            out.add(all.get(i).describe());
        }
        return out;
    }

    /** @return the id of the innermost operation open on the calling thread, or {@code null} */
    public String currentId() {
        OperationState top = top(Thread.currentThread());
        return top == null ? null : top.id;
    }

    /** @return the id of the innermost operation open on that thread, or {@code null} */
    public String currentId(Thread thread) {
        OperationState top = top(thread);
        return top == null ? null : top.id;
    }

    /** The {@link Operation} handed to callers of {@link #begin}. */
    private final class Handle implements Operation {
        private final OperationState state;

        Handle(OperationState state) {
            this.state = state;
        }

        @Override
        public String id() {
            return state.id;
        }

        @Override
        public void outcome(String outcome, String reason) {
            if (outcome == null || outcome.isBlank()) {
                throw new IllegalArgumentException("an outcome is needed: succeeded, failed, rolled-back or refused");
            }
            state.outcome(outcome, reason);
        }

        @Override
        public OperationDTO describe() {
            return state.describe();
        }

        @Override
        public void close() {
            closeExplicit(state);
        }

        @Override
        public String toString() {
            return "Operation[" + state.id + " " + state.kind() + " " + state.trigger + "]";
        }
    }

    private void closeExplicit(OperationState s) {
        if (s.isEnded()) {
            return;
        }
        Thread t = s.thread();
        if (t != null) {
            List<OperationState> stack = stacks.getOrDefault(t, List.of());
            int at = stack.indexOf(s);
            for (int i = stack.size() - 1; i > at && at >= 0; i--) {
                OperationState inner = stack.get(i);
                if (!inner.implicit) {
                    inner.outcome(Operation.FAILED, "not closed before the operation around it (" + s.id + ") ended");
                }
                endOp(inner, inner.implicit ? Operation.SUCCEEDED : Operation.FAILED, false);
            }
        }
        endOp(s, Operation.SUCCEEDED, true);
    }

    // ---------------------------------------------------------------- stacks

    private OperationState top(Thread t) {
        List<OperationState> stack = stacks.get(t);
        return stack == null || stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    private void push(Thread t, OperationState s) {
        live.put(s.id, s);
        stacks.compute(t, (k, stack) -> {
            List<OperationState> next = stack == null ? new ArrayList<>() : new ArrayList<>(stack);
            next.add(s);
            return List.copyOf(next);
        });
    }

    private void remove(Thread t, OperationState s) {
        if (t == null) {
            return;
        }
        stacks.computeIfPresent(t, (k, stack) -> {
            if (!stack.contains(s)) {
                return stack;
            }
            List<OperationState> next = new ArrayList<>(stack);
            next.remove(s);
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    /** Atomically: the top of the thread's stack, touched (so the sweeper does not end it under us). */
    private OperationState touchTop(Thread t, long nanos) {
        OperationState[] top = new OperationState[1];
        stacks.computeIfPresent(t, (k, stack) -> {
            if (!stack.isEmpty()) {
                top[0] = stack.get(stack.size() - 1);
                top[0].touch(nanos);
            }
            return stack;
        });
        return top[0];
    }

    /**
     * Ends an operation once: journals {@code operation.ended}, forgets the open state, remembers it in the history,
     * and forces the journal to disk (now, or on the tracker's thread).
     */
    private void endOp(OperationState s, String defaultOutcome, boolean syncNow) {
        Thread t = s.thread();
        if (!s.end(Instant.now(), defaultOutcome)) {
            return;
        }
        remove(t, s);
        live.remove(s.id);
        implicitRefresh.compareAndSet(s, null);
        ended.addLast(s);
        while (ended.size() > history) {
            ended.pollFirst();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", s.kind());
        details.put("trigger", s.trigger);
        if (s.subject != null) {
            details.put("subject", s.subject);
        }
        details.put("outcome", s.outcome());
        if (s.reason() != null) {
            details.put("reason", s.reason());
        }
        details.put("durationMs", s.durationMillis());
        details.put("implicit", s.implicit);
        details.put("bundles", dtos.toList(s.bundles()));
        journal.record("operation.ended", s.id, null, details);
        if (s.uninstalled || hasPendingRetired()) {
            executor.execute(safely("reporting removed revisions", () -> reportRemoved(s.id)));
        }
        if (syncNow && !isFrameworkThread(Thread.currentThread())) {
            journal.sync();
        } else {
            // operations that end before the force runs share it; when the tracker is stopping, deactivate() forces
            once(syncQueued, "forcing the journal to disk", journal::sync, 0);
        }
    }

    /**
     * Queues a task on the tracker's thread unless one queued by the same flag has not started yet: the requests that
     * come meanwhile share it. The flag is cleared as the task starts, so a request from then on queues another.
     */
    private void once(AtomicBoolean queued, String what, Runnable task, long delayMillis) {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.schedule(safely(what, () -> {
                queued.set(false);
                task.run();
            }), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            queued.set(false); // stopping
        }
    }

    private static boolean isFrameworkThread(Thread t) {
        return t.getName().startsWith("Felix");
    }

    // ---------------------------------------------------------------- events (framework threads)

    /**
     * Attributes a bundle event to an operation, opening an implicit one when its thread has none. Called on the
     * thread that fired the event, before any listener sees it.
     *
     * @return the operation id
     */
    public String bundleEvent(BundleEvent event) {
        Thread t = Thread.currentThread();
        Bundle bundle = event.getBundle();
        int type = event.getType();
        long nanos = System.nanoTime();
        OperationState op = null;
        ExpectedRefresh x = expected.get();
        boolean wiringThread = WIRING_THREAD.equals(t.getName());
        if (x != null && wiringThread && x.recording.covers(bundle.getBundleId())) {
            op = x.op;
            op.touch(nanos);
        }
        if (op == null) {
            op = endIfTooLong(t, touchTop(t, nanos), nanos);
        }
        if (op == null) {
            op = beginImplicit(t, event, wiringThread, nanos);
        }
        if (type == BundleEvent.UPDATED || type == BundleEvent.UNINSTALLED) {
            captureRetiring(bundle, type == BundleEvent.UNINSTALLED, op.id);
        }
        op.bundleEvent(bundle, type, nanos);
        RefreshRecording recording = x != null && x.op == op ? x.recording : op.refresh();
        if (recording != null) {
            recording.bundleEvent(bundle, type, Instant.now());
        }
        return op.id;
    }

    /**
     * An implicit operation of a thread that never pauses would grow without end (one operation for a script's
     * thousand changes): past {@code implicit.max.ms} it ends at the next change that begins outside any running start
     * or stop, and that change opens the next one. Refreshes and start-level changes end at the framework's own
     * event and are left alone.
     *
     * @return the operation to attribute the change to, or {@code null} when a new one must be opened
     */
    private OperationState endIfTooLong(Thread t, OperationState op, long nanos) {
        if (op == null || !op.implicit || nanos - op.startNanos <= maxNanos || op.refresh() != null
                || op.hasTransition() || isFrameworkThread(t)) {
            return op;
        }
        endOp(op, Operation.SUCCEEDED, false);
        return touchTop(t, nanos);
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
            s.refresh(implicitRecording(s.id));
            implicitRefresh.set(s);
        }
        push(t, s);
        if (s.refresh() != null) {
            journal.record("refresh.started", s.id, null, s.refresh().startDetails());
        }
        return s;
    }

    private RefreshRecording implicitRecording(String operation) {
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

    private void captureRetiring(Bundle bundle, boolean uninstalled, String operation) {
        BundleRevisions revisions = bundle.adapt(BundleRevisions.class);
        if (revisions == null) {
            return;
        }
        BundleRevision current = uninstalled ? null : bundle.adapt(BundleRevision.class);
        for (BundleRevision rev : revisions.getRevisions()) {
            if (rev != current && rev.getWiring() != null) {
                RetiredRevision r = RetiredRevision.capture(rev, Wires.ref(rev), uninstalled, false);
                if (pendingRetired.putIfAbsent(r.key(), r) == null) {
                    pendingRetiredBy.put(r.key(), operation);
                }
            }
        }
    }

    /**
     * What an uninstall left, for {@code uninstall.record}: called on the uninstalling thread right after the
     * UNINSTALLED event was attributed, while the framework has not cleaned up yet.
     *
     * @return the details of the record
     */
    public Map<String, Object> uninstallRecord(Bundle bundle, String operation) {
        List<RemovalPendingDTO> pending = Wires.pending(bundle);
        BundleRefDTO ref = BundleRefDTO.of(bundle);
        OperationState op = operation == null ? null : live.get(operation);
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

    /**
     * Attributes a service event to the operation open on the firing thread (service events never open one) and
     * notes a service unregistered while others still used it.
     *
     * @param using the bundles using it at UNREGISTERING, or {@code null}
     * @return the operation id, or {@code null}
     */
    public String serviceEvent(ServiceReference<?> ref, int type, Bundle[] using) {
        Thread t = Thread.currentThread();
        OperationState op = null;
        Bundle registrant = ref.getBundle();
        ExpectedRefresh x = expected.get();
        if (x != null && registrant != null && WIRING_THREAD.equals(t.getName())
                && x.recording.covers(registrant.getBundleId())) {
            op = x.op;
        }
        if (op == null) {
            op = top(t);
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

    /**
     * Attributes a framework event (delivered on the framework's event thread, after the fact): PACKAGES_REFRESHED
     * ends an implicit refresh, STARTLEVEL_CHANGED and STARTED end a start-level change, an error about a bundle
     * goes to the open operation that involves that bundle.
     *
     * @return the operation id, or {@code null}
     */
    public String frameworkEvent(FrameworkEvent event) {
        switch (event.getType()) {
            case FrameworkEvent.PACKAGES_REFRESHED: {
                packagesRefreshed.incrementAndGet();
                synchronized (refreshedSignal) {
                    refreshedSignal.notifyAll();
                }
                OperationState r = implicitRefresh.getAndSet(null);
                if (r != null) {
                    remove(r.thread(), r); // a next refresh on that thread opens an operation of its own
                    executor.execute(safely("recording a refresh", () -> finishImplicitRefresh(r)));
                    return r.id;
                }
                ExpectedRefresh x = expected.get();
                if (x == null && hasPendingRetired()) {
                    // Felix removed an updated or uninstalled revision nobody was wired to at once, on the thread of the
                    // change, and says so with this event: tell the observers soon, not only when the operation ends.
                    // A burst of such changes (a script uninstalling many bundles) shares one report.
                    once(removedReportQueued, "reporting removed revisions", () -> reportRemoved(null), REMOVED_REPORT_DELAY_MS);
                }
                return x == null ? null : x.op.id;
            }
            case FrameworkEvent.STARTLEVEL_CHANGED:
            case FrameworkEvent.STARTED: {
                for (Map.Entry<Thread, List<OperationState>> e : stacks.entrySet()) {
                    if (START_LEVEL_THREAD.equals(e.getKey().getName())) {
                        for (OperationState s : e.getValue()) {
                            if (s.implicit) {
                                executor.execute(safely("ending a start-level change", () -> endOp(s, Operation.SUCCEEDED, false)));
                                return s.id;
                            }
                        }
                    }
                }
                return null;
            }
            default: {
                Bundle b = event.getBundle();
                if (b == null || b.getBundleId() == 0) {
                    OperationState r = implicitRefresh.get();
                    ExpectedRefresh x = expected.get();
                    return x != null ? x.op.id : r != null ? r.id : null;
                }
                OperationState op = involving(b.getBundleId());
                if (op == null) {
                    return null;
                }
                if (event.getType() == FrameworkEvent.ERROR) {
                    ExpectedRefresh x = expected.get();
                    RefreshRecording rec = x != null && x.op == op ? x.recording : op.refresh();
                    if (rec != null) {
                        rec.failure(b, event.getThrowable());
                    }
                }
                return op.id;
            }
        }
    }

    private OperationState involving(long bundleId) {
        ExpectedRefresh x = expected.get();
        if (x != null && x.recording.covers(bundleId)) {
            return x.op;
        }
        OperationState r = implicitRefresh.get();
        if (r != null && r.involves(bundleId)) {
            return r;
        }
        OperationState best = null;
        for (OperationState s : live.values()) {
            if (s.involves(bundleId) && (best == null || s.seq() > best.seq())) {
                best = s;
            }
        }
        return best;
    }

    /**
     * A resolve begins on the calling thread (the resolver hook's begin): attributed to the thread's operation, or
     * to a new implicit {@code resolve} operation.
     *
     * @return the operation id
     */
    public String resolveBegin(Collection<BundleRevision> triggers) {
        Thread t = Thread.currentThread();
        long nanos = System.nanoTime();
        ExpectedRefresh x = expected.get();
        if (x != null && WIRING_THREAD.equals(t.getName())) {
            x.op.touch(nanos);
            return x.op.id;
        }
        OperationState op = endIfTooLong(t, touchTop(t, nanos), nanos);
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
        push(t, s);
        return s.id;
    }

    // ---------------------------------------------------------------- tracker thread

    /** Ends implicit operations whose thread has been quiet long enough and that have no transition running. */
    private void sweep() {
        long now = System.nanoTime();
        for (OperationState s : live.values()) {
            if (!s.implicit || s.isEnded()) {
                continue;
            }
            boolean refresh = s == implicitRefresh.get();
            long limit = refresh ? refreshIdleNanos : idleNanos;
            if (now - s.lastEventNanos() < limit || transitionRunning(s)) {
                continue;
            }
            Thread t = s.thread();
            boolean[] quiet = {false};
            if (t != null) {
                stacks.computeIfPresent(t, (k, stack) -> {
                    quiet[0] = System.nanoTime() - s.lastEventNanos() >= limit; // re-checked under the stack's lock
                    if (!quiet[0]) {
                        return stack;
                    }
                    List<OperationState> next = new ArrayList<>(stack);
                    next.remove(s);
                    return next.isEmpty() ? null : List.copyOf(next);
                });
            }
            if (quiet[0] || t == null) {
                if (refresh) {
                    s.outcome(Operation.SUCCEEDED, "the framework did not report the refresh done (no PACKAGES_REFRESHED)");
                    finishImplicitRefresh(s);
                } else {
                    endOp(s, Operation.SUCCEEDED, false);
                }
            }
        }
    }

    private boolean transitionRunning(OperationState s) {
        for (long id : s.inTransition()) {
            Bundle b = context.getBundle(id);
            if (b != null && (b.getState() == Bundle.STARTING || b.getState() == Bundle.STOPPING)) {
                return true;
            }
        }
        return false;
    }

    private void finishImplicitRefresh(OperationState s) {
        RefreshRecording rec = s.refresh();
        if (rec != null) {
            waitForEventsDelivered(packagesRefreshed.get() - 1);
            RefreshRecordDTO record = finishRecording(rec, s);
            if (!record.failures.isEmpty()) {
                s.outcome(Operation.FAILED, record.failures.size() + " bundle(s) did not come back: "
                        + String.join("; ", record.failures));
            }
        }
        endOp(s, Operation.SUCCEEDED, false);
    }

    /** Builds, journals and reports a refresh record; on the tracker's thread. */
    private RefreshRecordDTO finishRecording(RefreshRecording rec, OperationState op) {
        List<RetiredRevision> retired = new ArrayList<>();
        RefreshRecordDTO record = rec.finish(context, new ArrayList<>(op.servicesInUse), retired);
        for (RetiredRevision r : pendingRetired.values()) {
            if (r.isDisposed() && retired.stream().noneMatch(x -> x.key().equals(r.key()))) {
                retired.add(r);
            }
        }
        List<RetiredRevision> fresh = new ArrayList<>();
        for (RetiredRevision r : retired) {
            pendingRetired.remove(r.key());
            pendingRetiredBy.remove(r.key());
            if (firstReport(r)) {
                fresh.add(r);
            }
        }
        Map<String, Object> details = dtos.toMap(record);
        List<Object> gone = new ArrayList<>();
        for (RetiredRevision r : retired) {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("bundle", dtos.toMap(r.bundle()));
            g.put("revision", r.revision());
            g.put("uninstalled", r.uninstalled());
            g.put("classLoader", r.hadClassLoader());
            g.put("collected", r.hadClassLoader() && r.classLoader() == null);
            gone.add(g);
        }
        details.put("retired", gone);
        journal.record("refresh.record", rec.operation, null, details);
        for (RefreshObserver o : observers) {
            try {
                o.refreshed(record, List.copyOf(fresh));
            } catch (Throwable e) { // one observer failing does not stop the others
                logger.error("refresh observer {} failed on the record of {}: {}", o, rec.operation, e.toString(), e);
            }
        }
        return record;
    }

    /** Remembers a reported revision wiring (so that it is reported once); forgets them all past a bound. */
    private boolean firstReport(RetiredRevision r) {
        if (reportedRetired.size() > 10_000) {
            reportedRetired.clear(); // only a report racing the next refresh needs the memory
        }
        return reportedRetired.add(r.bundle().id + "/" + r.key());
    }

    private boolean hasPendingRetired() {
        return !pendingRetired.isEmpty();
    }

    /**
     * Tells the observers about the revisions taken out of use by updates and uninstalls that the framework has
     * removed (disposed of) by now, grouped by the operation that retired them.
     *
     * @param ending the operation that ends, for revisions whose operation is not known; or {@code null}
     */
    private void reportRemoved(String ending) {
        Map<String, List<RetiredRevision>> removed = new LinkedHashMap<>();
        for (RetiredRevision r : new ArrayList<>(pendingRetired.values())) {
            if (r.isDisposed() && pendingRetired.remove(r.key(), r)) {
                String by = pendingRetiredBy.remove(r.key());
                if (firstReport(r)) {
                    removed.computeIfAbsent(by != null ? by : ending, k -> new ArrayList<>()).add(r);
                }
            }
        }
        for (Map.Entry<String, List<RetiredRevision>> e : removed.entrySet()) {
            for (RefreshObserver o : observers) {
                try {
                    o.removed(e.getKey(), List.copyOf(e.getValue()));
                } catch (Throwable ex) {
                    logger.error("refresh observer {} failed on the revisions removed by {}: {}", o, e.getKey(), ex.toString(), ex);
                }
            }
        }
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

    // ---------------------------------------------------------------- requested refreshes

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
            OperationState op = top(Thread.currentThread());
            if (op == null || op.implicit) {
                String subject = targets.isEmpty() ? "nothing to refresh" : BundleRefDTO.of(targets.get(0)).display()
                        + (targets.size() > 1 ? " and " + (targets.size() - 1) + " more" : "");
                own = beginExplicit("refresh", TRIGGER_API + caller, subject);
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
            journal.record("refresh.started", op.id, null, rec.startDetails());
            ExpectedRefresh x = new ExpectedRefresh(op, rec);
            expected.set(x);
            long seen = packagesRefreshed.get();
            CompletableFuture<RefreshRecordDTO> result = new CompletableFuture<>();
            OperationState opf = op;
            fw.refreshBundles(targets, event -> executor.execute(() -> {
                try {
                    waitForEventsDelivered(seen);
                    RefreshRecordDTO record = finishRecording(rec, opf);
                    result.complete(record);
                } catch (Throwable e) {
                    logger.error("cannot record the refresh of {}: {}", opf.id, e.toString(), e);
                    result.completeExceptionally(e);
                } finally {
                    expected.compareAndSet(x, null);
                }
            }));
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
                closeExplicit(own);
            }
            refreshLock.unlock();
        }
    }

    // ---------------------------------------------------------------- recovery

    /** Reads the end of the journal: fills the history, and ends operations a crash left open as interrupted. */
    private void recover(int events) {
        if (events == 0) {
            return;
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
            } else if ("operation.ended".equals(e.type)) {
                endedEvents.put(e.operation, e);
            }
        }
        List<OperationState> restored = new ArrayList<>();
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
                AuditEventDTO end = journal.record("operation.ended", s.operation, null, details);
                restored.add(fromEvents(s.operation, List.of(s, end)));
            } else {
                restored.add(fromEvents(s.operation, List.of(s, e)));
            }
        }
        for (OperationState r : restored) {
            ended.addFirst(r);
        }
        while (ended.size() > history) {
            ended.pollFirst();
        }
        if (restored.stream().anyMatch(r -> Operation.INTERRUPTED.equals(r.outcome()))) {
            journal.sync();
        }
    }

    /** Rebuilds an operation from its journal events. */
    private static OperationState fromEvents(String id, List<AuditEventDTO> events) {
        AuditEventDTO start = null;
        AuditEventDTO end = null;
        Map<Long, BundleRefDTO> bundles = new LinkedHashMap<>();
        for (AuditEventDTO e : events) {
            if (OperationLog.STARTED.equals(e.type)) {
                start = e;
            } else if ("operation.ended".equals(e.type)) {
                end = e;
            }
            if (e.bundle != null && e.type != null && (e.type.startsWith("bundle.") || e == start)) {
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

    private Runnable safely(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable e) { // one failing task never stops the tracker's thread
                logger.error("operations: failed {}: {}", what, e.toString(), e);
            }
        };
    }

    /** @return the thread pool's thread count, for tests */
    int threads() {
        return executor.getPoolSize();
    }
}
