package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Namespace;

import dev.revisor.audit.api.GenericWireDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageImportDTO;
import dev.revisor.audit.api.RevisionWiringDTO;
import dev.revisor.audit.api.WiringReportDTO;

/**
 * Builds {@link WiringReportDTO} for one bundle from its revisions' wirings. Stateless apart from the state it reads.
 */
final class WiringAnalysis {
    private final FrameworkState state;

    WiringAnalysis(FrameworkState state) {
        this.state = state;
    }

    WiringReportDTO report(Bundle bundle) {
        WiringReportDTO report = new WiringReportDTO();
        report.bundle = dev.revisor.audit.api.BundleRefDTO.of(bundle);
        report.state = Refs.state(bundle.getState());
        report.revisions = new ArrayList<>();
        for (BundleRevision r : state.revisions()) {
            if (r.getBundle().getBundleId() == bundle.getBundleId()) {
                report.revisions.add(revision(r));
            }
        }
        report.revisions.sort(Comparator.comparing((RevisionWiringDTO r) -> !r.current));
        return report;
    }

    RevisionWiringDTO revision(BundleRevision revision) {
        RevisionWiringDTO dto = new RevisionWiringDTO();
        dto.revision = Refs.of(revision);
        dto.current = state.isCurrent(revision);
        BundleWiring wiring = revision.getWiring();
        dto.resolved = wiring != null;
        dto.imports = imports(revision, wiring);
        dto.exports = exports(revision, wiring);
        dto.required = new ArrayList<>();
        dto.provided = new ArrayList<>();
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(null)) {
                if (!PackageNamespace.PACKAGE_NAMESPACE.equals(w.getCapability().getNamespace())) {
                    dto.required.add(generic(w));
                }
            }
            for (BundleWire w : wiring.getProvidedWires(null)) {
                if (!PackageNamespace.PACKAGE_NAMESPACE.equals(w.getCapability().getNamespace())) {
                    dto.provided.add(generic(w));
                }
            }
        }
        return dto;
    }

    private static GenericWireDTO generic(BundleWire w) {
        GenericWireDTO dto = new GenericWireDTO();
        dto.namespace = w.getCapability().getNamespace();
        dto.filter = Filters.filter(w.getRequirement());
        dto.provider = Refs.of(w.getProvider());
        dto.requirer = Refs.of(w.getRequirer());
        return dto;
    }

    private List<PackageImportDTO> imports(BundleRevision revision, BundleWiring wiring) {
        List<PackageImportDTO> result = new ArrayList<>();
        Set<BundleRequirement> wired = new HashSet<>();
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                PackageImportDTO dto = declaredImport(w.getRequirement());
                // a dynamic import's wire names the package found, not the wildcard asked for
                dto.packageName = Filters.name(w.getCapability());
                dto.exporter = Refs.of(w.getProvider());
                dto.version = String.valueOf(Filters.version(w.getCapability()));
                dto.exporterRemovalPending = !state.isCurrent(w.getProvider());
                result.add(dto);
                wired.add(w.getRequirement());
            }
        }
        for (BundleRequirement r : revision.getDeclaredRequirements(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (wired.contains(r) || wiredByEquals(result, r)) {
                continue;
            }
            PackageImportDTO dto = declaredImport(r);
            if (dto.packageName == null) {
                dto.packageName = String.valueOf(r.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "?"));
            }
            result.add(dto);
        }
        result.sort(Comparator.comparing((PackageImportDTO i) -> i.packageName));
        return result;
    }

    /** Frameworks may hand out a wire's requirement as a different object than the declared one. */
    private static boolean wiredByEquals(List<PackageImportDTO> wired, BundleRequirement r) {
        String name = Filters.name(r);
        if (name == null) {
            return false;
        }
        for (PackageImportDTO i : wired) {
            if (name.equals(i.packageName) && i.exporter != null) {
                return true;
            }
        }
        return false;
    }

    private static PackageImportDTO declaredImport(BundleRequirement r) {
        PackageImportDTO dto = new PackageImportDTO();
        dto.packageName = Filters.name(r);
        VersionRange range = Filters.range(r);
        dto.range = range == null ? "0.0.0" : Filters.text(range);
        String resolution = r.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE);
        dto.resolution = resolution == null ? Namespace.RESOLUTION_MANDATORY : resolution;
        return dto;
    }

    private List<PackageExportDTO> exports(BundleRevision revision, BundleWiring wiring) {
        boolean pending = !state.isCurrent(revision);
        List<PackageExportDTO> result = new ArrayList<>();
        List<BundleCapability> caps = wiring != null
                ? wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)
                : revision.getDeclaredCapabilities(PackageNamespace.PACKAGE_NAMESPACE);
        List<BundleWire> provided = wiring == null ? List.of() : wiring.getProvidedWires(PackageNamespace.PACKAGE_NAMESPACE);
        for (BundleCapability c : caps) {
            ConflictAnalysis.Export e = new ConflictAnalysis.Export(revision, c, pending);
            if (e.packageName == null) {
                continue;
            }
            for (BundleWire w : provided) {
                Version v = Filters.version(w.getCapability());
                if (e.packageName.equals(Filters.name(w.getCapability())) && e.version.equals(v == null ? Version.emptyVersion : v)) {
                    e.importers.add(w.getRequirer());
                }
            }
            result.add(e.dto());
        }
        result.sort(Comparator.comparing((PackageExportDTO x) -> x.packageName));
        return result;
    }
}
