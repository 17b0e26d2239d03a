package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWiring;

/**
 * One look at the framework's module layer: every revision of every bundle (current and removal-pending), with
 * indexes built once per look so that each analysis stays linear in the number of capabilities.
 * <p>
 * Concurrent Semantics: not thread safe; one instance serves one diagnostic call. It holds revisions only for the
 * duration of that call.
 */
final class FrameworkState {
    private final List<Bundle> bundles;
    private final List<BundleRevision> revisions = new ArrayList<>();
    private final Set<BundleRevision> current = Collections.newSetFromMap(new IdentityHashMap<>());
    private final LocalContent localContent;
    private Map<String, Map<String, List<BundleCapability>>> declared;

    /**
     * @param bundles      the installed bundles and the uninstalled ones whose revisions are still pending
     * @param localContent reads a wiring's own classes
     */
    FrameworkState(Collection<Bundle> bundles, LocalContent localContent) {
        this.localContent = localContent;
        Map<Long, Bundle> byId = new LinkedHashMap<>();
        for (Bundle b : bundles) {
            byId.putIfAbsent(b.getBundleId(), b);
        }
        this.bundles = new ArrayList<>(byId.values());
        this.bundles.sort((a, b) -> Long.compare(a.getBundleId(), b.getBundleId()));
        for (Bundle b : this.bundles) {
            BundleRevision now = b.getState() == Bundle.UNINSTALLED ? null : b.adapt(BundleRevision.class);
            BundleRevisions all = b.adapt(BundleRevisions.class);
            List<BundleRevision> list = all == null ? null : all.getRevisions();
            if (list == null || list.isEmpty()) {
                if (now != null) {
                    revisions.add(now);
                    current.add(now);
                }
                continue;
            }
            for (BundleRevision r : list) {
                revisions.add(r);
                if (r.equals(now)) {
                    current.add(r);
                }
            }
        }
    }

    /** @return the bundles, by id */
    List<Bundle> bundles() {
        return bundles;
    }

    /** @return every revision, the bundles' order, each bundle's newest first */
    List<BundleRevision> revisions() {
        return revisions;
    }

    /** @return whether the revision is its bundle's current one (otherwise it is removal-pending or uninstalled) */
    boolean isCurrent(BundleRevision revision) {
        return current.contains(revision);
    }

    /** @return the revision's own classes, by package: see {@link LocalContent} */
    Map<String, Set<String>> localClasses(BundleWiring wiring) {
        return localContent.classesByPackage(wiring);
    }

    /**
     * @param namespace a namespace
     * @param name      the name asked for, or {@code null} for every capability of the namespace
     * @return every capability any revision declares with that namespace and name (resolved or not, current or not)
     */
    List<BundleCapability> declared(String namespace, String name) {
        Map<String, List<BundleCapability>> byName = declaredIndex().getOrDefault(namespace, Map.of());
        if (name != null) {
            return byName.getOrDefault(name, List.of());
        }
        Set<BundleCapability> all = new LinkedHashSet<>();
        byName.values().forEach(all::addAll);
        return new ArrayList<>(all);
    }

    private Map<String, Map<String, List<BundleCapability>>> declaredIndex() {
        if (declared == null) {
            declared = new HashMap<>();
            for (BundleRevision r : revisions) {
                for (BundleCapability c : r.getDeclaredCapabilities(null)) {
                    Map<String, List<BundleCapability>> byName = declared.computeIfAbsent(c.getNamespace(), k -> new HashMap<>());
                    List<String> names = Filters.names(c);
                    if (names.isEmpty()) {
                        byName.computeIfAbsent("", k -> new ArrayList<>()).add(c);
                    }
                    for (String n : names) {
                        byName.computeIfAbsent(n, k -> new ArrayList<>()).add(c);
                    }
                }
            }
        }
        return declared;
    }
}
