package dev.revisor.shell.internal;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.audit.api.ActivationFailureDTO;
import dev.revisor.audit.api.BundleNames;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.CandidateDTO;
import dev.revisor.audit.api.ComponentProblemDTO;
import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.Diagnostics;
import dev.revisor.audit.api.GenericWireDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PackageImportDTO;
import dev.revisor.audit.api.PrivateCopyDTO;
import dev.revisor.audit.api.RequirementProblemDTO;
import dev.revisor.audit.api.RevisionWiringDTO;
import dev.revisor.audit.api.SplitPackageDTO;
import dev.revisor.audit.api.UsesConflictDTO;
import dev.revisor.audit.api.WhyReportDTO;
import dev.revisor.audit.api.WiringReportDTO;

/**
 * {@code audit:conflicts}, {@code audit:wiring}, {@code audit:why}: thin; the analysis runs in the audit bundle's
 * {@link Diagnostics} service. Each prints tables for people, or one JSON document with {@code --json}.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"conflicts", "wiring", "why"})
public final class DiagnosticsCommands implements CommandSet {
    private final BundleContext context;
    private final Diagnostics diagnostics;

    @Activate
    public DiagnosticsCommands(BundleContext context, @Reference Diagnostics diagnostics) {
        this.context = context;
        this.diagnostics = diagnostics;
    }

    @Descriptor("list every package exported by more than one bundle revision (current or removal-pending) with the importers"
            + " wired to each, split packages, and private copies of packages that another bundle exports")
    public String conflicts(
            @Descriptor("print one JSON document instead of tables")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        ConflictReportDTO report = diagnostics.conflicts();
        return json ? Json.of(report) : text(report);
    }

    @Descriptor("show how a bundle is wired: for each import the exporter and version, for each export its importers")
    public String wiring(
            @Descriptor("print one JSON document instead of tables")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("the bundle: an id, a symbolic name, or symbolicName/version") String bundle) {
        WiringReportDTO report = diagnostics.wiring(find(bundle));
        return json ? Json.of(report) : text(report);
    }

    @Descriptor("explain why a bundle is not Active: unresolved requirements with the candidates that exist, uses conflicts"
            + " with a fix, its activator's failure, unsatisfied Declarative Services references")
    public String why(
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("start the bundle once (transiently) if it is Resolved, to catch its activator's exception;"
                    + " without it nothing is started")
            @Parameter(names = {"-s", "--start"}, presentValue = "true", absentValue = "false") boolean start,
            @Descriptor("the bundle: an id, a symbolic name, or symbolicName/version") String bundle) {
        WhyReportDTO report = diagnostics.why(find(bundle), start);
        return json ? Json.of(report) : text(report);
    }

    private Bundle find(String name) {
        return BundleNames.find(context, name);
    }

    // ---- text for people ----

    static String text(ConflictReportDTO r) {
        StringBuilder out = new StringBuilder();
        out.append(r.bundles).append(" bundles, ").append(r.exports).append(" package exports\n\n");
        if (r.packages.isEmpty()) {
            out.append("No package is exported by more than one bundle.\n");
        } else {
            out.append("Packages exported more than once (").append(r.packages.size()).append(")\n");
            Table t = new Table("PACKAGE", "VERSION", "EXPORTER", "VERDICT", "IMPORTERS");
            for (PackageExportersDTO p : r.packages) {
                boolean first = true;
                for (PackageExportDTO e : p.exporters) {
                    t.row(first ? p.packageName : "", e.version,
                            e.bundle.display() + (e.removalPending ? " (removal-pending)" : ""),
                            first ? p.verdict : "", refs(e.importers));
                    first = false;
                }
            }
            out.append(t);
            for (PackageExportersDTO p : r.packages) {
                if (!PackageExportersDTO.SIDE_BY_SIDE.equals(p.verdict)) {
                    out.append("  ").append(p.packageName).append(": ").append(p.note).append('\n');
                }
            }
        }
        out.append('\n');
        if (r.splitPackages.isEmpty()) {
            out.append("No split packages.\n");
        } else {
            out.append("Split packages (").append(r.splitPackages.size()).append(")\n");
            Table t = new Table("PACKAGE", "BUNDLE", "SOURCES");
            for (SplitPackageDTO s : r.splitPackages) {
                t.row(s.packageName, s.bundle.display(), refs(s.sources));
            }
            out.append(t);
        }
        out.append('\n');
        if (r.privateCopies.isEmpty()) {
            out.append("No private copies of exported packages.\n");
        } else {
            out.append("Private copies of exported packages (").append(r.privateCopies.size()).append(")\n");
            Table t = new Table("PACKAGE", "COPY IN", "CLASSES", "SHADOWED", "EXPORTED BY");
            for (PrivateCopyDTO c : r.privateCopies) {
                t.row(c.packageName, c.bundle.display(), c.classes, c.shadowedClasses.size(),
                        c.exporters.stream().map(e -> e.version + " " + e.bundle.display()).collect(Collectors.joining(", ")));
            }
            out.append(t);
            for (PrivateCopyDTO c : r.privateCopies) {
                out.append("  ").append(c.note).append('\n');
                if (!c.shadowedClasses.isEmpty()) {
                    out.append("    shadowed: ").append(String.join(", ", c.shadowedClasses)).append('\n');
                }
            }
        }
        return out.toString();
    }

    static String text(WiringReportDTO r) {
        StringBuilder out = new StringBuilder();
        out.append(r.bundle.display()).append(" is ").append(r.state).append('\n');
        for (RevisionWiringDTO rev : r.revisions) {
            out.append('\n');
            if (!rev.current) {
                out.append("Removal-pending revision ").append(rev.revision.display()).append('\n');
            }
            if (!rev.resolved) {
                out.append("Not resolved: no wires (audit:why ").append(r.bundle.id).append(" says why)\n");
            }
            out.append("Imports (").append(rev.imports.size()).append(")\n");
            if (!rev.imports.isEmpty()) {
                Table t = new Table("PACKAGE", "RANGE", "RESOLUTION", "VERSION", "EXPORTER");
                for (PackageImportDTO i : rev.imports) {
                    t.row(i.packageName, i.range, i.resolution, i.version == null ? "-" : i.version,
                            i.exporter == null ? "(not wired)" : i.exporter.display() + (i.exporterRemovalPending ? " (removal-pending)" : ""));
                }
                out.append(indent(t.toString()));
            }
            out.append("Exports (").append(rev.exports.size()).append(")\n");
            if (!rev.exports.isEmpty()) {
                Table t = new Table("PACKAGE", "VERSION", "IMPORTERS");
                for (PackageExportDTO e : rev.exports) {
                    t.row(e.packageName, e.version, e.importers.isEmpty() ? "-" : refs(e.importers));
                }
                out.append(indent(t.toString()));
            }
            if (!rev.required.isEmpty() || !rev.provided.isEmpty()) {
                out.append("Other wires (").append(rev.required.size() + rev.provided.size()).append(")\n");
                Table t = new Table("NAMESPACE", "DIRECTION", "BUNDLE", "FILTER");
                for (GenericWireDTO w : rev.required) {
                    t.row(w.namespace, "requires from", w.provider.display(), w.filter);
                }
                for (GenericWireDTO w : rev.provided) {
                    t.row(w.namespace, "provides to", w.requirer.display(), w.filter);
                }
                out.append(indent(t.toString()));
            }
        }
        return out.toString();
    }

    static String text(WhyReportDTO r) {
        StringBuilder out = new StringBuilder();
        out.append(r.summary).append('\n');
        if (r.reasons.size() > 1) {
            out.append('\n');
            for (String reason : r.reasons) {
                out.append("- ").append(reason).append('\n');
            }
        }
        for (RequirementProblemDTO p : r.unresolved) {
            out.append("\nUnresolved: it ").append(p.text).append('\n');
            out.append("  ").append(p.reason).append('\n');
            if (p.candidates.isEmpty()) {
                out.append("  candidates: none\n");
            } else {
                Table t = new Table("CANDIDATE", "VERSION", "FITS", "WHY NOT");
                for (CandidateDTO c : p.candidates) {
                    t.row(c.bundle.display(), c.version == null ? "-" : c.version, c.matches ? "yes" : "no", c.reason);
                }
                out.append(indent(t.toString()));
            }
        }
        for (UsesConflictDTO c : r.usesConflicts) {
            out.append("\nUses conflict on package ").append(c.packageName).append('\n');
            out.append("  ").append(c.explanation).append('\n');
            out.append("  chain 1: ").append(c.first.text).append('\n');
            out.append("  chain 2: ").append(c.second.text).append('\n');
            if (!c.fixes.isEmpty()) {
                out.append("  fixes:\n");
                int n = 1;
                for (String f : c.fixes) {
                    out.append("    ").append(n++).append(". ").append(f).append('\n');
                }
            }
        }
        ActivationFailureDTO f = r.activationFailure;
        if (f != null) {
            out.append("\nActivator failure (").append(f.source).append(f.time == null ? "" : ", " + f.time).append(")\n");
            out.append("  ").append(f.exception == null ? "exception not known: the caller of start got it" : f.exception)
                    .append(f.message == null ? "" : ": " + f.message).append('\n');
            if (f.exceptionTime != null) {
                out.append("  (reported by the framework at ").append(f.exceptionTime).append(", for an earlier attempt)\n");
            }
            if (f.wrapper != null) {
                out.append("  reported as ").append(f.wrapper).append('\n');
            }
        }
        for (ComponentProblemDTO c : r.components) {
            out.append("\nComponent ").append(c.name).append(" (").append(c.state).append(")\n");
            if (c.references.isEmpty()) {
                out.append("  ").append(c.reason).append('\n');
            } else {
                Table t = new Table("REFERENCE", "INTERFACE", "CARDINALITY", "TARGET", "REGISTERED", "MATCHING");
                c.references.forEach(ref -> t.row(ref.name, ref.interfaceName, ref.cardinality, ref.target == null ? "-" : ref.target,
                        ref.registered, ref.matchingTarget));
                out.append(indent(t.toString()));
            }
            if (c.failure != null) {
                out.append(indent(c.failure));
            }
        }
        return out.toString();
    }

    private static String refs(List<BundleRefDTO> refs) {
        if (refs == null || refs.isEmpty()) {
            return "-";
        }
        return refs.stream().map(BundleRefDTO::display).collect(Collectors.joining(", "));
    }

    private static String indent(String table) {
        return table.lines().map(l -> "  " + l).collect(Collectors.joining("\n", "", "\n"));
    }
}
