package dev.revisor.audit.internal.leaks;

import java.lang.ref.WeakReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWiring;
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
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.Leaks;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.ServiceLeakDTO;
import dev.revisor.audit.api.ThreadLeakDTO;
import dev.revisor.audit.internal.LifecycleTap;
import dev.revisor.audit.internal.operations.RefreshObserver;
import dev.revisor.audit.internal.operations.RetiredRevision;

/**
 * Leak detection after live updates: the {@link Leaks} service.
 * <p>
 * How: the class loader of each bundle's current revision is known (weakly, in a {@link LoaderRef}) from the moment
 * the bundle resolves or starts. When a bundle stops, its revision is checked for threads, ThreadLocal values, held
 * services and JVM-global registrations. The revisions that an update, uninstall or refresh took out of use come from
 * the operation tracker's {@link RefreshObserver} hook, once the framework has removed them (after the refresh, or at
 * once when nothing was wired to them), with their class loaders captured before the framework disposed of the
 * wiring: each is retired and also checked for being a zombie, its loader still reachable after {@code System.gc()},
 * confirmed by a second collection.
 * <p>
 * Entry points: the {@link RefreshObserver} calls (on the tracker's thread) for retired revisions; the bundle and
 * service events the audit's recorder hands to its {@link LifecycleTap}s, only for what the hook does not tell: the
 * current revision of each bundle (RESOLVED, STARTING), plain stops (STOPPED), and services unregistered while others
 * held them. A revision is retired only by the hook, so never twice.
 * <p>
 * Threads: listeners and the hook only note and queue; every check runs on the component's own thread
 * {@code revisor-leaks}, stopped on deactivation. Concurrent Semantics: thread safe; state is guarded by {@code lock}.
 */
@Component(configurationPid = LeakDetector.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = {Leaks.class, LeakDetector.class, RefreshObserver.class, LifecycleTap.class})
@Designate(ocd = LeakDetector.Config.class)
public final class LeakDetector implements Leaks, RefreshObserver, LifecycleTap {
    static final String PID = "dev.revisor.audit.leaks";
    private static final Pattern FELIX_REVISION = Pattern.compile("\\(R ([^)]+)\\)");
    private static final int MAX_REPLACED = 10_000;

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

    /** A service unregistered while other bundles still had it. */
    private static final class ServiceWatch {
        final long serviceId;
        final List<String> objectClass;
        final String objectType;
        final WeakReference<Object> object;
        final List<BundleRefDTO> holders;
        final LoaderRef provider;
        final String operation;

        ServiceWatch(long serviceId, List<String> objectClass, String objectType, WeakReference<Object> object,
                List<BundleRefDTO> holders, LoaderRef provider, String operation) {
            this.serviceId = serviceId;
            this.objectClass = objectClass;
            this.objectType = objectType;
            this.object = object;
            this.holders = holders;
            this.provider = provider;
            this.operation = operation;
        }
    }

    /** A finding and the revision it is about. */
    private static final class Finding {
        final LeakFindingDTO dto;
        final LoaderRef ref;

        Finding(LeakFindingDTO dto, LoaderRef ref) {
            this.dto = dto;
            this.ref = ref;
        }
    }

    private final BundleContext context;
    private final Journal journal;
    private final Logger logger;
    private final Config config;
    private final Internals internals = new Internals();
    private final ThreadScan threadScan = new ThreadScan(internals);
    private final GlobalScan globalScan = new GlobalScan(internals);
    private final GcMode gc = GcMode.detect();
    private final Explainer explainer;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicLong refSeq = new AtomicLong();
    /**
     * Makes loader keys unique in the JVM, not only in this detector: after a framework restart in the same process
     * (or several frameworks in one JVM, as in the integration tests) an older detector's references may still be in
     * the heap, and the analyzer must not take one of them for ours.
     */
    private final String keyPrefix = "r" + Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16, 36) + "-";
    private final AtomicLong findingSeq = new AtomicLong();

    private final Object lock = new Object();
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
    private final java.util.Set<LoaderRef> stopped = new java.util.LinkedHashSet<>();
    /** confirmed zombies, kept for re-checks and explanations (weakly, as every LoaderRef) */
    private final Map<String, LoaderRef> zombies = new LinkedHashMap<>();
    /** services unregistered while held, waiting for their first check */
    private final List<ServiceWatch> services = new ArrayList<>();
    /** services found still held, looked at again in each check that collects garbage */
    private final List<ServiceWatch> heldServices = new ArrayList<>();
    /** when the next check may run */
    private final CheckPacer pacer;
    /** whether a tick of the pacer is queued on the executor */
    private boolean tickQueued;
    /** subject → finding, oldest first */
    private final Map<String, Finding> findings = new LinkedHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Operations operations;

    @Activate
    public LeakDetector(BundleContext context, Config config, @Reference Journal journal, @Reference LoggerFactory loggers) {
        this.context = context;
        this.journal = journal;
        this.config = config;
        this.logger = loggers.getLogger(LeakDetector.class);
        this.pacer = new CheckPacer(TimeUnit.MILLISECONDS.toNanos(config.check_delay_ms()),
                TimeUnit.MILLISECONDS.toNanos(config.check_max_delay_ms()),
                TimeUnit.MILLISECONDS.toNanos(config.min_gc_interval_ms()), config.max_gc_share_percent());
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "revisor-leaks");
            t.setDaemon(true);
            return t;
        }) {
            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                super.afterExecute(r, t);
                if (t == null && r instanceof Future<?> && ((Future<?>) r).isDone()) {
                    try {
                        ((Future<?>) r).get();
                    } catch (ExecutionException e) {
                        t = e.getCause();
                    } catch (InterruptedException | java.util.concurrent.CancellationException e) {
                        // cancelled or stopping
                    }
                }
                if (t != null) {
                    logger.error("leak check failed: {}", t.toString(), t);
                }
            }
        };
        executor.setRemoveOnCancelPolicy(true);
        this.explainer = new Explainer(context, config, logger, executor);
        for (Bundle b : context.getBundles()) {
            if ((b.getState() & (Bundle.RESOLVED | Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
                capture(b);
            }
        }
        if (internals.note() != null) {
            logger.warn("leak detection: {}", internals.note());
        }
        if (gc.note() != null) {
            logger.warn("leak detection: {}", gc.note());
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        executor.shutdownNow();
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
            logger.warn("the revisor-leaks thread did not end within 5 s");
        }
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
                capture(b);
                break;
            case BundleEvent.STOPPED:
                // a plain stop: the hook says nothing about it (the revision stays in use); its threads are checked
                synchronized (lock) {
                    LoaderRef ref = current.get(b.getBundleId());
                    if (ref != null) {
                        stopped.add(ref);
                    }
                }
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
        ServiceReference<?> ref = event.getServiceReference();
        Bundle provider = ref.getBundle();
        Bundle[] using = ref.getUsingBundles();
        if (provider == null || using == null || provider.getBundleId() == context.getBundle().getBundleId()) {
            return;
        }
        List<BundleRefDTO> holders = new ArrayList<>();
        for (Bundle u : using) {
            if (u.getBundleId() != provider.getBundleId() && u.getBundleId() != context.getBundle().getBundleId()) {
                holders.add(BundleRefDTO.of(u));
            }
        }
        if (holders.isEmpty()) {
            return;
        }
        WeakReference<Object> object = null;
        String type = null;
        if (Constants.SCOPE_SINGLETON.equals(ref.getProperty(Constants.SERVICE_SCOPE))) {
            // the one object every user shares: hold it weakly to see whether anyone keeps it
            try {
                Object service = context.getService(ref);
                if (service != null) {
                    object = new WeakReference<>(service);
                    type = service.getClass().getName();
                }
            } catch (RuntimeException e) {
                logger.debug("cannot look at service {} while it is unregistered: {}", ref.getProperty(Constants.SERVICE_ID), e.toString());
            } finally {
                context.ungetService(ref);
            }
        }
        Object classes = ref.getProperty(Constants.OBJECTCLASS);
        List<String> objectClass = classes instanceof String[] ? List.of((String[]) classes) : List.of(String.valueOf(classes));
        long id = ((Number) ref.getProperty(Constants.SERVICE_ID)).longValue();
        synchronized (lock) {
            services.add(new ServiceWatch(id, objectClass, type, object, holders, current.get(provider.getBundleId()),
                    currentOperation()));
        }
        schedule(true);
    }

    private void capture(Bundle b) {
        BundleWiring wiring = b.adapt(BundleWiring.class);
        if (wiring == null || (wiring.getRevision().getTypes() & BundleRevision.TYPE_FRAGMENT) != 0) {
            return;
        }
        ClassLoader loader = wiring.getClassLoader();
        if (loader == null) {
            return;
        }
        synchronized (lock) {
            LoaderRef existing = current.get(b.getBundleId());
            if (existing != null && existing.get() == loader) {
                return;
            }
            if (existing != null) {
                // a new wiring: the old one is retired when the hook reports it (after the refresh)
                replacedLocked(existing);
            }
            current.put(b.getBundleId(), new LoaderRef(keyPrefix + refSeq.incrementAndGet(), loader, BundleRefDTO.of(b),
                    revisionName(wiring.getRevision())));
        }
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

    static String revisionName(BundleRevision revision) {
        return revisionName(String.valueOf(revision));
    }

    /** @return Felix's revision id ({@code 12.0} of {@code org.example.x [12](R 12.0)}), else the name as it is */
    static String revisionName(String revision) {
        Matcher m = FELIX_REVISION.matcher(revision);
        return m.find() ? m.group(1) : revision;
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
        synchronized (lock) {
            long now = System.nanoTime();
            pacer.work(now, gc);
            if (tickQueued) {
                return;
            }
            tickQueued = true;
            delay = Math.max(0, pacer.due() - now);
        }
        try {
            executor.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (lock) {
                tickQueued = false; // stopping
            }
        }
    }

    /** On revisor-leaks: runs the check if it is due, else comes back when it will be. */
    private void tick() {
        synchronized (lock) {
            if (!pacer.pending()) {
                tickQueued = false;
                return;
            }
            long wait = pacer.due() - System.nanoTime();
            if (wait > 0) {
                try {
                    executor.schedule(this::tick, wait, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
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
        boolean queued = false;
        synchronized (lock) {
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
                    ref = new LoaderRef(keyPrefix + refSeq.incrementAndGet(), cl, r.bundle(), revisionName(r.revision()));
                } else if (retired.contains(ref) || zombies.containsKey(ref.key)) {
                    continue; // reported before: retired once
                }
                ref.how = r.uninstalled() ? "uninstall" : r.wasCurrent() ? "refresh" : "update";
                ref.operation = operation;
                retired.add(ref);
                queued = true;
            }
        }
        if (queued) {
            schedule(true);
        }
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
        for (java.util.Iterator<LoaderRef> it = replaced.iterator(); it.hasNext();) {
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

    // ---- the check, on revisor-leaks ----

    /** What one round checks; built under the lock, used without it. */
    private static final class Round {
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

    /** One leak found in this round, before it becomes a finding. */
    private static final class Draft {
        final String subject;
        final LoaderRef ref;
        final LeakFindingDTO dto;

        Draft(String subject, LoaderRef ref, LeakFindingDTO dto) {
            this.subject = subject;
            this.ref = ref;
            this.dto = dto;
        }
    }

    private void checkRound(boolean onDemand) {
        long start = System.nanoTime();
        Round round = new Round();
        try {
            checkRound(round, onDemand, start);
        } finally {
            synchronized (lock) {
                pacer.ended(System.nanoTime(), round.gcs, round.gcNanos);
            }
        }
    }

    private void checkRound(Round round, boolean onDemand, long start) {
        synchronized (lock) {
            pacer.started();
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
            List<LoaderRef> forThreads = new ArrayList<>(round.zombieCandidates);
            forThreads.addAll(stopped);
            stopped.clear();
            for (ServiceWatch w : round.services) {
                if (w.provider != null) {
                    forThreads.add(w.provider);
                }
            }
            for (Finding f : findings.values()) {
                forThreads.add(f.ref);
            }
            round.knownSubjects.addAll(findings.keySet());
            if (onDemand) {
                // also what is out of use and not retired yet: removal-pending revisions (replaced by a newer
                // wiring, or of an uninstalled bundle) and the revisions of bundles that are not active
                replaced.removeIf(r -> r.get() == null);
                forThreads.addAll(replaced);
                for (Map.Entry<Long, LoaderRef> e : current.entrySet()) {
                    Bundle b = context.getBundle(e.getKey());
                    if (b == null || (b.getState() & (Bundle.ACTIVE | Bundle.STARTING | Bundle.STOPPING)) == 0) {
                        forThreads.add(e.getValue());
                    }
                }
            }
            for (LoaderRef ref : forThreads) {
                round.threadRefs.put(ref.key, ref);
            }
            round.checked.addAll(round.threadRefs.values());
        }
        if (round.threadRefs.isEmpty() && round.services.isEmpty()) {
            return;
        }
        List<LoaderRef> inUse;
        synchronized (lock) {
            inUse = new ArrayList<>(current.values());
        }
        List<Draft> drafts = new ArrayList<>(scanLive(round.threadRefs.values(), inUse, round.knownSubjects));
        drafts.addAll(collect(round));
        record(round, drafts, (System.nanoTime() - start) / 1_000_000, onDemand);
    }

    /** Phase 1: threads, ThreadLocals and JVM-global registrations, which need the loaders strongly for a moment. */
    private List<Draft> scanLive(Collection<LoaderRef> refs, Collection<LoaderRef> inUse, Set<String> knownSubjects) {
        Map<ClassLoader, LoaderRef> loaders = new IdentityHashMap<>();
        for (LoaderRef ref : refs) {
            ClassLoader cl = ref.get();
            if (cl != null) {
                loaders.put(cl, ref);
            }
        }
        List<Draft> drafts = new ArrayList<>();
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
            long deadline = System.nanoTime() + config.thread_grace_ms() * 1_000_000L;
            Set<Thread> again = new java.util.LinkedHashSet<>();
            for (ThreadScan.Hit h : first) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                boolean reported = knownSubjects.contains(h.subject() + ":" + h.ref.key); // had its grace before
                if (h.kind.equals("thread") && !reported && left > 0 && h.thread.isAlive()) {
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
                drafts.add(threadDraft(h));
            }
        }
        for (GlobalScan.Hit h : globalScan.scan(loaders)) {
            drafts.add(globalDraft(h));
        }
        return drafts;
    }

    /** Phase 2: garbage collection, then what is still reachable: zombie loaders and stale service objects. */
    private List<Draft> collect(Round round) {
        List<Draft> drafts = new ArrayList<>();
        boolean anyAlive = round.zombieCandidates.stream().anyMatch(r -> r.get() != null)
                || round.services.stream().anyMatch(w -> w.object != null && w.object.get() != null);
        if (!anyAlive) {
            return drafts;
        }
        if (gc.disabled()) {
            logger.warn("leak detection: {}: the zombie check of {} revision(s) is skipped", gc.note(), round.zombieCandidates.size());
            synchronized (lock) {
                for (LoaderRef ref : round.zombieCandidates) {
                    if (ref.get() != null) {
                        zombies.putIfAbsent(ref.key, ref);
                    }
                }
            }
            return drafts;
        }
        collectGarbage(round);
        // a new candidate still there: a moment later, a second collection confirms it (confirmed zombies and
        // services known to be held need no second one: they only go on being what they were)
        boolean survivors = round.zombieCandidates.stream().anyMatch(r -> r.get() != null && !round.knownZombies.contains(r))
                || round.services.stream().anyMatch(w -> !round.heldBefore.contains(w) && w.object != null && w.object.get() != null);
        if (survivors) {
            try {
                Thread.sleep(config.confirm_delay_ms());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return drafts;
            }
            collectGarbage(round);
        }
        Set<LoaderRef> zombieNow = new HashSet<>();
        synchronized (lock) {
            for (LoaderRef ref : round.zombieCandidates) {
                if (ref.get() != null) {
                    zombies.putIfAbsent(ref.key, ref);
                    zombieNow.add(ref);
                } else {
                    zombies.remove(ref.key);
                }
            }
        }
        for (LoaderRef ref : zombieNow) {
            drafts.add(zombieDraft(ref));
        }
        for (ServiceWatch w : round.services) {
            boolean held = w.object != null ? w.object.get() != null : w.provider != null && zombieNow.contains(w.provider);
            if (held && w.provider != null) {
                drafts.add(serviceDraft(w));
                round.checked.add(w.provider);
            }
            if (held) {
                // looked at again in every later collecting round, until the holder lets go
                synchronized (lock) {
                    heldServices.add(w);
                }
            }
        }
        return drafts;
    }

    private void collectGarbage(Round round) {
        long t0 = System.nanoTime();
        round.gcs += gc.collect(() -> round.zombieCandidates.stream().allMatch(r -> r.get() == null));
        round.gcNanos += System.nanoTime() - t0;
    }

    private void record(Round round, List<Draft> drafts, long millis, boolean onDemand) {
        Map<String, Draft> bySubject = new LinkedHashMap<>();
        for (Draft d : drafts) {
            bySubject.putIfAbsent(d.subject, d);
        }
        List<Finding> added = new ArrayList<>();
        List<Finding> gone = new ArrayList<>();
        synchronized (lock) {
            for (Draft d : bySubject.values()) {
                if (!findings.containsKey(d.subject)) {
                    d.dto.id = "leak-" + findingSeq.incrementAndGet();
                    d.dto.found = Instant.now().toString();
                    Finding f = new Finding(d.dto, d.ref);
                    findings.put(d.subject, f);
                    added.add(f);
                }
            }
            for (java.util.Iterator<Map.Entry<String, Finding>> it = findings.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Finding> e = it.next();
                String kind = e.getValue().dto.kind;
                boolean judgedByGc = kind.equals(LeakFindingDTO.ZOMBIE) || kind.equals(LeakFindingDTO.SERVICE);
                boolean checkedNow = (round.checked.contains(e.getValue().ref) && (round.collecting || !judgedByGc))
                        || e.getValue().ref.get() == null;
                if (checkedNow && !bySubject.containsKey(e.getKey())) {
                    it.remove();
                    gone.add(e.getValue());
                }
            }
        }
        for (Finding f : added) {
            journal.record("leak.found", f.dto.operation, installed(f.dto.bundle), foundDetails(f.dto));
        }
        for (Finding f : gone) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("finding", f.dto.id);
            details.put("kind", f.dto.kind);
            details.put("revision", revisionDetails(f.ref));
            journal.record("leak.resolved", null, installed(f.dto.bundle), details);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("revisions", round.checked.stream().map(LeakDetector::revisionDetails).collect(Collectors.toList()));
        details.put("found", added.size());
        details.put("resolved", gone.size());
        details.put("current", findings().size());
        details.put("millis", millis);
        details.put("gc", gc.mode());
        details.put("gcs", round.gcs);
        details.put("gcMillis", round.gcNanos / 1_000_000);
        details.put("inspectable", internals.missing().isEmpty());
        details.put("onDemand", onDemand);
        String op = round.checked.stream().map(r -> r.operation).filter(o -> o != null).findFirst().orElse(null);
        journal.record("leak.checked", op, null, details);
    }

    private Bundle installed(BundleRefDTO ref) {
        return ref == null ? null : context.getBundle(ref.id);
    }

    static Map<String, Object> revisionDetails(LoaderRef ref) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("key", ref.key);
        r.put("id", ref.bundle.id);
        r.put("symbolicName", ref.bundle.symbolicName);
        r.put("version", ref.bundle.version);
        if (ref.revision != null) {
            r.put("revision", ref.revision);
        }
        if (ref.how != null) {
            r.put("retiredBy", ref.how);
        }
        return r;
    }

    private static Map<String, Object> foundDetails(LeakFindingDTO dto) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("finding", dto.id);
        d.put("kind", dto.kind);
        d.put("revision", dto.revision);
        d.put("bundleVersion", dto.bundle.version);
        d.put("summary", dto.summary);
        d.put("evidence", dto.evidence);
        d.put("fixHint", dto.fixHint);
        if (dto.thread != null) {
            d.put("thread", dto.thread.name);
            d.put("attribution", dto.thread.attribution);
            d.put("culprit", dto.thread.culprit);
        }
        if (dto.service != null) {
            d.put("serviceId", dto.service.serviceId);
            d.put("objectClass", dto.service.objectClass);
            d.put("holders", dto.service.holders.stream().map(h -> h.id).collect(Collectors.toList()));
        }
        return d;
    }

    // ---- drafts ----

    private static LeakFindingDTO base(String kind, LoaderRef ref, String operation) {
        LeakFindingDTO dto = new LeakFindingDTO();
        dto.kind = kind;
        dto.bundle = ref.bundle;
        dto.revision = ref.key + " (" + ref.display() + ")";
        dto.operation = operation != null ? operation : ref.operation;
        dto.evidence = new ArrayList<>();
        return dto;
    }

    private static Draft threadDraft(ThreadScan.Hit h) {
        LeakFindingDTO dto = base(h.kind.equals("thread") ? LeakFindingDTO.THREAD : LeakFindingDTO.THREAD_LOCAL, h.ref, null);
        ThreadLeakDTO t = new ThreadLeakDTO();
        t.id = h.thread.getId();
        t.name = h.thread.getName();
        t.state = h.thread.getState().name();
        t.daemon = h.thread.isDaemon();
        t.attribution = h.attribution;
        t.culprit = h.culprit;
        t.stack = new ArrayList<>();
        StackTraceElement[] stack = h.thread.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 12); i++) {
            t.stack.add(stack[i].toString());
        }
        dto.thread = t;
        String who = h.ref.bundle.display();
        if (dto.kind.equals(LeakFindingDTO.THREAD)) {
            dto.summary = "thread '" + t.name + "' (" + t.state + ") of " + who + " is still running after the bundle stopped";
            dto.evidence.add("thread '" + t.name + "' id " + t.id + ", " + t.state + (t.daemon ? ", daemon" : ""));
            dto.evidence.add("tied to the revision by its " + attributionWords(h.attribution) + ": " + h.culprit);
            dto.fixHint = threadFix(h.attribution);
        } else {
            dto.summary = "a ThreadLocal value of class " + h.culprit + " from " + who + " is still set in thread '" + t.name + "'";
            dto.evidence.add("thread '" + t.name + "' id " + t.id + " holds a ThreadLocal value (or ThreadLocal) of class " + h.culprit);
            dto.fixHint = "call ThreadLocal.remove() in a finally block where the value is set; never leave a value on a "
                    + "thread the bundle does not own (framework, shell, deploy or pool threads)";
        }
        if (!t.stack.isEmpty()) {
            dto.evidence.add("at " + t.stack.get(0));
        }
        return new Draft(h.subject() + ":" + h.ref.key, h.ref, dto);
    }

    static String attributionWords(String attribution) {
        switch (attribution) {
            case "thread-class": return "class";
            case "runnable": return "Runnable";
            case "executor-task": return "executor's queued task";
            case "executor-thread-factory": return "executor's thread factory";
            case "timer-task": return "Timer's task";
            case "context-class-loader": return "context class loader";
            case "stack-frame": return "stack frame";
            default: return attribution;
        }
    }

    static String threadFix(String attribution) {
        switch (attribution) {
            case "executor-task":
            case "executor-thread-factory":
                return "shut the executor down in stop(): executor.shutdownNow() and awaitTermination()";
            case "timer-task":
                return "cancel the Timer in stop(): timer.cancel()";
            case "context-class-loader":
                return "restore the thread's context class loader after use (try/finally setContextClassLoader), or stop the thread in stop()";
            default:
                return "stop the thread in stop(): keep a reference, interrupt() it and join() it, and let its loop end on interruption";
        }
    }

    private static Draft globalDraft(GlobalScan.Hit h) {
        LeakFindingDTO dto = base(LeakFindingDTO.JVM_GLOBAL, h.ref, null);
        dto.summary = h.subject + " of " + h.ref.bundle.display() + " is still registered with the JVM after the bundle stopped";
        dto.evidence.add(h.what + ": " + h.subject + ", class " + h.culprit);
        dto.fixHint = h.fixHint;
        return new Draft("jvm-global:" + h.what + ":" + h.subject + ":" + h.ref.key, h.ref, dto);
    }

    private Draft zombieDraft(LoaderRef ref) {
        LeakFindingDTO dto = base(LeakFindingDTO.ZOMBIE, ref, null);
        dto.summary = "the class loader of " + ref.display() + " is still reachable after the refresh";
        dto.evidence.add("the revision's class loader survived " + (gc.mode().equals("concurrent") ? "concurrent collections"
                : "two garbage collections") + " after it was " + (ref.how == null ? "stopped" : ref.how.equals("uninstall")
                ? "uninstalled" : ref.how.equals("update") ? "replaced by an update" : "refreshed"));
        dto.evidence.add("run audit:leaks --explain for the reference chain that keeps it");
        dto.fixHint = "something outside the revision still references one of its objects or classes: find the holder in the "
                + "reference chain (audit:leaks --explain) and release the reference in stop()";
        return new Draft("zombie:" + ref.key, ref, dto);
    }

    private static Draft serviceDraft(ServiceWatch w) {
        LeakFindingDTO dto = base(LeakFindingDTO.SERVICE, w.provider, w.operation);
        ServiceLeakDTO s = new ServiceLeakDTO();
        s.serviceId = w.serviceId;
        s.objectClass = w.objectClass;
        s.objectType = w.objectType;
        s.holders = w.holders;
        dto.service = s;
        String holders = w.holders.stream().map(BundleRefDTO::display).collect(Collectors.joining(", "));
        dto.summary = "service " + w.serviceId + " " + w.objectClass + " of " + w.provider.bundle.display()
                + " is still held after it was unregistered, by " + holders;
        dto.evidence.add("service " + w.serviceId + " " + w.objectClass + (w.objectType == null ? "" : ", object of class " + w.objectType));
        dto.evidence.add("obtained and not released when it was unregistered by: " + holders);
        dto.evidence.add(w.object != null ? "the service object is still reachable after two garbage collections"
                : "its provider revision is a zombie");
        dto.fixHint = "in " + holders + ": release the service when it is unregistered (ungetService and drop every "
                + "reference to the object), or use Declarative Services or a ServiceTracker";
        return new Draft("service:" + w.serviceId + ":" + w.provider.key, w.provider, dto);
    }

    // ---- the Leaks service ----

    @Override
    public List<LeakFindingDTO> findings() {
        synchronized (lock) {
            return findings.values().stream().map(f -> f.dto).collect(Collectors.toList());
        }
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
        }
        return findings();
    }

    @Override
    public List<LeakFindingDTO> explain(Consumer<String> progress) {
        List<LeakFindingDTO> list = check();
        Map<String, LeakFindingDTO> byKey = new LinkedHashMap<>();
        synchronized (lock) {
            for (Finding f : findings.values()) {
                if (f.dto.kind.equals(LeakFindingDTO.ZOMBIE) && f.ref.get() != null) {
                    byKey.put(f.ref.key, f.dto);
                }
            }
        }
        if (byKey.isEmpty()) {
            progress.accept("no zombie revision to explain");
            return list;
        }
        Map<String, dev.revisor.audit.api.LeakChainDTO> chains = explainer.explain(byKey.keySet(), progress);
        for (Map.Entry<String, LeakFindingDTO> e : byKey.entrySet()) {
            dev.revisor.audit.api.LeakChainDTO chain = chains.get(e.getKey());
            e.getValue().chain = chain;
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
            journal.record("leak.explained", e.getValue().operation, installed(e.getValue().bundle), details);
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
        s.gc = gc.mode();
        s.inspectable = internals.missing().isEmpty();
        s.notes = new ArrayList<>();
        if (gc.note() != null) {
            s.notes.add(gc.note());
        }
        if (internals.note() != null) {
            s.notes.add(internals.note());
        }
        int pending = removalPendingRevisions();
        synchronized (lock) {
            s.pending = pending + retired.size();
        }
        s.analyzer = explainer.describe();
        return s;
    }
}
