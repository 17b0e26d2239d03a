package dev.revisor.audit.internal.operations;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.ServiceInUseDTO;

/**
 * One operation, open or ended, as the tracker keeps it in memory. Holds no reference to a bundle, a class loader
 * or a thread once it has ended (only ids, names and DTOs), so that remembering it never keeps a revision alive.
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class OperationState {
    /** Kinds an implicit operation can take, weakest first: the strongest event seen names it. */
    static final List<String> KIND_RANK = List.of("resolve", "start", "stop", "refresh", "install", "update", "uninstall");

    final String id;
    final String trigger;
    final String subject;
    final boolean implicit;
    final String threadName;
    final Instant start;
    final long startNanos;
    final String parent;
    private volatile String kind;
    private volatile Thread thread; // only while open
    private volatile long lastEventNanos;
    private volatile Instant end;
    private volatile String outcome;
    private volatile String reason;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Map<Long, BundleRefDTO> bundles = new LinkedHashMap<>(); // guarded by itself
    /** Bundles whose last event in this operation was STARTING or STOPPING: a transition still running. */
    private final Set<Long> inTransition = ConcurrentHashMap.newKeySet();
    final List<ServiceInUseDTO> servicesInUse = new CopyOnWriteArrayList<>();
    /** Whether a bundle was uninstalled during it (its end then reports the revisions the framework removed). */
    volatile boolean uninstalled;
    private volatile RefreshRecording refresh;
    /** For an implicit operation: what each bundle went through, to judge at the end whether it came back. */
    final ComeBack comeBack = new ComeBack();
    /** Refreshes requested within it whose bundles it goes on to start: their records are amended at its end. */
    private final List<RefreshRecording> finals = new CopyOnWriteArrayList<>();
    /** One sentence per bundle that did not come back, set when it ends (implicit operations). */
    private volatile List<String> failures = List.of();

    OperationState(String id, String kind, String trigger, String subject, boolean implicit, Thread thread,
            Instant start, long startNanos, String parent) {
        this.id = id;
        this.kind = kind;
        this.trigger = trigger;
        this.subject = subject;
        this.implicit = implicit;
        this.thread = thread;
        this.threadName = thread == null ? null : thread.getName();
        this.start = start;
        this.startNanos = startNanos;
        this.lastEventNanos = startNanos;
        this.parent = parent;
    }

    /** An operation read back from the journal (ended before this runtime started, or left open by a crash). */
    static OperationState ended(String id, String kind, String trigger, String subject, boolean implicit,
            String threadName, Instant start, Instant end, String outcome, String reason, List<BundleRefDTO> bundles) {
        OperationState s = new OperationState(id, kind, trigger, subject, implicit, null, start, 0, null);
        s.end = end;
        s.outcome = outcome;
        s.reason = reason;
        s.ended.set(true);
        s.threadNameOverride = threadName;
        if (bundles != null) {
            for (BundleRefDTO b : bundles) {
                s.bundles.put(b.id, b);
            }
        }
        return s;
    }

    private volatile String threadNameOverride;

    String kind() {
        return kind;
    }

    Thread thread() {
        return thread;
    }

    long lastEventNanos() {
        return lastEventNanos;
    }

    boolean isEnded() {
        return ended.get();
    }

    RefreshRecording refresh() {
        return refresh;
    }

    void refresh(RefreshRecording recording) {
        this.refresh = recording;
    }

    /**
     * Notes a bundle event of this operation: the bundle joins it, an implicit operation's kind may grow stronger,
     * and a STARTING/STOPPING marks a transition in flight until its STARTED/STOPPED.
     */
    void bundleEvent(Bundle bundle, int type, long nanos) {
        lastEventNanos = nanos;
        long id = bundle.getBundleId();
        synchronized (bundles) {
            if (!bundles.containsKey(id)) {
                bundles.put(id, BundleRefDTO.of(bundle));
            }
        }
        if (implicit) {
            comeBack.event(id, type);
        }
        if (type == BundleEvent.STARTING || type == BundleEvent.STOPPING) {
            inTransition.add(id);
        } else {
            inTransition.remove(id);
        }
        if (implicit) {
            String k = kindOf(type);
            if (k != null && KIND_RANK.indexOf(k) > KIND_RANK.indexOf(kind)) {
                kind = k;
            }
        }
    }

    void touch(long nanos) {
        lastEventNanos = nanos;
    }

    boolean involves(long bundleId) {
        synchronized (bundles) {
            return bundles.containsKey(bundleId);
        }
    }

    /** @return whether a bundle of it is between STARTING or STOPPING and its next event */
    boolean hasTransition() {
        return !inTransition.isEmpty();
    }

    /** @return the ids of bundles whose STARTING or STOPPING has not been followed by another event yet */
    Set<Long> inTransition() {
        return Set.copyOf(inTransition);
    }

    static String kindOf(int bundleEventType) {
        switch (bundleEventType) {
            case BundleEvent.INSTALLED: return "install";
            case BundleEvent.UPDATED: return "update";
            case BundleEvent.UNINSTALLED: return "uninstall";
            case BundleEvent.STOPPING:
            case BundleEvent.STOPPED: return "stop";
            case BundleEvent.STARTING:
            case BundleEvent.STARTED:
            case BundleEvent.LAZY_ACTIVATION: return "start";
            case BundleEvent.RESOLVED:
            case BundleEvent.UNRESOLVED: return "resolve";
            default: return null;
        }
    }

    void outcome(String outcome, String reason) {
        if (!ended.get()) {
            this.outcome = outcome;
            this.reason = reason;
        }
    }

    /**
     * Marks it ended, once.
     *
     * @return whether this call ended it
     */
    boolean end(Instant when, String defaultOutcome) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        this.end = when;
        if (outcome == null) {
            outcome = defaultOutcome;
        }
        this.thread = null;
        this.refresh = null;
        comeBack.clear();
        finals.clear();
        return true;
    }

    String outcome() {
        return outcome;
    }

    /** Sets the outcome {@code failed} naming the bundles that did not come back, unless it has an outcome already. */
    void notBack(List<String> failures) {
        if (!ended.get() && outcome == null && !failures.isEmpty()) {
            this.failures = List.copyOf(failures);
            outcome(Operation.FAILED, failures.size() + " bundle(s) did not come back: "
                    + String.join("; ", failures));
        }
    }

    /** @return the sentences of {@link #notBack}, empty when there were none */
    List<String> failures() {
        return failures;
    }

    void addFinal(RefreshRecording recording) {
        finals.add(recording);
    }

    /** @return the refreshes to amend at its end (see {@link #addFinal}) */
    List<RefreshRecording> finals() {
        return new ArrayList<>(finals);
    }

    String reason() {
        return reason;
    }

    Instant endTime() {
        return end;
    }

    List<BundleRefDTO> bundles() {
        synchronized (bundles) {
            return new ArrayList<>(bundles.values());
        }
    }

    long durationMillis() {
        Instant e = end;
        return e == null ? -1 : Duration.between(start, e).toMillis();
    }

    long seq() {
        try {
            return Long.parseLong(id.substring(OperationLog.ID_PREFIX.length()));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    OperationDTO describe() {
        OperationDTO dto = new OperationDTO();
        dto.id = id;
        dto.kind = kind;
        dto.trigger = trigger;
        dto.subject = subject;
        dto.start = start.toString();
        Instant e = end;
        dto.end = e == null ? null : e.toString();
        dto.outcome = e == null ? null : outcome;
        dto.reason = e == null ? null : reason;
        dto.bundles = bundles();
        dto.implicit = implicit;
        dto.thread = threadNameOverride != null ? threadNameOverride : threadName;
        return dto;
    }
}
