package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.DependentDTO;
import dev.revisor.audit.api.RemovalPendingDTO;

/** Reads who is wired to whom. Stateless; reads the framework's wiring, which is thread safe. */
final class Wires {
    private Wires() {
    }

    /** @return a reference naming the bundle with the version of this revision (old revisions keep theirs) */
    static BundleRefDTO ref(BundleRevision revision) {
        BundleRefDTO ref = new BundleRefDTO();
        Bundle b = revision.getBundle();
        ref.id = b.getBundleId();
        ref.symbolicName = revision.getSymbolicName();
        ref.version = revision.getVersion().toString();
        return ref;
    }

    /** @return one entry for every wire other bundles hold to this wiring (its own wires left out) */
    static List<DependentDTO> dependents(BundleWiring wiring) {
        List<DependentDTO> out = new ArrayList<>();
        long self = wiring.getBundle().getBundleId();
        List<BundleWire> wires = wiring.getProvidedWires(null);
        if (wires == null) {
            return out;
        }
        for (BundleWire wire : wires) {
            BundleRevision requirer = wire.getRequirer();
            if (requirer.getBundle().getBundleId() == self) {
                continue;
            }
            DependentDTO d = new DependentDTO();
            d.bundle = ref(requirer);
            String kind = Names.wireKind(wire.getCapability().getNamespace());
            d.kind = "host".equals(kind) ? "fragment" : kind; // the requirer of a host wire is a fragment
            d.namespace = wire.getCapability().getNamespace();
            d.name = Names.capabilityName(wire);
            d.version = Names.capabilityVersion(wire.getCapability());
            out.add(d);
        }
        return out;
    }

    /**
     * @param bundle a bundle
     * @return its revisions that are out of date (uninstalled, or older than the current one) and still wired to
     *         by other bundles, each with who
     */
    static List<RemovalPendingDTO> pending(Bundle bundle) {
        List<RemovalPendingDTO> out = new ArrayList<>();
        BundleRevisions revisions = bundle.adapt(BundleRevisions.class);
        if (revisions == null) {
            return out;
        }
        boolean uninstalled = bundle.getState() == Bundle.UNINSTALLED;
        BundleRevision current = uninstalled ? null : bundle.adapt(BundleRevision.class);
        for (BundleRevision rev : revisions.getRevisions()) {
            if (rev == current) {
                continue;
            }
            BundleWiring wiring = rev.getWiring();
            if (wiring == null) {
                continue;
            }
            List<DependentDTO> wiredBy = dependents(wiring);
            if (wiredBy.isEmpty()) {
                continue;
            }
            RemovalPendingDTO p = new RemovalPendingDTO();
            p.bundle = ref(rev);
            p.revision = rev.toString();
            p.uninstalled = uninstalled;
            p.wiredBy = wiredBy;
            out.add(p);
        }
        return out;
    }

    /** @return every removal-pending revision of the framework, with who is still wired to it */
    static List<RemovalPendingDTO> pending(FrameworkWiring fw) {
        List<RemovalPendingDTO> out = new ArrayList<>();
        Collection<Bundle> bundles = fw.getRemovalPendingBundles();
        for (Bundle b : bundles) {
            out.addAll(pending(b));
        }
        return out;
    }
}
