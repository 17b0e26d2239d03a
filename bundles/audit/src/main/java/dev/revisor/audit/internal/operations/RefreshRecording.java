package dev.revisor.audit.internal.operations;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.RemovalPendingDTO;
import dev.revisor.audit.api.RestartDTO;
import dev.revisor.audit.api.ServiceInUseDTO;
import dev.revisor.audit.api.WiringChangeDTO;

/**
 * One refresh being recorded: the snapshot before, the stop and start times of each bundle as its events come
 * (on the refreshing thread), the framework's errors, and at the end the record with the wiring diff.
 * <p>
 * Concurrent Semantics: thread safe; {@link #bundleEvent} and {@link #failure} only put into concurrent maps.
 */
final class RefreshRecording {
    /** Times of one bundle's stop and start in the refresh. */
    private static final class Times {
        volatile Instant stopping;
        volatile Instant stopped;
        volatile Instant started;
    }

    final String operation;
    final boolean requested;
    final Instant start;
    final List<BundleRefDTO> triggers;
    /** ids of the bundles the refresh covers; every bundle for a refresh the audit did not request */
    final Set<Long> scope;
    private final WiringSnapshot before;
    private final List<RemovalPendingDTO> removalPending;
    private final Map<Long, Times> times = new ConcurrentHashMap<>();
    private final Map<Long, String> failures = new ConcurrentHashMap<>();
    private final Set<Long> touched = ConcurrentHashMap.newKeySet();
    /** The record {@link #finish} built, for {@link #amend}. */
    private volatile RefreshRecordDTO recorded;
    /** The seq of the journaled {@code refresh.record}, or -1. */
    volatile long recordSeq = -1;

    RefreshRecording(String operation, boolean requested, Instant start, List<BundleRefDTO> triggers, Set<Long> scope,
            WiringSnapshot before, List<RemovalPendingDTO> removalPending) {
        this.operation = operation;
        this.requested = requested;
        this.start = start;
        this.triggers = triggers;
        this.scope = scope;
        this.before = before;
        this.removalPending = removalPending;
    }

    boolean covers(long bundleId) {
        return scope.contains(bundleId);
    }

    /** Notes a bundle event of the refresh (called on the refreshing thread: only map updates). */
    void bundleEvent(Bundle bundle, int type, Instant now) {
        long id = bundle.getBundleId();
        touched.add(id);
        switch (type) {
            case BundleEvent.STOPPING:
                times.computeIfAbsent(id, k -> new Times()).stopping = now;
                break;
            case BundleEvent.STOPPED:
                times.computeIfAbsent(id, k -> new Times()).stopped = now;
                break;
            case BundleEvent.STARTED:
                times.computeIfAbsent(id, k -> new Times()).started = now;
                break;
            default:
                break;
        }
    }

    /** Notes a framework error about a bundle during the refresh (its stop, refresh or start failed). */
    void failure(Bundle bundle, Throwable error) {
        if (bundle == null || error == null) {
            return;
        }
        failures.merge(bundle.getBundleId(), describe(error), (a, b) -> a + " / " + b);
    }

    /** @return the error's message and its causes, in one line */
    static String describe(Throwable error) {
        StringBuilder reason = new StringBuilder(String.valueOf(error.getMessage()));
        Throwable cause = error.getCause();
        while (cause != null && cause != error) {
            reason.append("; caused by ").append(cause.getClass().getName()).append(": ").append(cause.getMessage());
            if (cause == cause.getCause()) {
                break;
            }
            cause = cause.getCause();
        }
        return reason.toString();
    }

    /**
     * Builds the record once the framework reported the refresh done.
     *
     * @param context       to look the bundles up again
     * @param servicesInUse services the operation unregistered while others used them
     * @param retired       receives the revisions the refresh took out of use
     * @return the record
     */
    RefreshRecordDTO finish(BundleContext context, List<ServiceInUseDTO> servicesInUse, List<RetiredRevision> retired) {
        Instant end = Instant.now();
        WiringSnapshot after = now(context);
        RefreshRecordDTO r = header(end.toString(), servicesInUse);
        Set<Long> refreshed = new LinkedHashSet<>();
        for (WiringSnapshot.Entry e : before.entries().values()) {
            long id = e.bundle.id;
            WiringSnapshot.Entry a = after.get(id);
            Bundle b = context.getBundle(id);
            BundleWiring nowWiring = b == null ? null : currentWiring(b);
            BundleWiring old = e.currentWiring.get();
            boolean rewired = a == null || (e.hadWiring ? old == null || old != nowWiring : nowWiring != null);
            boolean wasRefreshed = requested ? scope.contains(id) : touched.contains(id) || rewired;
            for (RetiredRevision rev : e.wired) {
                if (a == null || (rev.wasCurrent() ? rewired : rev.isDisposed())) {
                    retired.add(rev);
                }
            }
            if (!wasRefreshed || a == null) {
                continue; // not part of it, or uninstalled: removed, not restarted
            }
            refreshed.add(id);
            r.restarted.add(restart(id, a));
            judge(e, a, r.failures);
        }
        r.wiringChanges = before.changesTo(after);
        r.wiringChanges.removeIf(c -> !refreshed.contains(c.importer.id));
        recorded = r;
        return r;
    }

    /**
     * The record as it stands now, for a refresh whose operation goes on after it (the deploy bundle stops the plan's
     * bundles before it refreshes and starts them again afterwards): the same refresh and bundles, with each one's state
     * and package wiring at this moment, its latest start, and the failures judged now: as in the record, and a bundle
     * that is not running although the framework means to run it (persistently started: the operation stopped it
     * transiently for the refresh and did not bring it back).
     *
     * @return the amended record, or {@code null} when the record was not built (the refresh did not end)
     */
    RefreshRecordDTO amend(BundleContext context) {
        RefreshRecordDTO rec = recorded;
        if (rec == null) {
            return null;
        }
        WiringSnapshot after = now(context);
        RefreshRecordDTO r = header(rec.end, rec.servicesInUse);
        Set<Long> refreshed = new LinkedHashSet<>();
        for (RestartDTO old : rec.restarted) {
            long id = old.bundle.id;
            WiringSnapshot.Entry a = after.get(id);
            WiringSnapshot.Entry e = before.get(id);
            if (a == null || a.state == Bundle.UNINSTALLED) {
                RestartDTO d = restartCopy(old);
                d.stateAfter = Names.state(Bundle.UNINSTALLED);
                r.restarted.add(d);
                continue;
            }
            refreshed.add(id);
            r.restarted.add(restart(id, a));
            int failures = r.failures.size();
            if (e != null) {
                judge(e, a, r.failures);
            }
            boolean running = a.state == Bundle.ACTIVE || a.state == Bundle.STARTING;
            Bundle b = context.getBundle(id);
            if (r.failures.size() == failures && !running && b != null && ComeBack.persistentlyStarted(b)) {
                // stopped by the operation for the refresh (transiently: still meant to run) and not started again
                r.failures.add(a.bundle.display() + " is " + Names.state(a.state) + " now although it is meant to run: "
                        + (a.state == Bundle.INSTALLED ? "it does not resolve (see audit:why " + id + ")"
                                : "it was not started again"));
            }
        }
        r.wiringChanges = before.changesTo(after);
        r.wiringChanges.removeIf(c -> !refreshed.contains(c.importer.id));
        return r;
    }

    /** @return the record {@link #finish} built, or {@code null} */
    RefreshRecordDTO recorded() {
        return recorded;
    }

    /** A bundle of the refresh started after the refresh ended (its operation started it again). */
    void startedLater(long bundleId, Instant now) {
        RefreshRecordDTO r = recorded;
        if (r != null && r.restarted.stream().anyMatch(d -> d.bundle.id == bundleId)) {
            times.computeIfAbsent(bundleId, k -> new Times()).started = now;
        }
    }

    /** @return whether two records of one refresh say the same about its bundles: states, starts, wiring, failures */
    static boolean sameOutcome(RefreshRecordDTO a, RefreshRecordDTO b) {
        return key(a).equals(key(b));
    }

    private static List<String> key(RefreshRecordDTO r) {
        List<String> k = new ArrayList<>();
        for (RestartDTO d : r.restarted) {
            k.add(d.bundle.id + " " + d.stateAfter + " " + d.started);
        }
        for (WiringChangeDTO c : r.wiringChanges) {
            k.add(c.importer.id + " " + c.name + " " + ref(c.fromExporter) + " " + c.fromVersion + " " + ref(c.toExporter)
                    + " " + c.toVersion);
        }
        k.addAll(r.failures);
        return k;
    }

    private static String ref(BundleRefDTO b) {
        return b == null ? "-" : b.id + "/" + b.version;
    }

    private WiringSnapshot now(BundleContext context) {
        List<Bundle> now = new ArrayList<>();
        for (long id : before.entries().keySet()) {
            Bundle b = context.getBundle(id);
            if (b != null) {
                now.add(b);
            }
        }
        return WiringSnapshot.take(now, false);
    }

    private RefreshRecordDTO header(String end, List<ServiceInUseDTO> servicesInUse) {
        RefreshRecordDTO r = new RefreshRecordDTO();
        r.operation = operation;
        r.requested = requested;
        r.start = start.toString();
        r.end = end;
        r.triggers = triggers;
        r.removalPending = removalPending;
        r.servicesInUse = servicesInUse;
        r.restarted = new ArrayList<>();
        r.failures = new ArrayList<>();
        return r;
    }

    private RestartDTO restart(long id, WiringSnapshot.Entry a) {
        RestartDTO d = new RestartDTO();
        d.bundle = a.bundle;
        Times t = times.get(id);
        if (t != null) {
            d.stopped = t.stopped == null ? null : t.stopped.toString();
            d.started = t.started == null ? null : t.started.toString();
            if (t.stopping != null && t.stopped != null) {
                d.stopMillis = Duration.between(t.stopping, t.stopped).toMillis();
            }
        }
        d.stateAfter = Names.state(a.state);
        return d;
    }

    private static RestartDTO restartCopy(RestartDTO old) {
        RestartDTO d = new RestartDTO();
        d.bundle = old.bundle;
        d.stopped = old.stopped;
        d.started = old.started;
        d.stopMillis = old.stopMillis;
        d.stateAfter = old.stateAfter;
        return d;
    }

    /**
     * Adds the failure of one bundle, if any: it was running before and is not now, or the framework reported an error
     * about it. In a refresh nobody requested through the audit a STOPPING bundle was running: the snapshot is taken at
     * the refresh's first event, its first bundle's STOPPING.
     */
    private void judge(WiringSnapshot.Entry e, WiringSnapshot.Entry a, List<String> out) {
        boolean wasActive = e.state == Bundle.ACTIVE || e.state == Bundle.STARTING
                || e.state == Bundle.STOPPING && !requested;
        boolean isActive = a.state == Bundle.ACTIVE || a.state == Bundle.STARTING;
        String why = failures.get(e.bundle.id);
        if (wasActive && !isActive) {
            out.add(a.bundle.display() + " was ACTIVE and is " + Names.state(a.state) + " now: "
                    + (why != null ? why
                            : a.state == Bundle.INSTALLED ? "it did not resolve again (see audit:why)"
                                    : "it did not start again"));
        } else if (why != null) {
            out.add(a.bundle.display() + ": " + why);
        }
    }

    private static BundleWiring currentWiring(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        return rev == null ? null : rev.getWiring();
    }

    /** @return the facts of the start of the refresh, for {@code refresh.started} */
    Map<String, Object> startDetails() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("requested", requested);
        d.put("triggers", Dtos.ids(triggers));
        if (requested) {
            d.put("bundles", new ArrayList<>(scope));
        }
        d.put("removalPending", removalPending.size());
        return d;
    }
}
