package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.startlevel.BundleStartLevel;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * Whether the bundles of an implicit operation (a Gogo {@code update}, FileInstall acting alone, another bundle calling
 * the framework) came back: follows each bundle's lifecycle events within the operation, and the framework's errors
 * about it, and judges at the end which bundle that was ACTIVE before is not running now although the operation did
 * not stop or uninstall it on purpose, and which start of it failed. A refresh is judged by its record instead
 * ({@link RefreshRecording}); an explicit operation by whoever began it.
 * <p>
 * "On purpose": the bundle's last change in the operation was a stop (STOPPED, nothing after it) that took it out of
 * the framework's plan to run it ({@code Bundle.stop()}: no longer persistently started), a transient stop with nothing
 * after it, or its uninstall. An update or a restart whose start threw or that cannot resolve is not on purpose.
 * <p>
 * Owns: the traces of one open operation. Runs on: the framework's threads for {@link #event} and {@link #error}
 * (map updates only), the thread that ends the operation for {@link #judge}. Concurrent Semantics: thread safe.
 */
final class ComeBack {
    /** What one bundle went through in the operation. */
    private static final class Trace {
        int first = -1;
        int last = -1;
        boolean startRunning;
        boolean startFailed;
        boolean stopped;
        boolean changedAfterStop;
        String error;

        synchronized void event(int type) {
            if (first < 0) {
                first = type;
            }
            last = type;
            switch (type) {
                case BundleEvent.STARTING:
                    startRunning = true;
                    startFailed = false;
                    break;
                case BundleEvent.STARTED:
                case BundleEvent.LAZY_ACTIVATION:
                    startRunning = false;
                    startFailed = false;
                    break;
                case BundleEvent.STOPPING:
                case BundleEvent.STOPPED:
                    if (startRunning) { // the activator threw: Felix stops the bundle it could not start
                        startRunning = false;
                        startFailed = true;
                    }
                    if (type == BundleEvent.STOPPED) {
                        stopped = true;
                        changedAfterStop = false;
                    }
                    break;
                default: // UNRESOLVED, UPDATED, RESOLVED, ...: a change after a stop is no longer a plain stop
                    if (stopped) {
                        changedAfterStop = true;
                    }
                    break;
            }
        }

        synchronized void error(String why) {
            error = error == null ? why : error + " / " + why;
        }
    }

    private final Map<Long, Trace> traces = new ConcurrentHashMap<>();

    /** Notes a bundle event of the operation (on the firing thread: one map update). */
    void event(long bundleId, int type) {
        traces.computeIfAbsent(bundleId, k -> new Trace()).event(type);
    }

    /**
     * @return whether an event of this type continues a change of the bundle already under way in the operation: after
     *         its stop, unresolve, update or resolve comes its unresolve, update, resolve or start (one
     *         {@code Bundle.update} of an active bundle fires them all)
     */
    boolean continues(long bundleId, int type) {
        Trace t = traces.get(bundleId);
        if (t == null) {
            return false;
        }
        int last;
        synchronized (t) {
            last = t.last;
        }
        boolean under = last == BundleEvent.STOPPED || last == BundleEvent.UNRESOLVED || last == BundleEvent.UPDATED
                || last == BundleEvent.RESOLVED;
        return under && (type == BundleEvent.UNRESOLVED || type == BundleEvent.UPDATED || type == BundleEvent.RESOLVED
                || type == BundleEvent.STARTING);
    }

    /** Notes an error the framework reported about a bundle of the operation. */
    void error(long bundleId, Throwable error) {
        if (error != null) {
            traces.computeIfAbsent(bundleId, k -> new Trace()).error(RefreshRecording.describe(error));
        }
    }

    /**
     * @param context to look each bundle up as it is now
     * @param names   the bundles of the operation, by id, for the sentences
     * @return one sentence per bundle that did not come back (or whose start failed), naming its state and why;
     *         empty when every bundle ends as the operation meant
     */
    List<String> judge(BundleContext context, Map<Long, BundleRefDTO> names) {
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Long, Trace> e : traces.entrySet()) {
            Bundle b = context.getBundle(e.getKey());
            if (b == null || b.getState() == Bundle.UNINSTALLED) {
                continue; // uninstalled: on purpose
            }
            int state = b.getState();
            if (state == Bundle.ACTIVE || state == Bundle.STARTING) {
                continue; // running (or starting lazily / still starting)
            }
            Trace t = e.getValue();
            String why;
            boolean wasActive;
            synchronized (t) {
                wasActive = t.first == BundleEvent.STOPPING; // an active bundle's first change is its stop
                if (!t.startFailed && (!wasActive || t.stopped && (!t.changedAfterStop || !persistentlyStarted(b)))) {
                    continue; // not active before, or stopped on purpose (nothing after the stop, or no longer meant to run)
                }
                why = t.error != null ? t.error
                        : t.startFailed ? "its activator's start threw (the framework handed the exception to the caller, "
                                + "not to the audit; audit:why " + b.getBundleId() + ")"
                        : state == Bundle.INSTALLED ? "it does not resolve (see audit:why " + b.getBundleId() + ")"
                        : "it was not started again";
            }
            BundleRefDTO was = names.get(e.getKey());
            BundleRefDTO now = BundleRefDTO.of(b);
            String name = now.display() + (was == null || was.display().equals(now.display()) ? ""
                    : " (updated from " + was.symbolicName + "/" + was.version + ")");
            failures.add(name + (wasActive ? " was ACTIVE and is " : " did not start: it is ") + Names.state(state)
                    + " now: " + why);
        }
        return failures;
    }

    /** Forgets the traces (the operation ended). */
    void clear() {
        traces.clear();
    }

    /** @return whether the framework means to run the bundle: started, and not stopped by {@code Bundle.stop()} since */
    static boolean persistentlyStarted(Bundle b) {
        try {
            BundleStartLevel sl = b.adapt(BundleStartLevel.class);
            return sl != null && sl.isPersistentlyStarted();
        } catch (RuntimeException e) { // uninstalled meanwhile
            return false;
        }
    }
}
