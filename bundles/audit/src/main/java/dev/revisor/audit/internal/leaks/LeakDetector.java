package dev.revisor.audit.internal.leaks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
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

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.LeakChainDTO;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.Leaks;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.internal.EventTypes;
import dev.revisor.audit.internal.LifecycleTap;
import dev.revisor.audit.internal.operations.RefreshObserver;
import dev.revisor.audit.internal.operations.RetiredRevision;
import dev.revisor.common.internal.Lazy;
import dev.revisor.common.internal.OwnedExecutor;

/**
 * Leak detection after live updates: the {@link Leaks} service and the component that owns the leak checks.
 * <p>
 * How: the class loader of each bundle's current revision is known (weakly, in a {@link LoaderRef}) from the moment
 * the bundle resolves or starts. When a bundle stops, its revision is checked for threads, ThreadLocal values, held
 * services and JVM-global registrations. The revisions that an update, uninstall or refresh took out of use come from
 * the operation tracker's {@link RefreshObserver} hook, once the framework has removed them (after the refresh, or at
 * once when nothing was wired to them), with their class loaders captured before the framework disposed of the
 * wiring: each is retired and also checked for being a zombie, its loader still reachable after {@code System.gc()},
 * confirmed by a second collection.
 * <p>
 * Parts: {@link LoaderBook} (class-loader bookkeeping and held services, under one lock), {@link CheckRound} (the
 * thread scan and the GC check), {@link FindingBook} (found, resolved, explained), {@link LeakTexts} (summaries and
 * fixes), {@link CheckPacer} (when a check may run), {@link Explainer} (reference chains from a heap dump).
 * <p>
 * Threads: listeners and the hook only note and queue; every check runs on the component's own thread
 * {@value #THREAD_NAME}; the heap analyzer's kill timer has a thread of its own ({@value #TIMER_THREAD_NAME}), so a
 * long check never delays it. Both are {@link OwnedExecutor}s, stopped on deactivation. Concurrent Semantics: thread
 * safe.
 */
@Component(configurationPid = LeakDetector.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = {Leaks.class, LeakDetector.class, RefreshObserver.class, LifecycleTap.class})
@Designate(ocd = LeakDetector.Config.class)
public final class LeakDetector implements Leaks, RefreshObserver, LifecycleTap {
    static final String PID = "dev.revisor.audit.leaks";
    static final String THREAD_NAME = "revisor-leaks";
    static final String TIMER_THREAD_NAME = "revisor-leaks-analyzer-timer";

    @ObjectClassDefinition(name = "Revisor leak detection",
            description = "How old bundle revisions are checked for leaks after live updates, and how zombies are explained")
    public @interface Config {
        @AttributeDefinition(description = "Quiet milliseconds before a check: it runs once no stop, retired revision or "
                + "unregistered service came for this long, so that one update, refresh or burst of changes is checked once")
        long check_delay_ms() default 50;

        @AttributeDefinition(description = "While changes keep coming without such a quiet time, a check still runs this "
                + "many milliseconds after the oldest unchecked change")
        long check_max_delay_ms() default 5000;

        @AttributeDefinition(description = "Milliseconds from the end of a check that collected garbage (System.gc(), "
                + "for retired revisions and held service objects) to the start of the next such check, at least")
        long min_gc_interval_ms() default 250;

        @AttributeDefinition(description = "At most this share (percent) of the time goes to the leak checks' garbage "
                + "collections: after a collecting check that took T ms the next waits T * (100 / share - 1) ms, at "
                + "least min.gc.interval.ms; 0 or 100: no such limit")
        int max_gc_share_percent() default 5;

        @AttributeDefinition(description = "Milliseconds a thread found in a first scan may take to end before it is reported")
        long thread_grace_ms() default 200;

        @AttributeDefinition(description = "Milliseconds between the first and the confirming garbage collection of a zombie check")
        long confirm_delay_ms() default 100;

        @AttributeDefinition(description = "Class path of the heap analyzer; empty: ${revisor.lib}/heap-analyzer/*, "
                + "else ${revisor.dist}/lib/heap-analyzer/*")
        String analyzer_classpath() default "";

        @AttributeDefinition(description = "Maximum heap of the analyzer JVM (its -Xmx)")
        String analyzer_max_heap() default "768m";

        @AttributeDefinition(description = "Seconds the analysis of one heap dump may take before it is stopped")
        int analyzer_timeout_seconds() default 60;

        @AttributeDefinition(description = "Folder of heap dumps; empty: ${revisor.data}/leaks, or the bundle's data area")
        String dump_directory() default "";

        @AttributeDefinition(description = "Keep heap dumps after the analysis (they are deleted otherwise)")
        boolean keep_dumps() default false;
    }

    private final BundleContext context;
    private final Journal journal;
    private final Logger logger;
    private final LoaderBook book = new LoaderBook();
    private final FindingBook findings = new FindingBook();
    private final Config config;
    /** Made once by {@link #jvm()}: on revisor-leaks right after activation, or by the first caller that needs it. */
    private final Lazy<Jvm> jvm = new Lazy<>(this::inspectJvm);
    private final Explainer explainer;
    private final OwnedExecutor executor;
    private final OwnedExecutor analyzerTimer;
    /** Guards {@link #pacer} and {@link #tickQueued}. */
    private final Object pacerLock = new Object();
    /** when the next check may run */
    private final CheckPacer pacer;
    /** whether a tick of the pacer is queued on the executor */
    private boolean tickQueued;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Operations operations;

    /** Makes the parts; starts nothing (see {@link #activate}). */
    @Activate
    public LeakDetector(BundleContext context, Config config, @Reference Journal journal, @Reference LoggerFactory loggers) {
        this.context = context;
        this.journal = journal;
        this.logger = loggers.getLogger(LeakDetector.class);
        this.pacer = new CheckPacer(TimeUnit.MILLISECONDS.toNanos(config.check_delay_ms()),
                TimeUnit.MILLISECONDS.toNanos(config.check_max_delay_ms()),
                TimeUnit.MILLISECONDS.toNanos(config.min_gc_interval_ms()), config.max_gc_share_percent());
        this.executor = new OwnedExecutor(THREAD_NAME, t -> logger.error("leak check failed: {}", t.toString(), t));
        executor.setRemoveOnCancelPolicy(true);
        this.analyzerTimer = new OwnedExecutor(TIMER_THREAD_NAME,
                t -> logger.error("stopping the heap analyzer failed: {}", t.toString(), t));
        analyzerTimer.setRemoveOnCancelPolicy(true);
        this.config = config;
        this.explainer = new Explainer(context, config, logger, analyzerTimer);
    }

    /**
     * Learns the loaders of the bundles already resolved; then, on revisor-leaks (before any check, which runs on
     * that thread too), looks at this JVM and says what the leak detection cannot do here.
     */
    @Activate
    public void activate() {
        for (Bundle b : context.getBundles()) {
            if ((b.getState() & (Bundle.RESOLVED | Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
                book.capture(b);
            }
        }
        executor.execute(() -> {
            Jvm j = jvm();
            if (j.internals.note() != null) {
                logger.warn("leak detection: {}", j.internals.note());
            }
            if (j.gc.note() != null) {
                logger.warn("leak detection: {}", j.gc.note());
            }
        });
    }

    /**
     * What the checks need to know about this JVM: the JDK internals they may read, what {@code System.gc()} does
     * (read from the JVM's management bean), and the check round built on both. Made once, off the bundle's start:
     * the reflective look-ups and the management beans are most of what the leak detector would cost it.
     */
    private Jvm jvm() {
        return jvm.get();
    }

    private Jvm inspectJvm() {
        Internals internals = new Internals();
        GcMode gc = GcMode.detect();
        return new Jvm(internals, gc, new CheckRound(book, internals, gc, config.thread_grace_ms(),
                config.confirm_delay_ms(), logger));
    }

    /** See {@link #jvm()}. Concurrent Semantics: immutable. */
    private static final class Jvm {
        final Internals internals;
        final GcMode gc;
        final CheckRound rounds;

        Jvm(Internals internals, GcMode gc, CheckRound rounds) {
            this.internals = internals;
            this.gc = gc;
            this.rounds = rounds;
        }
    }

    @Deactivate
    void deactivate() {
        if (!executor.closeNow(5_000)) {
            logger.warn("the {} thread did not end within 5 s", THREAD_NAME);
        }
        analyzerTimer.closeNow(1_000);
    }

    // ---- framework threads: capture and queue only ----

    @Override
    public void bundleEvent(BundleEvent event) {
        Bundle b = event.getBundle();
        if (b.getBundleId() == 0) {
            return;
        }
        switch (event.getType()) {
            case BundleEvent.RESOLVED:
            case BundleEvent.STARTING:
                book.capture(b);
                break;
            case BundleEvent.STOPPED:
                // a plain stop: the hook says nothing about it (the revision stays in use); its threads are checked
                book.stopped(b.getBundleId());
                schedule(false);
                break;
            default:
                // UPDATED, UNRESOLVED, UNINSTALLED: the revisions they take out of use come from the hook
                break;
        }
    }

    @Override
    public void serviceEvent(ServiceEvent event) {
        if (event.getType() != ServiceEvent.UNREGISTERING) {
            return;
        }
        ServiceWatch w = ServiceWatch.of(event.getServiceReference(), context, context.getBundle().getBundleId(),
                book::current, currentOperation(), logger);
        if (w != null) {
            book.serviceUnregistered(w);
            schedule(true);
        }
    }

    private String currentOperation() {
        Operations ops = operations;
        if (ops == null) {
            return null;
        }
        try {
            OperationDTO op = ops.current();
            return op == null ? null : op.id;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Notes work for a check and makes sure a tick of the pacer is queued; the check itself runs when the pacer says
     * (docs/leaks.md: a quiet time, at most a delay, and spaced garbage collections).
     *
     * @param gc whether the check of this work needs a garbage collection (a retired revision, a held service object)
     */
    private void schedule(boolean gc) {
        long delay;
        synchronized (pacerLock) {
            long now = System.nanoTime();
            pacer.work(now, gc);
            if (tickQueued) {
                return;
            }
            tickQueued = true;
            delay = Math.max(0, pacer.due() - now);
        }
        if (executor.trySchedule(this::tick, delay, TimeUnit.NANOSECONDS) == null) {
            synchronized (pacerLock) {
                tickQueued = false; // stopping
            }
        }
    }

    /** On revisor-leaks: runs the check if it is due, else comes back when it will be. */
    private void tick() {
        synchronized (pacerLock) {
            if (!pacer.pending()) {
                tickQueued = false;
                return;
            }
            long wait = pacer.due() - System.nanoTime();
            if (wait > 0) {
                if (executor.trySchedule(this::tick, wait, TimeUnit.NANOSECONDS) == null) {
                    tickQueued = false; // stopping
                }
                return;
            }
            tickQueued = false;
        }
        checkRound(false);
    }

    // ---- the hook of the operation tracker (RefreshObserver), on revisor-audit-operations: note and queue ----

    @Override
    public void refreshed(RefreshRecordDTO record, List<RetiredRevision> revisions) {
        retire(record.operation, revisions);
    }

    @Override
    public void removed(String operation, List<RetiredRevision> revisions) {
        retire(operation, revisions);
    }

    /**
     * Retires the revisions the framework took out of use: each is checked in a next round (threads, ThreadLocals,
     * JVM-global registrations, and whether its loader is a zombie).
     */
    void retire(String operation, List<RetiredRevision> revisions) {
        if (book.retire(operation, revisions)) {
            schedule(true);
        }
    }

    // ---- the check, on revisor-leaks ----

    private void checkRound(boolean onDemand) {
        long start = System.nanoTime();
        CheckRound.Round round = new CheckRound.Round();
        try {
            checkRound(round, onDemand, start);
        } finally {
            synchronized (pacerLock) {
                pacer.ended(System.nanoTime(), round.gcs, round.gcNanos);
            }
        }
    }

    private void checkRound(CheckRound.Round round, boolean onDemand, long start) {
        synchronized (pacerLock) {
            pacer.started();
        }
        List<LoaderRef> forThreads = new ArrayList<>();
        round.knownSubjects.addAll(findings.subjects());
        book.take(round, onDemand, forThreads, findings.revisions(), id -> {
            Bundle b = context.getBundle(id);
            return b == null || (b.getState() & (Bundle.ACTIVE | Bundle.STARTING | Bundle.STOPPING)) == 0;
        });
        for (LoaderRef ref : forThreads) {
            round.threadRefs.put(ref.key, ref);
        }
        round.checked.addAll(round.threadRefs.values());
        if (round.threadRefs.isEmpty() && round.services.isEmpty()) {
            return;
        }
        CheckRound rounds = jvm().rounds;
        List<LeakTexts.Draft> drafts = new ArrayList<>(rounds.scanLive(round.threadRefs.values(), book.inUse(),
                round.knownSubjects));
        drafts.addAll(rounds.collect(round));
        record(round, drafts, (System.nanoTime() - start) / 1_000_000, onDemand);
    }

    private void record(CheckRound.Round round, List<LeakTexts.Draft> drafts, long millis, boolean onDemand) {
        FindingBook.Changes changes = findings.record(drafts, round.checked, round.collecting);
        for (LeakFindingDTO f : changes.found) {
            journal.record(EventTypes.LEAK_FOUND, f.operation, installed(f.bundle), LeakTexts.foundDetails(f));
        }
        for (Map.Entry<LeakFindingDTO, LoaderRef> e : changes.resolved.entrySet()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("finding", e.getKey().id);
            details.put("kind", e.getKey().kind);
            details.put("revision", LeakTexts.revisionDetails(e.getValue()));
            journal.record(EventTypes.LEAK_RESOLVED, null, installed(e.getKey().bundle), details);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("revisions", round.checked.stream().map(LeakTexts::revisionDetails).collect(Collectors.toList()));
        details.put("found", changes.found.size());
        details.put("resolved", changes.resolved.size());
        details.put("current", findings.findings().size());
        details.put("millis", millis);
        details.put("gc", jvm().gc.mode());
        details.put("gcs", round.gcs);
        details.put("gcMillis", round.gcNanos / 1_000_000);
        details.put("inspectable", jvm().internals.missing().isEmpty());
        details.put("onDemand", onDemand);
        String op = round.checked.stream().map(r -> r.operation).filter(o -> o != null).findFirst().orElse(null);
        journal.record(EventTypes.LEAK_CHECKED, op, null, details);
    }

    private Bundle installed(BundleRefDTO ref) {
        return ref == null ? null : context.getBundle(ref.id);
    }

    // ---- the Leaks service ----

    @Override
    public List<LeakFindingDTO> findings() {
        return findings.findings();
    }

    @Override
    public List<LeakFindingDTO> check() {
        try {
            executor.submit(() -> checkRound(true)).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking for leaks", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the leak check failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the leak check did not end within 60 s", e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("the leak detection is stopping", e);
        }
        return findings();
    }

    @Override
    public List<LeakFindingDTO> explain(Consumer<String> progress) {
        List<LeakFindingDTO> list = check();
        Map<String, LeakFindingDTO> byKey = findings.zombiesToExplain();
        if (byKey.isEmpty()) {
            progress.accept("no zombie revision to explain");
            return list;
        }
        Map<String, LeakChainDTO> chains = explainer.explain(byKey.keySet(), progress);
        for (Map.Entry<String, LeakFindingDTO> e : byKey.entrySet()) {
            LeakChainDTO chain = chains.get(e.getKey());
            findings.explained(e.getValue().id, chain); // under the book's lock: readers get copies
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("finding", e.getValue().id);
            details.put("status", chain == null ? "failed" : chain.status);
            if (chain != null) {
                details.put("millis", chain.millis);
                if (chain.text != null) {
                    details.put("chain", chain.text);
                }
                if (chain.message != null) {
                    details.put("message", chain.message);
                }
                if (chain.dumpFile != null) {
                    details.put("dumpFile", chain.dumpFile);
                }
            }
            journal.record(EventTypes.LEAK_EXPLAINED, e.getValue().operation, installed(e.getValue().bundle), details);
        }
        return findings();
    }
    /** @return how many revisions are out of use and still removal-pending (the hook reports them after a refresh) */
    private int removalPendingRevisions() {
        int n = 0;
        for (Bundle b : context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).getRemovalPendingBundles()) {
            BundleRevisions revisions = b.adapt(BundleRevisions.class);
            if (revisions == null) {
                continue;
            }
            BundleRevision cur = b.getState() == Bundle.UNINSTALLED ? null : b.adapt(BundleRevision.class);
            for (BundleRevision rev : revisions.getRevisions()) {
                if (rev != cur && rev.getWiring() != null) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public LeakStatusDTO status() {
        LeakStatusDTO s = new LeakStatusDTO();
        Jvm j = jvm();
        s.gc = j.gc.mode();
        s.inspectable = j.internals.missing().isEmpty();
        s.notes = new ArrayList<>();
        if (j.gc.note() != null) {
            s.notes.add(j.gc.note());
        }
        if (j.internals.note() != null) {
            s.notes.add(j.internals.note());
        }
        int pending = removalPendingRevisions();
        s.pending = pending + book.retiredWaiting();
        s.analyzer = explainer.describe();
        return s;
    }

    /** @return the thread that runs the checks (for tests) */
    OwnedExecutor checkExecutor() {
        return executor;
    }

    /** @return the thread that stops a hung heap analyzer (for tests) */
    OwnedExecutor analyzerTimer() {
        return analyzerTimer;
    }
}
