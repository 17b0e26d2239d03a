package dev.revisor.deploy.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.ExecutionEnvironmentNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;

/** Turns the framework's answers into plain words. Stateless; thread safe. */
final class Explain {
    private Explain() {
    }

    /** @return {@code symbolicName/version [id]} */
    static String name(Bundle b) {
        return b.getSymbolicName() + "/" + b.getVersion() + " [" + b.getBundleId() + "]";
    }

    static String state(Bundle b) {
        switch (b.getState()) {
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            default: return "STATE_" + b.getState();
        }
    }

    /** How many missing requirements {@link #missing} names; the rest are counted ("and 89980 more"). */
    static final int MAX_LISTED = 20;

    /**
     * @return the mandatory requirements of the bundle's current revision that no installed bundle can provide,
     *         in plain words ({@code package org.example.utils [1.0.0,2.0.0)}), at most {@value #MAX_LISTED} of them
     *         and then {@code and N more}; empty when each has a candidate (then the resolver refused for another
     *         reason, e.g. a uses conflict)
     */
    static List<String> missing(Bundle bundle, FrameworkWiring frameworkWiring) {
        List<String> missing = new ArrayList<>();
        int more = 0;
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return missing;
        }
        for (BundleRequirement req : revision.getDeclaredRequirements(null)) {
            if (Namespace.RESOLUTION_OPTIONAL.equals(req.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))
                    || PackageNamespace.RESOLUTION_DYNAMIC.equals(req.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            String effective = req.getDirectives().get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
            if (effective != null && !Namespace.EFFECTIVE_RESOLVE.equals(effective)) {
                continue;
            }
            Collection<BundleCapability> providers = frameworkWiring.findProviders(req);
            if (providers.isEmpty()) {
                if (missing.size() < MAX_LISTED) {
                    missing.add(requirement(req));
                } else {
                    more++;
                }
            }
        }
        if (more > 0) {
            missing.add("and " + more + " more");
        }
        return missing;
    }

    /** @return one requirement in plain words */
    static String requirement(BundleRequirement req) {
        String filter = req.getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
        String ns = req.getNamespace();
        String name = filter == null ? null : valueOf(filter, ns);
        String range = filter == null ? "" : " " + versionRange(filter, ns.equals(PackageNamespace.PACKAGE_NAMESPACE)
                ? PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE : BundleNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE);
        switch (ns) {
            case PackageNamespace.PACKAGE_NAMESPACE: return "package " + name + range;
            case BundleNamespace.BUNDLE_NAMESPACE: return "bundle " + name + range;
            case HostNamespace.HOST_NAMESPACE: return "fragment host " + name + range;
            case ExecutionEnvironmentNamespace.EXECUTION_ENVIRONMENT_NAMESPACE: return "execution environment " + filter;
            case IdentityNamespace.IDENTITY_NAMESPACE: return "resource " + filter;
            default: return "capability " + ns + (filter == null ? "" : " " + filter);
        }
    }

    private static String valueOf(String filter, String attribute) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(" + java.util.regex.Pattern.quote(attribute) + "=([^)]*)\\)").matcher(filter);
        return m.find() ? m.group(1) : filter;
    }

    private static String versionRange(String filter, String attribute) {
        String a = java.util.regex.Pattern.quote(attribute);
        java.util.regex.Matcher low = java.util.regex.Pattern.compile("\\(" + a + ">=([^)]+)\\)").matcher(filter);
        java.util.regex.Matcher high = java.util.regex.Pattern.compile("\\(!\\(" + a + ">=([^)]+)\\)\\)").matcher(filter);
        boolean hasLow = low.find();
        boolean hasHigh = high.find();
        if (!hasLow && !hasHigh) {
            return "(any version)";
        }
        return "[" + (hasLow ? low.group(1) : "0.0.0") + "," + (hasHigh ? high.group(1) + ")" : "∞)");
    }

    /**
     * @return why the bundle does not resolve: its missing requirements, else the framework's own message
     */
    static String unresolved(Bundle bundle, FrameworkWiring frameworkWiring) {
        List<String> missing = missing(bundle, frameworkWiring);
        if (!missing.isEmpty()) {
            return "no installed bundle provides " + String.join(", ", missing);
        }
        try {
            bundle.start(Bundle.START_TRANSIENT);
            bundle.stop(Bundle.STOP_TRANSIENT);
            return "it resolves now";
        } catch (BundleException | IllegalStateException e) {
            return "the resolver refused it: " + firstLine(e.getMessage());
        }
    }

    /** @return why a start failed: the activator's exception when there is one, else the framework's message */
    static String startFailure(BundleException e) {
        Throwable cause = e.getCause();
        if (e.getType() == BundleException.ACTIVATOR_ERROR && cause != null) {
            Throwable root = rootCause(cause);
            return "its activator threw " + cause.getClass().getName()
                    + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage()))
                    + (root == cause ? "" : " (root cause " + root.getClass().getName()
                            + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage())) + ")");
        }
        if (e.getType() == BundleException.RESOLVE_ERROR) {
            return "it does not resolve: " + firstLine(e.getMessage());
        }
        return firstLine(e.getMessage()) + (cause == null ? "" : " (" + cause.getClass().getName() + ": " + firstLine(String.valueOf(cause.getMessage())) + ")");
    }

    /**
     * @return why a start failed, from whatever {@code Bundle.start} threw: {@link #startFailure} for a
     *         {@link BundleException}, the exception itself otherwise
     */
    static String failure(Throwable t) {
        if (t instanceof BundleException) {
            return startFailure((BundleException) t);
        }
        return t.getClass().getName() + (t.getMessage() == null ? "" : ": " + firstLine(t.getMessage()));
    }

    /**
     * @param millis a duration
     * @return it for people: {@code 30 s}, {@code 1.5 s}, {@code 500 ms}
     */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** How many frames {@link #stuckAt} shows. */
    static final int TOP_FRAMES = 6;

    /**
     * Where a start thread is stuck, for people: the frames above the framework's own (what the activator runs),
     * innermost first, without the JDK's internal frames of a wait ({@code Unsafe.park}, {@code LockSupport},
     * {@code AbstractQueuedSynchronizer}: the first frame shown is the call that waits, e.g.
     * {@code CountDownLatch.await}), at most {@value #TOP_FRAMES}; when there are more, the innermost ones and the
     * outermost one (the activator's own frame). When the thread is inside the framework itself (waiting for a
     * bundle's lock), its top frames. The journal keeps the whole stack.
     */
    static String stuckAt(StackTraceElement[] frames) {
        if (frames == null || frames.length == 0) {
            return "(no stack: the thread has ended)";
        }
        int begin = 0;
        while (begin < frames.length - 1 && isWaitInternals(frames[begin].getClassName())) {
            begin++;
        }
        int end = frames.length;
        for (int i = begin; i < frames.length; i++) {
            if (frames[i].getClassName().startsWith("org.apache.felix.framework.")) {
                end = i;
                break;
            }
        }
        if (end == begin) { // waiting inside the framework itself
            end = Math.min(frames.length, begin + TOP_FRAMES);
        }
        List<String> shown = new ArrayList<>();
        if (end - begin <= TOP_FRAMES) {
            for (int i = begin; i < end; i++) {
                shown.add(frame(frames[i]));
            }
        } else {
            for (int i = begin; i < begin + TOP_FRAMES - 1; i++) {
                shown.add(frame(frames[i]));
            }
            shown.add("... " + (end - begin - TOP_FRAMES) + " more");
            shown.add(frame(frames[end - 1]));
        }
        return String.join(" < ", shown);
    }

    private static boolean isWaitInternals(String className) {
        return className.startsWith("jdk.internal.") || className.startsWith("sun.")
                || className.startsWith("java.util.concurrent.locks.");
    }

    /** @return {@code class.method(File.java:12)}, without the module name */
    static String frame(StackTraceElement f) {
        String where = f.isNativeMethod() ? "Native Method"
                : f.getFileName() == null ? "Unknown Source"
                : f.getLineNumber() >= 0 ? f.getFileName() + ":" + f.getLineNumber() : f.getFileName();
        return f.getClassName() + "." + f.getMethodName() + "(" + where + ")";
    }

    /**
     * The facts of a start failure for the journal: {@code exception} and {@code message} of the activator's exception
     * (the {@link BundleException}'s cause when the framework wrapped it, else what was thrown),
     * {@code rootCauseClass} and {@code rootCauseMessage} of its innermost cause when it has one, and
     * {@code wrapper}: the framework's exception ({@code class: message}) when it wrapped the activator's.
     * Absent facts are left out.
     */
    static java.util.Map<String, Object> exceptionDetails(Throwable thrown) {
        // the one shape of an exception in the journal, shared with the audit's framework.error
        return dev.revisor.common.internal.ExceptionFacts.of(thrown,
                thrown instanceof BundleException && thrown.getCause() != null, Explain::firstLine);
    }

    /** @return the innermost cause (the throwable itself when it has none); safe against cause cycles */
    static Throwable rootCause(Throwable t) {
        Throwable root = t;
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (root.getCause() != null && root.getCause() != root && seen.add(root)) {
            root = root.getCause();
        }
        return root;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 600 ? line.substring(0, 600) + "..." : line;
    }
}
