package dev.revisor.audit.internal.watchdog;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.hooks.bundle.EventHook;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.StopDTO;
import dev.revisor.audit.api.Stops;
import dev.revisor.audit.internal.LifecycleTap;
import dev.revisor.audit.internal.operations.OperationTracker;
import dev.revisor.audit.internal.EventTypes;
import dev.revisor.common.internal.OwnedExecutor;

/**
 * Times every bundle stop (docs/operations.md, "Stop watchdog"). The audit's bundle {@link EventHook} (the
 * {@link dev.revisor.audit.internal.LifecycleRecorder}, see {@link LifecycleTap}) hands it every bundle event:
 * STOPPING is noted on the stopping thread before any listener runs (so a DS deactivation, which SCR does in its own listener of that
 * STOPPING, is inside the timed stop) and the end (STOPPED, or the bundle leaving STOPPING without it when the
 * activator threw). The watchdog thread {@value #THREAD_NAME} looks at the running stops every
 * {@code check.interval.ms}; one older than {@code stop.limit.ms} is journaled as {@code stop.hung} with the
 * stopping thread's stack and the lock it waits for, again every {@code repeat.ms} while it hangs, and as
 * {@code stop.ended} once it ends. Nothing here waits for the stopping thread: it is only looked at through
 * {@link ThreadMXBean}.
 * <p>
 * Concurrent Semantics: thread safe; the hook only puts into and removes from a concurrent map.
 */
@Component(service = {Stops.class, LifecycleTap.class}, immediate = true, configurationPid = StopWatchdog.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = StopWatchdog.Config.class)
public final class StopWatchdog implements Stops, LifecycleTap {
    static final String PID = "dev.revisor.audit.watchdog";
    static final String THREAD_NAME = "revisor-audit-watchdog";
    private static final int MAX_FRAMES = 64;
    private static final int OWNER_FRAMES = 12;

    @ObjectClassDefinition(name = "Revisor stop watchdog", description = "Reports bundle stops that take too long")
    public @interface Config {
        @AttributeDefinition(description = "A stop running longer than this many milliseconds is reported as hung")
        long stop_limit_ms() default 5000;

        @AttributeDefinition(description = "How often the watchdog looks at running stops, in milliseconds")
        long check_interval_ms() default 200;

        @AttributeDefinition(description = "While a stop hangs, report it again (with a fresh stack) this often, in "
                + "milliseconds; 0: only once")
        long repeat_ms() default 60_000;
    }

    /** One stop in progress. */
    private static final class Stop {
        final Bundle bundle;
        final BundleRefDTO ref;
        final Thread thread;
        final String threadName;
        final long threadId;
        final Instant since;
        final long startNanos;
        volatile long reportedNanos; // 0: not reported yet
        volatile ThreadView view;

        /** The clock is read as a number: no formatter runs on the stopping thread. */
        Stop(Bundle bundle, Thread thread, long sinceMillis, long startNanos) {
            this.bundle = bundle;
            this.ref = BundleRefDTO.of(bundle);
            this.thread = thread;
            this.threadName = thread.getName();
            this.threadId = thread.getId();
            this.since = Instant.ofEpochMilli(sinceMillis);
            this.startNanos = startNanos;
        }
    }

    /** What the stopping thread was doing when last looked at. */
    private static final class ThreadView {
        final List<String> stack;
        final String state;
        final String lock;
        final String lockOwner;
        final long lockOwnerId;
        final List<String> ownerStack;
        final List<String> held;

        ThreadView(List<String> stack, String state, String lock, String lockOwner, long lockOwnerId,
                List<String> ownerStack, List<String> held) {
            this.stack = stack;
            this.state = state;
            this.lock = lock;
            this.lockOwner = lockOwner;
            this.lockOwnerId = lockOwnerId;
            this.ownerStack = ownerStack;
            this.held = held;
        }
    }

    private final BundleContext context;
    private final Journal journal;
    private final OperationTracker operations;
    private final Logger logger;
    private final long limitNanos;
    private final long limitMillis;
    private final long repeatNanos;
    private final Map<Long, Stop> running = new ConcurrentHashMap<>();
    private final OwnedExecutor executor;
    private final long intervalMillis;

    @Activate
    public StopWatchdog(BundleContext context, Config config, @Reference Journal journal,
            @Reference OperationTracker operations, @Reference LoggerFactory loggers) {
        if (config.stop_limit_ms() < 1) {
            throw new IllegalArgumentException("stop.limit.ms must be at least 1, not " + config.stop_limit_ms());
        }
        this.context = context;
        this.journal = journal;
        this.operations = operations;
        this.logger = loggers.getLogger(StopWatchdog.class);
        this.limitMillis = config.stop_limit_ms();
        this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMillis);
        this.repeatNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.repeat_ms()));
        this.executor = new OwnedExecutor(THREAD_NAME, e -> logger.error("stop watchdog: a task failed: {}", e.toString(), e));
        this.intervalMillis = Math.max(10, Math.min(config.check_interval_ms(), limitMillis));
    }

    /**
     * The JVM's thread bean, asked for when a stop is reported (not at activation: the first call sets up the JVM's
     * management beans, which is not worth delaying the audit bundle's start for).
     */
    private static ThreadMXBean threads() {
        return ManagementFactory.getThreadMXBean();
    }

    /** Starts the watchdog's thread: a look at the running stops every check interval. */
    @Activate
    void activate() {
        executor.scheduleWithFixedDelay(this::checkSafely, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        executor.closeNow(2_000);
        running.clear();
    }

    @Override
    public void serviceEvent(ServiceEvent event) {
        // stops only
    }

    @Override
    public void bundleEvent(BundleEvent event) {
        Bundle b = event.getBundle();
        switch (event.getType()) {
            case BundleEvent.STOPPING:
                running.put(b.getBundleId(), new Stop(b, Thread.currentThread(), System.currentTimeMillis(), System.nanoTime()));
                break;
            case BundleEvent.STOPPED:
            case BundleEvent.UNRESOLVED:
            case BundleEvent.UNINSTALLED:
            case BundleEvent.STARTING:
                Stop s = running.remove(b.getBundleId());
                if (s != null && s.reportedNanos != 0) {
                    ended(s, event.getType() == BundleEvent.STOPPED ? "stopped" : "ended without STOPPED");
                }
                break;
            default:
                break;
        }
    }

    private void checkSafely() {
        try {
            check();
        } catch (Throwable e) { // one failing look never stops the watchdog
            logger.error("stop watchdog: a check failed: {}", e.toString(), e);
        }
    }

    private void check() {
        long now = System.nanoTime();
        for (Stop s : running.values()) {
            if (s.bundle.getState() != Bundle.STOPPING) {
                // the activator threw (no STOPPED comes then), or the stop ended between the event and now
                if (running.remove(s.bundle.getBundleId(), s) && s.reportedNanos != 0) {
                    ended(s, "the stop failed or ended without STOPPED; state " + state(s.bundle.getState()));
                }
                continue;
            }
            long elapsed = now - s.startNanos;
            if (elapsed < limitNanos) {
                continue;
            }
            boolean first = s.reportedNanos == 0;
            if (first || (repeatNanos > 0 && now - s.reportedNanos >= repeatNanos)) {
                s.view = look(s.threadId);
                s.reportedNanos = now;
                hung(s, TimeUnit.NANOSECONDS.toMillis(elapsed), first);
            }
        }
    }

    private ThreadView look(long threadId) {
        ThreadInfo[] infos = threads().getThreadInfo(new long[] {threadId}, true, true);
        ThreadInfo info = infos.length == 0 ? null : infos[0];
        if (info == null) {
            return new ThreadView(List.of(), "TERMINATED", null, null, -1, List.of(), List.of());
        }
        List<String> stack = new ArrayList<>();
        StackTraceElement[] frames = info.getStackTrace();
        for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
            stack.add(frames[i].toString());
        }
        if (frames.length > MAX_FRAMES) {
            stack.add("... " + (frames.length - MAX_FRAMES) + " more");
        }
        List<String> held = new ArrayList<>();
        for (MonitorInfo m : info.getLockedMonitors()) {
            held.add(m.toString());
        }
        for (LockInfo l : info.getLockedSynchronizers()) {
            held.add(l.toString());
        }
        String lock = info.getLockName();
        String owner = null;
        List<String> ownerStack = new ArrayList<>();
        long ownerId = info.getLockOwnerId();
        if (ownerId >= 0) {
            owner = "\"" + info.getLockOwnerName() + "\" (id " + ownerId + ")";
            ThreadInfo[] o = threads().getThreadInfo(new long[] {ownerId}, false, false);
            if (o.length > 0 && o[0] != null) {
                StackTraceElement[] of = o[0].getStackTrace();
                for (int i = 0; i < of.length && i < OWNER_FRAMES; i++) {
                    ownerStack.add(of[i].toString());
                }
            }
        }
        return new ThreadView(stack, info.getThreadState().name(), lock, owner, ownerId, ownerStack, held);
    }

    private void hung(Stop s, long elapsedMillis, boolean first) {
        ThreadView v = s.view;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("elapsedMs", elapsedMillis);
        d.put("limitMs", limitMillis);
        d.put("since", s.since.toString());
        d.put("thread", s.threadName);
        d.put("threadId", s.threadId);
        d.put("threadState", v.state);
        if (v.lock != null) {
            d.put("lock", v.lock);
        }
        if (v.lockOwner != null) {
            d.put("lockOwner", v.lockOwner);
            d.put("lockOwnerStack", v.ownerStack);
        }
        if (!v.held.isEmpty()) {
            d.put("locksHeld", v.held);
        }
        d.put("stack", v.stack);
        d.put("repeat", !first);
        String operation = operations.currentId(s.thread);
        journal.record(EventTypes.STOP_HUNG, operation, s.bundle, d);
        logger.warn("stop of {} has taken {} ms (limit {} ms) on thread \"{}\", {}{}{}", s.ref.display(), elapsedMillis,
                limitMillis, s.threadName, v.state, v.lock == null ? "" : " waiting for " + v.lock,
                v.lockOwner == null ? "" : " held by " + v.lockOwner);
    }

    private void ended(Stop s, String how) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s.startNanos);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("durationMs", millis);
        d.put("limitMs", limitMillis);
        d.put("thread", s.threadName);
        d.put("how", how);
        journal.record(EventTypes.STOP_ENDED, operations.currentId(s.thread), s.bundle, d);
        logger.warn("stop of {} ended after {} ms ({})", s.ref.display(), millis, how);
    }

    @Override
    public List<StopDTO> inProgress() {
        long now = System.nanoTime();
        List<StopDTO> out = new ArrayList<>();
        for (Stop s : running.values()) {
            StopDTO d = new StopDTO();
            d.bundle = s.ref;
            d.operation = operations.currentId(s.thread);
            d.thread = s.threadName;
            d.threadId = s.threadId;
            d.since = s.since.toString();
            d.elapsedMillis = TimeUnit.NANOSECONDS.toMillis(now - s.startNanos);
            d.hung = now - s.startNanos >= limitNanos;
            ThreadView v = d.hung ? look(s.threadId) : s.view;
            if (v != null) {
                d.stack = v.stack;
                d.lock = v.lock;
                d.lockOwner = v.lockOwner;
                d.threadState = v.state;
            }
            out.add(d);
        }
        out.sort(Comparator.comparingLong((StopDTO d) -> d.elapsedMillis).reversed());
        return out;
    }

    @Override
    public long limitMillis() {
        return limitMillis;
    }

    private static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            default: return String.valueOf(state);
        }
    }
}
