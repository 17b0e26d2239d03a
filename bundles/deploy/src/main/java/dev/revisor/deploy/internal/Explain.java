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

    /**
     * @return the mandatory requirements of the bundle's current revision that no installed bundle can provide,
     *         in plain words ({@code package org.example.utils [1.0.0,2.0.0)}); empty when each has a candidate
     *         (then the resolver refused for another reason, e.g. a uses conflict)
     */
    static List<String> missing(Bundle bundle, FrameworkWiring frameworkWiring) {
        List<String> missing = new ArrayList<>();
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
                missing.add(requirement(req));
            }
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
            return "its activator threw " + cause.getClass().getName()
                    + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage()));
        }
        if (e.getType() == BundleException.RESOLVE_ERROR) {
            return "it does not resolve: " + firstLine(e.getMessage());
        }
        return firstLine(e.getMessage()) + (cause == null ? "" : " (" + cause.getClass().getName() + ": " + firstLine(String.valueOf(cause.getMessage())) + ")");
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
