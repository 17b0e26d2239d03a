package dev.revisor.audit.internal.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
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
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.internal.EventTypes;
import dev.revisor.common.internal.FelixThreads;
import dev.revisor.common.internal.OwnedExecutor;

/**
 * Ties every lifecycle change to an operation (docs/operations.md): explicit ones begun through
 * {@link Operations#begin}, implicit ones opened for changes nobody announced, ended at the end of their thread's
 * burst of events, at PACKAGES_REFRESHED for a refresh, at STARTLEVEL_CHANGED for a start-level change. Also makes
 * the refresh records and tells the {@link RefreshObserver}s.
 * <p>
 * This class is the component and the {@link Operations} front: it owns the tracker's thread {@value #THREAD_NAME}
 * (an {@link OwnedExecutor}, started in {@link #activate}), begins and ends operations, and ends idle implicit ones
 * (the sweep). The other jobs are parts of their own: {@link OperationStacks} (open operations per thread),
 * {@link EventAttribution} (events to operations, on the framework's threads), {@link RefreshTracking} (requested and
 * implicit refreshes and their records), {@link RetiredRevisions} (revisions taken out of use and their observers),
 * {@link OperationHistory} (ended operations, recovery from the journal).
 * <p>
 * The event methods ({@link #bundleEvent}, {@link #serviceEvent}, {@link #frameworkEvent}, {@link #resolveBegin})
 * run on the framework's threads; everything else (ending implicit operations, forcing the journal, building
 * records, calling observers) runs on {@value #THREAD_NAME}.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@Component(service = {Operations.class, OperationTracker.class}, immediate = true,
        configurationPid = OperationTracker.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = OperationTracker.Config.class)
public final class OperationTracker implements Operations {
    static final String PID = "dev.revisor.audit.operations";
    static final String THREAD_NAME = "revisor-audit-operations";
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

    private final Journal journal;
    private final OperationLog log;
    private final Logger logger;
    private final long idleNanos;
    private final long refreshIdleNanos;
    private final int recoveryEvents;
    private final long firstOwnSeq;
    private final OwnedExecutor executor;
    private final Dtos dtos = new Dtos();
    private final OperationStacks stacks = new OperationStacks();
    private final OperationHistory history;
    private final RetiredRevisions retired;
    private final RefreshTracking refreshes;
    private final EventAttribution attribution;
    private final BundleContext context;
    /** A force of the journal is queued on the tracker's thread: the operations that end meanwhile share it. */
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    /** A report of removed revisions is queued: the PACKAGES_REFRESHED events that come meanwhile share it. */
    private final AtomicBoolean removedReportQueued = new AtomicBoolean();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<RefreshObserver> observers = new CopyOnWriteArrayList<>();

    /** Makes the parts; starts nothing (see {@link #activate}). */
    @Activate
    public OperationTracker(BundleContext context, Config config, @Reference Journal journal,
            @Reference OperationLog log, @Reference LoggerFactory loggers) {
        this.context = context;
        this.journal = journal;
        this.log = log;
        this.logger = loggers.getLogger(OperationTracker.class);
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, config.implicit_idle_ms()));
        long maxNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, config.implicit_max_ms()));
        this.refreshIdleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1000, config.refresh_idle_ms()));
        this.recoveryEvents = Math.max(0, config.recovery_events());
        this.firstOwnSeq = log.lastSeq() + 1;
        this.executor = new OwnedExecutor(THREAD_NAME,
                e -> logger.error("operations: a task failed: {}", e.toString(), e));
        this.history = new OperationHistory(journal, log, Math.max(10, config.history()));
        this.retired = new RetiredRevisions(logger, () -> observers);
        this.refreshes = new RefreshTracking(context, journal, logger, dtos, retired, this);
        this.attribution = new EventAttribution(this, stacks, refreshes, retired, journal, log, dtos, maxNanos);
    }

    /** Starts the tracker's thread: recovery from the journal, then the sweep of idle implicit operations. */
    @Activate
    public void activate() {
        onTrackerThread("recovering operations from the journal", () -> {
            if (history.recover(recoveryEvents, firstOwnSeq)) {
                journal.sync();
            }
        });
        long sweep = Math.max(5, TimeUnit.NANOSECONDS.toMillis(idleNanos) / 2);
        executor.scheduleWithFixedDelay(safely("ending idle implicit operations", this::sweep), sweep, sweep,
                TimeUnit.MILLISECONDS);
    }

    /** Ends the operations still open as interrupted, stops the tracker's thread, forces the journal. */
    @Deactivate
    public void deactivate() {
        for (OperationState s : new ArrayList<>(stacks.open())) {
            s.outcome(Operation.INTERRUPTED, "the audit stopped while the operation was open");
            endOp(s, Operation.INTERRUPTED, false);
        }
        executor.close(5_000, 1_000);
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

    OperationState beginExplicit(String kind, String trigger, String subject) {
        Thread t = Thread.currentThread();
        OperationState top = stacks.top(t);
        if (top != null && top.implicit) {
            endOp(top, Operation.SUCCEEDED, false);
            top = stacks.top(t);
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
        stacks.push(t, s);
        return s;
    }

    @Override
    public OperationDTO current() {
        OperationState top = stacks.top(Thread.currentThread());
        return top == null ? null : top.describe();
    }

    @Override
    public OperationDTO find(String id) {
        if (id == null) {
            return null;
        }
        OperationState s = stacks.get(id);
        if (s == null) {
            s = history.find(id);
        }
        if (s != null) {
            return s.describe();
        }
        List<AuditEventDTO> events = journal.events(EventQuery.last(10_000).withOperation(id));
        return events.isEmpty() ? null : OperationHistory.fromEvents(id, events).describe();
    }

    @Override
    public List<OperationDTO> recent(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the number of operations must be at least 1, not " + limit);
        }
        List<OperationState> all = history.all();
        all.addAll(stacks.open());
        all.sort(Comparator.comparingLong(OperationState::seq));
        List<OperationDTO> out = new ArrayList<>();
        for (int i = Math.max(0, all.size() - limit); i < all.size(); i++) {
            out.add(all.get(i).describe());
        }
        return out;
    }

    /** @return the id of the innermost operation open on the calling thread, or {@code null} */
    public String currentId() {
        return currentId(Thread.currentThread());
    }

    /** @return the id of the innermost operation open on that thread, or {@code null} */
    public String currentId(Thread thread) {
        OperationState top = stacks.top(thread);
        return top == null ? null : top.id;
    }

    OperationState top(Thread t) {
        return stacks.top(t);
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

    void closeExplicit(OperationState s) {
        if (s.isEnded()) {
            return;
        }
        Thread t = s.thread();
        if (t != null) {
            List<OperationState> stack = stacks.stack(t);
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

    /**
     * Ends an operation once: journals {@code operation.ended}, forgets the open state, remembers it in the history,
     * and forces the journal to disk (now, or on the tracker's thread).
     */
    void endOp(OperationState s, String defaultOutcome, boolean syncNow) {
        Thread t = s.thread();
        if (s.isEnded()) {
            return;
        }
        if (s.implicit && s.refresh() == null && Operation.SUCCEEDED.equals(defaultOutcome)) {
            s.notBack(s.comeBack.judge(context, Dtos.byId(s.bundles()))); // a refresh is judged by its record
        }
        refreshes.amend(s);
        if (!s.end(Instant.now(), defaultOutcome)) {
            return;
        }
        stacks.remove(t, s);
        stacks.forget(s);
        refreshes.ended(s);
        history.add(s);
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
        if (!s.failures().isEmpty()) {
            details.put("failures", s.failures());
        }
        details.put("durationMs", s.durationMillis());
        details.put("implicit", s.implicit);
        details.put("bundles", dtos.toList(s.bundles()));
        journal.record(EventTypes.OPERATION_ENDED, s.id, null, details);
        if (s.uninstalled || retired.hasPending()) {
            onTrackerThread("reporting removed revisions", () -> retired.reportRemoved(s.id));
        }
        if (syncNow && !FelixThreads.isFelix(Thread.currentThread())) {
            journal.sync();
        } else {
            // operations that end before the force runs share it; when the tracker is stopping, deactivate() forces
            once(syncQueued, "forcing the journal to disk", journal::sync, 0);
        }
    }

    /** Runs a task on the tracker's thread; when the tracker is stopping, the task is dropped (and logged at debug). */
    void onTrackerThread(String what, Runnable task) {
        if (!executor.tryExecute(safely(what, task))) {
            logger.debug("operations: stopping, not {}", what);
        }
    }

    /** A report of removed revisions soon, shared by the PACKAGES_REFRESHED events of one burst. */
    void reportRemovedSoon() {
        once(removedReportQueued, "reporting removed revisions", () -> retired.reportRemoved(null), REMOVED_REPORT_DELAY_MS);
    }

    OwnedExecutor executor() {
        return executor;
    }

    /**
     * Queues a task on the tracker's thread unless one queued by the same flag has not started yet: the requests that
     * come meanwhile share it. The flag is cleared as the task starts, so a request from then on queues another.
     */
    private void once(AtomicBoolean queued, String what, Runnable task, long delayMillis) {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        if (executor.trySchedule(safely(what, () -> {
            queued.set(false);
            task.run();
        }), delayMillis, TimeUnit.MILLISECONDS) == null) {
            queued.set(false); // stopping
        }
    }

    // ---------------------------------------------------------------- events (framework threads): see EventAttribution

    /**
     * Attributes a bundle event to an operation, opening an implicit one when its thread has none. Called on the
     * thread that fired the event, before any listener sees it.
     *
     * @return the operation id
     */
    public String bundleEvent(BundleEvent event) {
        return attribution.bundleEvent(event);
    }

    /**
     * What an uninstall left, for {@code uninstall.record}: called on the uninstalling thread right after the
     * UNINSTALLED event was attributed, while the framework has not cleaned up yet.
     *
     * @return the details of the record
     */
    public Map<String, Object> uninstallRecord(Bundle bundle, String operation) {
        return attribution.uninstallRecord(bundle, operation);
    }

    /**
     * Attributes a service event to the operation open on the firing thread (service events never open one) and
     * notes a service unregistered while others still used it.
     *
     * @param using the bundles using it at UNREGISTERING, or {@code null}
     * @return the operation id, or {@code null}
     */
    public String serviceEvent(ServiceReference<?> ref, int type, Bundle[] using) {
        return attribution.serviceEvent(ref, type, using);
    }

    /**
     * Attributes a framework event (delivered on the framework's event thread, after the fact): PACKAGES_REFRESHED
     * ends an implicit refresh, STARTLEVEL_CHANGED and STARTED end a start-level change, an error about a bundle
     * goes to the open operation that involves that bundle.
     *
     * @return the operation id, or {@code null}
     */
    public String frameworkEvent(FrameworkEvent event) {
        return attribution.frameworkEvent(event);
    }

    /**
     * A resolve begins on the calling thread (the resolver hook's begin): attributed to the thread's operation, or
     * to a new implicit {@code resolve} operation.
     *
     * @return the operation id
     */
    public String resolveBegin(Collection<BundleRevision> triggers) {
        return attribution.resolveBegin(triggers);
    }

    /** @see RefreshTracking#refresh */
    RefreshRecordDTO refresh(String caller, Collection<Bundle> bundles, long timeoutMillis)
            throws InterruptedException, TimeoutException {
        return refreshes.refresh(caller, bundles, timeoutMillis);
    }

    /** @return whether a refresh requested through the audit has not ended yet (see {@link RefreshTracking#expected}) */
    boolean refreshing() {
        return refreshes.expected() != null;
    }

    // ---------------------------------------------------------------- tracker thread

    /** Ends implicit operations whose thread has been quiet long enough and that have no transition running. */
    private void sweep() {
        long now = System.nanoTime();
        for (OperationState s : stacks.open()) {
            if (!s.implicit || s.isEnded()) {
                continue;
            }
            boolean refresh = s == refreshes.implicitRefresh();
            long limit = refresh ? refreshIdleNanos : idleNanos;
            if (now - s.lastEventNanos() < limit || transitionRunning(s)) {
                continue;
            }
            Thread t = s.thread();
            if (t == null || stacks.removeIfQuiet(t, s, limit)) {
                if (refresh) {
                    s.outcome(Operation.SUCCEEDED, "the framework did not report the refresh done (no PACKAGES_REFRESHED)");
                    refreshes.finishImplicitRefresh(s);
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
