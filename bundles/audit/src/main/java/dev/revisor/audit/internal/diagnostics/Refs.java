package dev.revisor.audit.internal.diagnostics;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRevision;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * Names bundles and revisions for reports. Stateless.
 */
final class Refs {
    private Refs() {
    }

    /**
     * @param revision a revision, current or removal-pending
     * @return its bundle's id with the revision's own symbolic name and version (an old revision keeps the old ones)
     */
    static BundleRefDTO of(BundleRevision revision) {
        BundleRefDTO ref = new BundleRefDTO();
        ref.id = revision.getBundle().getBundleId();
        ref.symbolicName = revision.getSymbolicName();
        ref.version = revision.getVersion().toString();
        return ref;
    }

    /** @return {@code symbolicName/version [id]} */
    static String text(BundleRevision revision) {
        return of(revision).display();
    }

    /** @return the state in the words of the spec: Installed, Resolved, Starting, Active, Stopping, Uninstalled */
    static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "Installed";
            case Bundle.RESOLVED: return "Resolved";
            case Bundle.STARTING: return "Starting";
            case Bundle.ACTIVE: return "Active";
            case Bundle.STOPPING: return "Stopping";
            case Bundle.UNINSTALLED: return "Uninstalled";
            default: return "state " + state;
        }
    }

    /** @return whether the revision is a fragment */
    static boolean isFragment(BundleRevision revision) {
        return (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    /** Location prefix of the bundles the launcher installs from the booted features (the runtime's FeatureBundles). */
    static final String FEATURE_LOCATION_PREFIX = "revisor:feature:";

    /**
     * @return whether a feature installed the revision's bundle: uninstalling it is never the fix, since the launcher
     *         installs it again at the next start (and the core feature's bundles are the runtime itself)
     */
    static boolean fromFeature(BundleRevision revision) {
        String location = revision.getBundle().getLocation();
        return location != null && location.startsWith(FEATURE_LOCATION_PREFIX);
    }
}
