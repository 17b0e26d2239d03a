package dev.revisor.audit.internal;

/**
 * Every journal event type the audit bundle writes, in one place, next to their description in docs/journal.md
 * (keep the two in step). The {@code deploy.*} and {@code config.*} types are the deploy bundle's (its
 * {@code ConfigEvents} holds the latter) and are listed in docs/journal.md too; the deploy bundle cannot see this
 * internal class.
 * <p>
 * Owns nothing; constants only.
 */
public final class EventTypes {
    public static final String AUDIT_STARTED = "audit.started";
    public static final String AUDIT_STOPPED = "audit.stopped";
    /** Prefix of {@code bundle.installed}, {@code bundle.started}, ... (one per BundleEvent type). */
    public static final String BUNDLE_PREFIX = "bundle.";
    public static final String BUNDLE_STARTING = "bundle.starting";
    public static final String BUNDLE_STARTED = "bundle.started";
    public static final String BUNDLE_STOPPING = "bundle.stopping";
    public static final String BUNDLE_STOPPED = "bundle.stopped";
    /** Prefix of {@code service.registered}, ... (one per ServiceEvent type). */
    public static final String SERVICE_PREFIX = "service.";
    /** Prefix of {@code framework.error}, ... (one per FrameworkEvent type). */
    public static final String FRAMEWORK_PREFIX = "framework.";
    public static final String FRAMEWORK_ERROR = "framework.error";
    public static final String OPERATION_STARTED = "operation.started";
    public static final String OPERATION_ENDED = "operation.ended";
    public static final String RESOLVE_STARTED = "resolve.started";
    public static final String RESOLVE_ENDED = "resolve.ended";
    public static final String REFRESH_PLANNED = "refresh.planned";
    public static final String REFRESH_STARTED = "refresh.started";
    public static final String REFRESH_RECORD = "refresh.record";
    public static final String REFRESH_FINAL = "refresh.final";
    public static final String UNINSTALL_RECORD = "uninstall.record";
    public static final String STOP_ENDED = "stop.ended";
    public static final String STOP_HUNG = "stop.hung";
    public static final String LEAK_FOUND = "leak.found";
    public static final String LEAK_RESOLVED = "leak.resolved";
    public static final String LEAK_CHECKED = "leak.checked";
    public static final String LEAK_EXPLAINED = "leak.explained";

    private EventTypes() {
    }
}
