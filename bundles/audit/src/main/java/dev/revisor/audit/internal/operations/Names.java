package dev.revisor.audit.internal.operations;

import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWire;

/** Plain-word names of states, wire kinds and capabilities. Stateless. */
final class Names {
    private Names() {
    }

    static String state(int state) {
        switch (state) {
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return "STATE_" + state;
        }
    }

    static String bundleEvent(int type) {
        switch (type) {
            case BundleEvent.INSTALLED: return "INSTALLED";
            case BundleEvent.RESOLVED: return "RESOLVED";
            case BundleEvent.STARTING: return "STARTING";
            case BundleEvent.STARTED: return "STARTED";
            case BundleEvent.STOPPING: return "STOPPING";
            case BundleEvent.STOPPED: return "STOPPED";
            case BundleEvent.UPDATED: return "UPDATED";
            case BundleEvent.UNRESOLVED: return "UNRESOLVED";
            case BundleEvent.UNINSTALLED: return "UNINSTALLED";
            case BundleEvent.LAZY_ACTIVATION: return "LAZY_ACTIVATION";
            default: return "EVENT_" + type;
        }
    }

    /**
     * @param namespace a wire's namespace
     * @return {@code package}, {@code bundle}, {@code host} (a fragment-host wire) or {@code capability}
     */
    static String wireKind(String namespace) {
        if (PackageNamespace.PACKAGE_NAMESPACE.equals(namespace)) {
            return "package";
        }
        if (BundleNamespace.BUNDLE_NAMESPACE.equals(namespace)) {
            return "bundle";
        }
        if (HostNamespace.HOST_NAMESPACE.equals(namespace)) {
            return "host";
        }
        return "capability";
    }

    /** @return the capability's name: the package, the bundle symbolic name, or the namespace attribute */
    static String capabilityName(BundleCapability capability) {
        Map<String, Object> attrs = capability.getAttributes();
        Object name = attrs.get(capability.getNamespace());
        if (name != null) {
            return String.valueOf(name);
        }
        return capability.getNamespace() + attrs;
    }

    /** @return the capability's version, or {@code null} */
    static String capabilityVersion(BundleCapability capability) {
        Map<String, Object> attrs = capability.getAttributes();
        Object v = attrs.get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE);
        if (v == null) {
            v = attrs.get(BundleNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE);
        }
        if (v == null) {
            return null;
        }
        return v instanceof Version ? v.toString() : String.valueOf(v);
    }

    static String capabilityName(BundleWire wire) {
        return capabilityName(wire.getCapability());
    }
}
