package dev.revisor.audit.internal;

import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceEvent;

/**
 * A part of the audit that needs the framework's bundle and service events as they happen (the stop watchdog, the
 * leak detector). The {@link LifecycleRecorder} is the audit's only bundle event hook and service listener and hands
 * each event to every tap: the framework's cost of a hook or listener is paid on every event, once per registration,
 * and a plain {@code ServiceListener} even costs a class-space check per event, so the audit registers one of each.
 * <p>
 * Internal service of the audit bundle. Concurrent Semantics: implementations are thread safe; the methods run on the
 * framework's threads and must only note and hand off.
 */
public interface LifecycleTap {
    /** A bundle event, on the thread that fired it, before any bundle listener sees it. */
    void bundleEvent(BundleEvent event);

    /** A service event, synchronously on the thread that fired it (as an {@code AllServiceListener} sees it). */
    void serviceEvent(ServiceEvent event);
}
