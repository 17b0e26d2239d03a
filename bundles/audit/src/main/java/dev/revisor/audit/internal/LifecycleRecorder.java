package dev.revisor.audit.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.AllServiceListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.bundle.EventHook;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.internal.operations.OperationTracker;
import dev.revisor.common.internal.ExceptionFacts;

/**
 * Journals every bundle, service and framework event and every resolve, each tied to its operation by the
 * {@link OperationTracker}.
 * <p>
 * Hooks and listeners run on the framework's threads: they only attribute the event (a few map look-ups), convert it
 * into a journal record and queue it ({@link Journal#record} does no I/O), so the framework is not slowed down.
 * Bundle events are taken through a bundle {@link EventHook}, which the framework calls on the thread that fired the
 * event before any listener: so STOPPING is journaled before the DS deactivations it causes (SCR deactivates in its
 * own synchronous listener), in order, with the time it happened.
 * <p>
 * Concurrent Semantics: thread safe; holds no mutable state of its own.
 */
@Component(immediate = true, service = {})
public final class LifecycleRecorder implements EventHook, AllServiceListener, FrameworkListener, ResolverHookFactory {
    private final BundleContext context;
    private final Journal journal;
    private final OperationTracker operations;
    private final Logger logger;
    private final List<ServiceRegistration<?>> hooks = new ArrayList<>();
    /** The parts of the audit that need the events as they happen; see {@link LifecycleTap}. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<LifecycleTap> taps = new CopyOnWriteArrayList<>();

    /** Keeps its collaborators; registers nothing (see {@link #activate}). */
    @Activate
    public LifecycleRecorder(BundleContext context, @Reference Journal journal, @Reference OperationTracker operations,
            @Reference LoggerFactory loggers) {
        this.context = context;
        this.journal = journal;
        this.operations = operations;
        this.logger = loggers.getLogger(LifecycleRecorder.class);
    }

    /** Journals {@code audit.started}, then adds the listeners and registers the hooks. */
    @Activate
    void activate() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bundles", context.getBundles().length);
        journal.record(EventTypes.AUDIT_STARTED, null, context.getBundle(), details);
        context.addServiceListener(this);
        context.addFrameworkListener(this);
        hooks.add(context.registerService(EventHook.class, this, null));
        hooks.add(context.registerService(ResolverHookFactory.class, this, null));
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : hooks) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        context.removeFrameworkListener(this);
        context.removeServiceListener(this);
        journal.record(EventTypes.AUDIT_STOPPED, null, context.getBundle(), new LinkedHashMap<>());
    }

    @Override
    public void event(BundleEvent event, Collection<BundleContext> contexts) {
        for (LifecycleTap tap : taps) {
            try {
                tap.bundleEvent(event);
            } catch (Throwable e) { // one failing tap never keeps the event from the other taps or the journal
                logger.error("audit: tap {} failed on a bundle event: {}", tap, e.toString(), e);
            }
        }
        bundleChanged(event); // the contexts are left as they are: the audit hides nothing
    }

    void bundleChanged(BundleEvent event) {
        Map<String, Object> details = new LinkedHashMap<>();
        Bundle origin = event.getOrigin();
        if (origin != null && origin.getBundleId() != event.getBundle().getBundleId()) {
            details.put("origin", origin.getBundleId());
        }
        if (event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED) {
            details.put("location", event.getBundle().getLocation());
        }
        String operation = operations.bundleEvent(event);
        journal.record(EventTypes.BUNDLE_PREFIX + bundleEventName(event.getType()), operation, event.getBundle(), details);
        if (event.getType() == BundleEvent.UNINSTALLED) {
            journal.record(EventTypes.UNINSTALL_RECORD, operation, event.getBundle(),
                    operations.uninstallRecord(event.getBundle(), operation));
        }
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        for (LifecycleTap tap : taps) {
            try {
                tap.serviceEvent(event);
            } catch (Throwable e) { // one failing tap never keeps the event from the other taps or the journal
                logger.error("audit: tap {} failed on a service event: {}", tap, e.toString(), e);
            }
        }
        ServiceReference<?> ref = event.getServiceReference();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("serviceId", ref.getProperty(Constants.SERVICE_ID));
        Object classes = ref.getProperty(Constants.OBJECTCLASS);
        details.put("objectClass", classes instanceof String[] ? List.of((String[]) classes) : String.valueOf(classes));
        Object pid = ref.getProperty(Constants.SERVICE_PID);
        if (pid != null) {
            details.put("pid", String.valueOf(pid));
        }
        Bundle[] using = null;
        if (event.getType() == ServiceEvent.UNREGISTERING) {
            using = ref.getUsingBundles();
            if (using != null && using.length > 0) {
                List<Long> ids = new ArrayList<>();
                for (Bundle b : using) {
                    ids.add(b.getBundleId());
                }
                details.put("usingBundles", ids);
            }
        }
        String operation = operations.serviceEvent(ref, event.getType(), using);
        journal.record(EventTypes.SERVICE_PREFIX + serviceEventName(event.getType()), operation, ref.getBundle(), details);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        Map<String, Object> details = new LinkedHashMap<>();
        throwableDetails(event.getThrowable(), details);
        String operation = operations.frameworkEvent(event);
        journal.record(EventTypes.FRAMEWORK_PREFIX + frameworkEventName(event.getType()), operation, event.getBundle(), details);
    }

    /**
     * The throwable of a framework event in the one shape of an exception in the journal (docs/journal.md, "An
     * exception in an event", {@link ExceptionFacts}): {@code exception} and {@code message} of the exception that
     * matters (for an activator that threw, the activator's exception, which the framework's {@code BundleException}
     * wraps), {@code rootCauseClass} and {@code rootCauseMessage} of its innermost cause, and {@code wrapper}: the
     * {@code BundleException} as {@code class: message}. Messages whole; a {@code null} one is left out. Journals
     * written before this version have {@code causeClass}/{@code causeMessage} (or {@code cause}); audit:why reads all.
     */
    static void throwableDetails(Throwable t, Map<String, Object> details) {
        details.putAll(ExceptionFacts.of(t, t instanceof BundleException && t.getCause() != null));
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        String operation = operations.resolveBegin(triggers);
        List<Long> ids = new ArrayList<>();
        for (BundleRevision r : triggers) {
            ids.add(r.getBundle().getBundleId());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("triggers", ids);
        journal.record(EventTypes.RESOLVE_STARTED, operation, null, details);
        return new Resolve(operation, System.nanoTime());
    }

    /** One resolve: journals its end. Filters nothing. */
    private final class Resolve implements ResolverHook {
        private final String operation;
        private final long start;

        Resolve(String operation, long start) {
            this.operation = operation;
            this.start = start;
        }

        @Override
        public void filterResolvable(Collection<BundleRevision> candidates) {
            // the audit only watches
        }

        @Override
        public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> collisionCandidates) {
            // the audit only watches
        }

        @Override
        public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
            // the audit only watches
        }

        @Override
        public void end() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("durationMs", (System.nanoTime() - start) / 1_000_000);
            journal.record(EventTypes.RESOLVE_ENDED, operation, null, details);
        }
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
