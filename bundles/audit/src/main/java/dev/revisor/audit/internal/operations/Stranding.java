package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Namespace;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.StrandedDTO;
import dev.revisor.audit.internal.diagnostics.Filters;

/**
 * Who an uninstall would strand (docs/operations.md, "Refresh plans"): every bundle with a mandatory requirement that
 * is wired now to a removed bundle, or to a bundle stranded in turn, and that no other installed bundle declares a
 * capability for. Such a bundle would not resolve again after the refresh. Reads the framework's wiring (current
 * revisions); changes nothing.
 * <p>
 * Concurrent Semantics: stateless, thread safe; runs on the caller's thread.
 */
final class Stranding {
    private Stranding() {
    }

    /**
     * @param removed    the bundles the uninstall removes, by id
     * @param candidates the bundles that could be stranded: those the refresh covers (others are not wired to them)
     * @param installed  every installed bundle, the possible other providers
     * @return for each stranded bundle id (in the order found: removed bundles' direct dependents first), the
     *         requirements it would miss
     */
    static Map<Long, List<StrandedDTO>> of(Map<Long, Bundle> removed, Collection<Bundle> candidates, Bundle[] installed) {
        Map<Long, Bundle> gone = new LinkedHashMap<>(removed);
        Map<Long, List<StrandedDTO>> stranded = new LinkedHashMap<>();
        boolean more = true;
        while (more) {
            more = false;
            for (Bundle b : candidates) {
                if (gone.containsKey(b.getBundleId())) {
                    continue;
                }
                List<StrandedDTO> missing = missing(b, gone, removed, installed);
                if (!missing.isEmpty()) {
                    stranded.put(b.getBundleId(), missing);
                    gone.put(b.getBundleId(), b);
                    more = true;
                }
            }
        }
        return stranded;
    }

    /** @return the mandatory requirements of b wired to a gone bundle that nothing else provides */
    private static List<StrandedDTO> missing(Bundle b, Map<Long, Bundle> gone, Map<Long, Bundle> removed, Bundle[] installed) {
        List<StrandedDTO> out = new ArrayList<>();
        BundleRevision current = b.adapt(BundleRevision.class);
        BundleWiring wiring = current == null ? null : current.getWiring();
        List<BundleWire> wires = wiring == null ? null : wiring.getRequiredWires(null);
        if (wires == null) {
            return out;
        }
        Map<String, StrandedDTO> seen = new LinkedHashMap<>();
        for (BundleWire w : wires) {
            Bundle provider = w.getProvider().getBundle();
            if (!gone.containsKey(provider.getBundleId()) || provider.getBundleId() == b.getBundleId() || !mandatory(w)) {
                continue;
            }
            if (alternatives(w, gone, installed) > 0) {
                continue;
            }
            StrandedDTO s = new StrandedDTO();
            s.namespace = w.getCapability().getNamespace();
            s.name = Names.capabilityName(w);
            VersionRange range = Filters.range(w.getRequirement());
            s.range = range == null ? null : range.toString();
            s.filter = w.getRequirement().getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
            s.provider = BundleRefDTO.of(provider);
            s.providerStranded = !removed.containsKey(provider.getBundleId());
            seen.putIfAbsent(s.namespace + "|" + s.name + "|" + s.provider.id, s);
        }
        out.addAll(seen.values());
        return out;
    }

    /** @return whether the wire's requirement must be satisfied for its bundle to resolve (not optional, not dynamic) */
    static boolean mandatory(BundleWire w) {
        String resolution = w.getRequirement().getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE);
        return !Namespace.RESOLUTION_OPTIONAL.equals(resolution) && !PackageNamespace.RESOLUTION_DYNAMIC.equals(resolution);
    }

    /** @return how many installed bundles other than the gone ones declare a capability the wire's requirement matches */
    static int alternatives(BundleWire w, Map<Long, Bundle> gone, Bundle[] installed) {
        String ns = w.getCapability().getNamespace();
        String filterText = w.getRequirement().getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
        Filter filter = null;
        if (filterText != null) {
            try {
                filter = FrameworkUtil.createFilter(filterText);
            } catch (InvalidSyntaxException e) {
                return 0;
            }
        }
        int count = 0;
        for (Bundle other : installed) {
            if (gone.containsKey(other.getBundleId()) || other.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            BundleRevision rev = other.adapt(BundleRevision.class);
            if (rev == null) {
                continue;
            }
            for (BundleCapability cap : rev.getDeclaredCapabilities(ns)) {
                if (filter == null || filter.matches(cap.getAttributes())) {
                    count++;
                }
            }
        }
        return count;
    }

    /** @return the requirement as people read it: {@code package org.example.utils [2.0.0,3.0.0)} */
    static String describe(StrandedDTO s) {
        String range = s.range == null ? null : Filters.text(VersionRange.valueOf(s.range));
        return Names.wireKind(s.namespace) + " " + s.name + (range == null ? "" : " " + range);
    }
}
