package dev.revisor.audit.internal.operations;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.WiringChangeDTO;

/**
 * The state and package wiring of a set of bundles at one moment, and the revisions wired then (weakly), so that a
 * refresh can be compared before and after. Keeps no strong reference to a bundle, revision or class loader.
 * <p>
 * Concurrent Semantics: immutable after {@link #take}; thread safe.
 */
final class WiringSnapshot {
    /** The exporter an import is wired to, and the version of the package it exports. */
    static final class Export {
        final BundleRefDTO exporter;
        final String version;

        Export(BundleRefDTO exporter, String version) {
            this.exporter = exporter;
            this.version = version;
        }
    }

    /** One bundle at the moment of the snapshot. */
    static final class Entry {
        final BundleRefDTO bundle;
        final int state;
        /** package name → the exporter it is wired to, for the current wiring */
        final Map<String, Export> imports;
        /** every revision of the bundle that had a wiring then (current and removal-pending) */
        final List<RetiredRevision> wired;
        final WeakReference<BundleWiring> currentWiring;
        final boolean hadWiring;

        Entry(BundleRefDTO bundle, int state, Map<String, Export> imports, List<RetiredRevision> wired,
                BundleWiring currentWiring) {
            this.bundle = bundle;
            this.state = state;
            this.imports = imports;
            this.wired = wired;
            this.currentWiring = new WeakReference<>(currentWiring);
            this.hadWiring = currentWiring != null;
        }
    }

    private final Map<Long, Entry> entries;

    private WiringSnapshot(Map<Long, Entry> entries) {
        this.entries = entries;
    }

    /**
     * @param bundles   the bundles to look at
     * @param withLoaders whether to capture the class loaders of wired revisions (before a refresh)
     * @return their state and wiring now
     */
    static WiringSnapshot take(Collection<Bundle> bundles, boolean withLoaders) {
        Map<Long, Entry> entries = new LinkedHashMap<>();
        for (Bundle b : bundles) {
            int state = b.getState();
            boolean uninstalled = state == Bundle.UNINSTALLED;
            BundleRevision current = uninstalled ? null : b.adapt(BundleRevision.class);
            BundleWiring wiring = current == null ? null : current.getWiring();
            Map<String, Export> imports = new TreeMap<>();
            if (wiring != null) {
                List<BundleWire> wires = wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE);
                if (wires != null) {
                    for (BundleWire w : wires) {
                        imports.put(Names.capabilityName(w),
                                new Export(Wires.ref(w.getProvider()), Names.capabilityVersion(w.getCapability())));
                    }
                }
            }
            List<RetiredRevision> wired = new ArrayList<>();
            if (withLoaders) {
                BundleRevisions revisions = b.adapt(BundleRevisions.class);
                if (revisions != null) {
                    for (BundleRevision rev : revisions.getRevisions()) {
                        if (rev.getWiring() != null) {
                            wired.add(RetiredRevision.capture(rev, Wires.ref(rev), uninstalled, rev == current));
                        }
                    }
                }
            }
            BundleRefDTO ref = current != null ? Wires.ref(current) : BundleRefDTO.of(b);
            entries.put(b.getBundleId(), new Entry(ref, state, imports, wired, wiring));
        }
        return new WiringSnapshot(entries);
    }

    Map<Long, Entry> entries() {
        return entries;
    }

    Entry get(long id) {
        return entries.get(id);
    }

    /**
     * @param after the snapshot after the change
     * @return every importer (in both snapshots) whose exporter or exporter version of a package changed, and
     *         packages wired only before or only after
     */
    List<WiringChangeDTO> changesTo(WiringSnapshot after) {
        List<WiringChangeDTO> changes = new ArrayList<>();
        for (Map.Entry<Long, Entry> e : entries.entrySet()) {
            Entry b = e.getValue();
            Entry a = after.entries.get(e.getKey());
            if (a == null) {
                continue; // uninstalled: it imports nothing any more, reported as removed elsewhere
            }
            Map<String, Export> union = new TreeMap<>(b.imports);
            a.imports.forEach(union::putIfAbsent);
            for (String pkg : union.keySet()) {
                Export from = b.imports.get(pkg);
                Export to = a.imports.get(pkg);
                if (same(from, to)) {
                    continue;
                }
                WiringChangeDTO c = new WiringChangeDTO();
                c.importer = a.bundle;
                c.name = pkg;
                c.fromExporter = from == null ? null : from.exporter;
                c.fromVersion = from == null ? null : from.version;
                c.toExporter = to == null ? null : to.exporter;
                c.toVersion = to == null ? null : to.version;
                changes.add(c);
            }
        }
        return changes;
    }

    private static boolean same(Export a, Export b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.exporter.id == b.exporter.id && Objects.equals(a.exporter.version, b.exporter.version)
                && Objects.equals(a.version, b.version);
    }
}
