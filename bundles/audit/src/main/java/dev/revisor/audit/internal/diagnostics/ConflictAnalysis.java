package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.osgi.framework.Version;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PrivateCopyDTO;
import dev.revisor.audit.api.SplitPackageDTO;

/**
 * Builds {@link ConflictReportDTO}: every package exported by more than one resolved revision, split packages and
 * private copies.
 * <p>
 * Cost: one pass over the package capabilities and provided package wires of every wiring, grouped by package name
 * in a hash map (linear in exports plus wires); one {@code listResources} per current wiring, cached per wiring.
 * <p>
 * Concurrent Semantics: not thread safe; one instance per call.
 */
final class ConflictAnalysis {
    /** The system bundle: its "content" is the JVM, not a bundle's class path. */
    private static final long SYSTEM_BUNDLE = 0L;

    private final FrameworkState state;
    /** package name to every export of it by a resolved revision */
    private final Map<String, List<Export>> exports = new HashMap<>();
    private int exportCount;

    /** One package capability of one wiring, with its importers. */
    static final class Export {
        final BundleRevision revision;
        final BundleCapability capability;
        final String packageName;
        final Version version;
        final boolean removalPending;
        final List<BundleRevision> importers = new ArrayList<>();

        Export(BundleRevision revision, BundleCapability capability, boolean removalPending) {
            this.revision = revision;
            this.capability = capability;
            this.packageName = Filters.name(capability);
            Version v = Filters.version(capability);
            this.version = v == null ? Version.emptyVersion : v;
            this.removalPending = removalPending;
        }

        PackageExportDTO dto() {
            PackageExportDTO dto = new PackageExportDTO();
            dto.packageName = packageName;
            dto.version = version.toString();
            dto.bundle = Refs.of(revision);
            dto.removalPending = removalPending;
            String uses = capability.getDirectives().get(PackageNamespace.CAPABILITY_USES_DIRECTIVE);
            dto.uses = uses == null ? List.of() : Filters.sorted(List.of(uses.trim().split("\\s*,\\s*")));
            Set<Long> seen = new HashSet<>();
            dto.importers = new ArrayList<>();
            for (BundleRevision r : importers) {
                if (seen.add(r.getBundle().getBundleId())) {
                    dto.importers.add(Refs.of(r));
                }
            }
            dto.importers.sort(Comparator.comparingLong(b -> b.id));
            return dto;
        }
    }

    ConflictAnalysis(FrameworkState state) {
        this.state = state;
        for (BundleRevision revision : state.revisions()) {
            BundleWiring wiring = revision.getWiring();
            if (wiring == null || Refs.isFragment(revision)) {
                continue; // a fragment's exports are offered by its host's wiring
            }
            boolean pending = !state.isCurrent(revision);
            Map<String, Export> own = new LinkedHashMap<>();
            for (BundleCapability c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                Export e = new Export(revision, c, pending);
                if (e.packageName == null) {
                    continue;
                }
                own.put(key(e.packageName, e.version), e);
                exports.computeIfAbsent(e.packageName, k -> new ArrayList<>()).add(e);
                exportCount++;
            }
            for (BundleWire w : wiring.getProvidedWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                String pkg = Filters.name(w.getCapability());
                Version v = Filters.version(w.getCapability());
                Export e = own.get(key(pkg, v == null ? Version.emptyVersion : v));
                if (e != null) {
                    e.importers.add(w.getRequirer());
                }
            }
        }
    }

    private static String key(String pkg, Version version) {
        return pkg + ";" + version;
    }

    /** @return the package name to its exports (by resolved revisions) */
    Map<String, List<Export>> exports() {
        return exports;
    }

    ConflictReportDTO report() {
        ConflictReportDTO report = new ConflictReportDTO();
        report.bundles = state.bundles().size();
        report.exports = exportCount;
        report.packages = packages();
        report.splitPackages = splitPackages();
        report.privateCopies = privateCopies();
        return report;
    }

    private static final Comparator<Export> BY_VERSION_THEN_ID = Comparator.<Export, Version>comparing(e -> e.version)
            .thenComparingLong(e -> e.revision.getBundle().getBundleId())
            .thenComparing(e -> e.removalPending);

    /**
     * Where the importers of one duplicated export are wired, and which copy to remove. A bundle that a feature
     * installed (location {@value Refs#FEATURE_LOCATION_PREFIX}...) is never the one to uninstall: the launcher installs
     * it again at the next start, and the core feature's bundles are the runtime itself.
     *
     * @param copies the current exports of one package at one version, at least two
     */
    static String duplicateAdvice(List<Export> copies) {
        List<String> used = new ArrayList<>();
        List<String> removable = new ArrayList<>();
        List<String> fromFeatures = new ArrayList<>();
        for (Export e : copies) {
            if (!e.importers.isEmpty()) {
                used.add(Refs.text(e.revision));
            }
            (Refs.fromFeature(e.revision) ? fromFeatures : removable).add(Refs.text(e.revision));
        }
        String wiring;
        if (used.isEmpty()) {
            wiring = "no bundle imports it yet";
        } else if (used.size() == 1) {
            wiring = "every importer is wired to " + used.get(0);
        } else {
            wiring = "importers are split between " + String.join(" and ", used);
        }
        String fix;
        if (removable.isEmpty()) {
            fix = "every copy comes with the runtime's features: remove one of them from its feature (features/), not"
                    + " with uninstall, which the next start undoes";
        } else if (fromFeatures.isEmpty()) {
            fix = "keep one exporter, uninstall the other and refresh";
        } else {
            fix = "keep " + String.join(" and ", fromFeatures) + " (installed by a feature), uninstall "
                    + String.join(" and ", removable) + " and refresh";
        }
        return wiring + ". Fix: " + fix;
    }

    List<PackageExportersDTO> packages() {
        List<PackageExportersDTO> result = new ArrayList<>();
        for (Map.Entry<String, List<Export>> entry : new TreeMap<>(exports).entrySet()) {
            List<Export> list = entry.getValue();
            if (distinctRevisions(list) < 2) {
                continue;
            }
            List<Export> sorted = new ArrayList<>(list);
            sorted.sort(BY_VERSION_THEN_ID);
            PackageExportersDTO dto = new PackageExportersDTO();
            dto.packageName = entry.getKey();
            dto.exporters = new ArrayList<>();
            for (Export e : sorted) {
                dto.exporters.add(e.dto());
            }
            verdict(dto, sorted);
            result.add(dto);
        }
        return result;
    }

    private static int distinctRevisions(List<Export> list) {
        Set<BundleRevision> revisions = new HashSet<>();
        for (Export e : list) {
            revisions.add(e.revision);
        }
        return revisions.size();
    }

    private static void verdict(PackageExportersDTO dto, List<Export> sorted) {
        List<String> stale = new ArrayList<>();
        for (Export e : sorted) {
            if (e.removalPending) {
                stale.add(Refs.text(e.revision) + (e.importers.isEmpty() ? "" : " (still used by " + e.importers.size() + ")"));
            }
        }
        Map<Version, List<Export>> currentByVersion = new TreeMap<>();
        for (Export e : sorted) {
            if (!e.removalPending) {
                currentByVersion.computeIfAbsent(e.version, k -> new ArrayList<>()).add(e);
            }
        }
        List<String> duplicates = new ArrayList<>();
        List<String> advice = new ArrayList<>();
        currentByVersion.forEach((v, list) -> {
            if (list.size() > 1) {
                List<String> who = new ArrayList<>();
                list.forEach(e -> who.add(Refs.text(e.revision)));
                duplicates.add(v + " from " + String.join(" and ", who));
                advice.add(duplicateAdvice(list));
            }
        });
        if (!stale.isEmpty()) {
            dto.verdict = PackageExportersDTO.STALE;
            dto.note = "removal-pending revision " + String.join(", ", stale) + " still exports it: refresh to let it go"
                    + (duplicates.isEmpty() ? "" : "; also exported twice at the same version: " + String.join("; ", duplicates));
        } else if (!duplicates.isEmpty()) {
            dto.verdict = PackageExportersDTO.DUPLICATE;
            dto.note = "the same version is exported twice: " + String.join("; ", duplicates) + "; "
                    + String.join("; ", advice);
        } else {
            dto.verdict = PackageExportersDTO.SIDE_BY_SIDE;
            dto.note = currentByVersion.size() + " versions side by side; each importer is wired to the version its range asks for";
        }
    }

    /**
     * A bundle sees a split package when it gets the package's classes from more than one source: its own content
     * and the bundles it requires (Require-Bundle, with their re-exports), or several required bundles. A package it
     * imports is not split: the import hides every other source.
     */
    List<SplitPackageDTO> splitPackages() {
        List<SplitPackageDTO> result = new ArrayList<>();
        for (BundleRevision revision : state.revisions()) {
            BundleWiring wiring = revision.getWiring();
            if (wiring == null || !state.isCurrent(revision) || Refs.isFragment(revision)) {
                continue;
            }
            List<BundleWire> required = wiring.getRequiredWires(BundleNamespace.BUNDLE_NAMESPACE);
            if (required == null || required.isEmpty()) {
                continue;
            }
            Set<String> imported = new HashSet<>();
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                imported.add(Filters.name(w.getCapability()));
            }
            Map<String, Set<BundleRevision>> sources = new TreeMap<>();
            if (revision.getBundle().getBundleId() != SYSTEM_BUNDLE) {
                for (String pkg : state.localClasses(wiring).keySet()) {
                    sources.computeIfAbsent(pkg, k -> new LinkedHashSet<>()).add(revision);
                }
            }
            Set<BundleWiring> visited = new HashSet<>();
            visited.add(wiring);
            for (BundleWire w : required) {
                addRequiredPackages(w.getProviderWiring(), sources, visited);
            }
            for (Map.Entry<String, Set<BundleRevision>> e : sources.entrySet()) {
                if (e.getValue().size() < 2 || imported.contains(e.getKey())) {
                    continue;
                }
                SplitPackageDTO dto = new SplitPackageDTO();
                dto.packageName = e.getKey();
                dto.bundle = Refs.of(revision);
                dto.sources = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (BundleRevision s : e.getValue()) {
                    dto.sources.add(Refs.of(s));
                    names.add(s == revision ? "itself" : Refs.text(s));
                }
                dto.note = Refs.text(revision) + " sees " + e.getKey() + " from " + String.join(" and ", names)
                        + "; which class wins depends on search order. Put the package into one bundle and import it";
                result.add(dto);
            }
        }
        return result;
    }

    private static void addRequiredPackages(BundleWiring provider, Map<String, Set<BundleRevision>> sources, Set<BundleWiring> visited) {
        if (provider == null || !visited.add(provider)) {
            return;
        }
        for (BundleCapability c : provider.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            String pkg = Filters.name(c);
            if (pkg != null) {
                sources.computeIfAbsent(pkg, k -> new LinkedHashSet<>()).add(provider.getRevision());
            }
        }
        // packages of bundles the provider requires with visibility:=reexport are visible too
        for (BundleWire w : provider.getRequiredWires(BundleNamespace.BUNDLE_NAMESPACE)) {
            if (BundleNamespace.VISIBILITY_REEXPORT.equals(w.getRequirement().getDirectives().get(BundleNamespace.REQUIREMENT_VISIBILITY_DIRECTIVE))) {
                addRequiredPackages(w.getProviderWiring(), sources, visited);
            }
        }
    }

    /**
     * A private copy: classes of package P in a bundle's own content, P not exported by that bundle, while another
     * bundle exports P. Found from the bundle's content, not from its manifest.
     */
    List<PrivateCopyDTO> privateCopies() {
        List<PrivateCopyDTO> result = new ArrayList<>();
        for (BundleRevision revision : state.revisions()) {
            BundleWiring wiring = revision.getWiring();
            if (wiring == null || !state.isCurrent(revision) || Refs.isFragment(revision)
                    || revision.getBundle().getBundleId() == SYSTEM_BUNDLE) {
                continue;
            }
            Map<String, Set<String>> local = state.localClasses(wiring);
            if (local.isEmpty()) {
                continue;
            }
            Set<String> ownExports = new HashSet<>();
            for (BundleCapability c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                ownExports.add(Filters.name(c));
            }
            Map<String, BundleWire> imports = new HashMap<>();
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                imports.put(Filters.name(w.getCapability()), w);
            }
            for (String pkg : new TreeSet<>(local.keySet())) {
                if (ownExports.contains(pkg)) {
                    continue; // exported: a second exporter, listed under packages
                }
                List<Export> others = new ArrayList<>();
                for (Export e : exports.getOrDefault(pkg, List.of())) {
                    if (e.revision.getBundle().getBundleId() != revision.getBundle().getBundleId()) {
                        others.add(e);
                    }
                }
                if (others.isEmpty()) {
                    continue;
                }
                others.sort(BY_VERSION_THEN_ID);
                result.add(privateCopy(revision, pkg, local.get(pkg), others, imports.get(pkg)));
            }
        }
        return result;
    }

    private PrivateCopyDTO privateCopy(BundleRevision holder, String pkg, Set<String> classes, List<Export> others, BundleWire importWire) {
        PrivateCopyDTO dto = new PrivateCopyDTO();
        dto.packageName = pkg;
        dto.bundle = Refs.of(holder);
        dto.classes = classes.size();
        Set<String> shadowed = new TreeSet<>();
        dto.exporters = new ArrayList<>();
        List<String> who = new ArrayList<>();
        for (Export e : others) {
            dto.exporters.add(e.dto());
            who.add(e.version + " from " + Refs.text(e.revision));
            BundleWiring w = e.revision.getWiring();
            if (w != null && e.revision.getBundle().getBundleId() != SYSTEM_BUNDLE) {
                for (String c : state.localClasses(w).getOrDefault(pkg, Set.of())) {
                    if (classes.contains(c)) {
                        shadowed.add(pkg + "." + c);
                    }
                }
            }
        }
        dto.shadowedClasses = new ArrayList<>(shadowed);
        if (importWire != null) {
            BundleRefDTO from = Refs.of(importWire.getProvider());
            dto.importedFrom = from;
            dto.note = Refs.text(holder) + " carries " + classes.size() + " class(es) of " + pkg
                    + " but imports the package from " + from.display()
                    + ": the import wins and the copy is dead weight. Drop it from the bundle";
        } else {
            dto.note = Refs.text(holder) + " uses its own copy of " + pkg + " (" + classes.size() + " class(es)"
                    + (shadowed.isEmpty() ? "" : ", " + shadowed.size() + " also in the exported package")
                    + ") and never sees the exported one (" + String.join(", ", who)
                    + "): fixes to the library do not reach it. Import the package instead of embedding it";
        }
        return dto;
    }
}
