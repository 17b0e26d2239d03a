package dev.revisor.audit.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.audit.api.Journal;

/**
 * Journals every bundle, service and framework event.
 * <p>
 * Listeners run on the framework's threads: they only convert the event into a journal record and queue it
 * ({@link Journal#record} does no I/O), so the framework is not slowed down. Bundle events are taken
 * synchronously so that STARTING and STOPPING are seen, in order, with the time they happened.
 * <p>
 * Concurrent Semantics: thread safe; holds no mutable state.
 */
@Component(immediate = true, service = {})
public final class LifecycleRecorder implements SynchronousBundleListener, ServiceListener, FrameworkListener {
    private final BundleContext context;
    private final Journal journal;

    @Activate
    public LifecycleRecorder(BundleContext context, @Reference Journal journal) {
        this.context = context;
        this.journal = journal;
        context.addBundleListener(this);
        context.addServiceListener(this);
        context.addFrameworkListener(this);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bundles", context.getBundles().length);
        journal.record("audit.started", null, context.getBundle(), details);
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
        context.removeServiceListener(this);
        context.removeBundleListener(this);
        journal.record("audit.stopped", null, context.getBundle(), new LinkedHashMap<>());
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Map<String, Object> details = new LinkedHashMap<>();
        Bundle origin = event.getOrigin();
        if (origin != null && origin.getBundleId() != event.getBundle().getBundleId()) {
            details.put("origin", origin.getBundleId());
        }
        if (event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED) {
            details.put("location", event.getBundle().getLocation());
        }
        journal.record("bundle." + bundleEventName(event.getType()), null, event.getBundle(), details);
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        ServiceReference<?> ref = event.getServiceReference();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("serviceId", ref.getProperty(Constants.SERVICE_ID));
        Object classes = ref.getProperty(Constants.OBJECTCLASS);
        details.put("objectClass", classes instanceof String[] ? List.of((String[]) classes) : String.valueOf(classes));
        Object pid = ref.getProperty(Constants.SERVICE_PID);
        if (pid != null) {
            details.put("pid", String.valueOf(pid));
        }
        if (event.getType() == ServiceEvent.UNREGISTERING) {
            Bundle[] using = ref.getUsingBundles();
            if (using != null && using.length > 0) {
                List<Long> ids = new ArrayList<>();
                for (Bundle b : using) {
                    ids.add(b.getBundleId());
                }
                details.put("usingBundles", ids);
            }
        }
        journal.record("service." + serviceEventName(event.getType()), null, ref.getBundle(), details);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        Map<String, Object> details = new LinkedHashMap<>();
        Throwable t = event.getThrowable();
        if (t != null) {
            details.put("exception", t.getClass().getName());
            details.put("message", String.valueOf(t.getMessage()));
            Throwable cause = t.getCause();
            if (cause != null && cause != t) {
                details.put("cause", cause.getClass().getName() + ": " + cause.getMessage());
            }
        }
        journal.record("framework." + frameworkEventName(event.getType()), null, event.getBundle(), details);
    }

    static String bundleEventName(int type) {
        switch (type) {
            case BundleEvent.INSTALLED: return "installed";
            case BundleEvent.RESOLVED: return "resolved";
            case BundleEvent.LAZY_ACTIVATION: return "lazy_activation";
            case BundleEvent.STARTING: return "starting";
            case BundleEvent.STARTED: return "started";
            case BundleEvent.STOPPING: return "stopping";
            case BundleEvent.STOPPED: return "stopped";
            case BundleEvent.UPDATED: return "updated";
            case BundleEvent.UNRESOLVED: return "unresolved";
            case BundleEvent.UNINSTALLED: return "uninstalled";
            default: return "event_" + type;
        }
    }

    static String serviceEventName(int type) {
        switch (type) {
            case ServiceEvent.REGISTERED: return "registered";
            case ServiceEvent.MODIFIED: return "modified";
            case ServiceEvent.MODIFIED_ENDMATCH: return "modified_endmatch";
            case ServiceEvent.UNREGISTERING: return "unregistering";
            default: return "event_" + type;
        }
    }

    static String frameworkEventName(int type) {
        switch (type) {
            case FrameworkEvent.STARTED: return "started";
            case FrameworkEvent.ERROR: return "error";
            case FrameworkEvent.WARNING: return "warning";
            case FrameworkEvent.INFO: return "info";
            case FrameworkEvent.PACKAGES_REFRESHED: return "packages_refreshed";
            case FrameworkEvent.STARTLEVEL_CHANGED: return "startlevel_changed";
            case FrameworkEvent.STOPPED: return "stopped";
            case FrameworkEvent.STOPPED_UPDATE: return "stopped_update";
            case FrameworkEvent.STOPPED_BOOTCLASSPATH_MODIFIED: return "stopped_bootclasspath_modified";
            case FrameworkEvent.WAIT_TIMEDOUT: return "wait_timedout";
            case FrameworkEvent.STOPPED_SYSTEM_REFRESHED: return "stopped_system_refreshed";
            default: return "event_" + type;
        }
    }
}
