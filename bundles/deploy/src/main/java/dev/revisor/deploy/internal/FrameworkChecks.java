package dev.revisor.deploy.internal;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * The checks of an incoming jar that need the framework: not the framework's own identity, not a framework
 * extension, no collision with the identity of another installed bundle (same symbolic name and version, or two
 * singletons). Stateless.
 * <p>
 * Concurrent Semantics: thread safe; called on the deploy thread.
 */
final class FrameworkChecks {
    private FrameworkChecks() {
    }

    /** @throws Refusal naming the check and what collides with what */
    static void check(DeployContext ctx, JarFacts facts, Bundle existing) throws Refusal {
        Bundle system = ctx.bundles.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (facts.symbolicName.equals(Constants.SYSTEM_BUNDLE_SYMBOLICNAME) || facts.symbolicName.equals(system.getSymbolicName())) {
            throw new Refusal("identity", "its Bundle-SymbolicName " + facts.symbolicName + " is the framework's own name");
        }
        if (facts.fragmentHost != null && (facts.fragmentHost.equals(Constants.SYSTEM_BUNDLE_SYMBOLICNAME)
                || facts.fragmentHost.equals(system.getSymbolicName()))) {
            throw new Refusal("identity", "it is a framework extension (Fragment-Host: " + facts.fragmentHost
                    + "): it would change the framework itself, which cannot be undone without a restart");
        }
        for (Bundle other : ctx.bundles.getBundles()) {
            if (existing != null && other.getBundleId() == existing.getBundleId()) {
                continue;
            }
            if (!facts.symbolicName.equals(other.getSymbolicName())) {
                continue;
            }
            if (facts.version.equals(other.getVersion())) {
                throw new Refusal("collision", "its identity " + facts.display() + " collides with the installed bundle "
                        + Explain.name(other) + " from " + describeLocation(ctx, other.getLocation())
                        + ": a second copy of one identity cannot be installed; remove one of them, or give this one another version");
            }
            if (facts.singleton && Bundles.isSingleton(other)) {
                throw new Refusal("collision", "it is a singleton (" + facts.symbolicName + ";singleton:=true) and so is the installed bundle "
                        + Explain.name(other) + " from " + describeLocation(ctx, other.getLocation()) + ": only one of them could resolve");
            }
        }
    }

    private static String describeLocation(DeployContext ctx, String location) {
        String folderUri = ctx.settings.folder.toFile().toURI().normalize().toString();
        if (location.startsWith(folderUri)) {
            return "the deploy folder's " + location.substring(folderUri.length());
        }
        return location;
    }
}
