package dev.revisor.testkit.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.ChainHopDTO;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PlanReasonDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.RestartDTO;

/**
 * The failure messages of {@link RevisorAssertions}: what is wrong, where, and what to change; short enough to read in
 * a test report.
 * <p>
 * Concurrent Semantics: stateless.
 */
final class Texts {
    /** Stack frames shown for a leaked thread. */
    private static final int FRAMES = 4;

    private Texts() {
    }

    /** @return whether the bundle is a Pax Exam test probe (the test class's own bundle) */
    static boolean probe(BundleRefDTO b) {
        return b.symbolicName != null && b.symbolicName.startsWith("PAXEXAM-PROBE");
    }

    static String bundle(Bundle b) {
        return BundleRefDTO.of(b).display();
    }

    static String leaks(Bundle bundle, List<LeakFindingDTO> findings, LeakStatusDTO status) {
        StringBuilder out = new StringBuilder();
        out.append(bundle(bundle)).append(" leaks: ").append(findings.size()).append(findings.size() == 1 ? " finding" : " findings")
                .append(" after its old revision went out of use\n");
        int n = 1;
        for (LeakFindingDTO f : findings) {
            out.append(n++).append(". ").append(f.kind).append(": ").append(f.summary).append('\n');
            if (f.revision != null) {
                out.append("   revision: ").append(f.revision).append('\n');
            }
            if (f.thread != null) {
                out.append("   thread '").append(f.thread.name).append("' (").append(f.thread.state)
                        .append(f.thread.daemon ? ", daemon" : "").append("), tied to the revision by ")
                        .append(f.thread.attribution).append(": ").append(f.thread.culprit).append('\n');
                if (f.thread.stack != null) {
                    f.thread.stack.stream().limit(FRAMES).forEach(frame -> out.append("     at ").append(frame).append('\n'));
                }
            }
            if (f.service != null) {
                out.append("   service ").append(String.join(", ", f.service.objectClass)).append(" [service.id ")
                        .append(f.service.serviceId).append("] of class ").append(f.service.objectType)
                        .append(" is still held by: ").append(refs(f.service.holders)).append('\n');
            }
            if (f.chain != null) {
                if (f.chain.hops != null && !f.chain.hops.isEmpty()) {
                    out.append("   reference chain from GC root ").append(f.chain.root).append(":\n");
                    for (ChainHopDTO h : f.chain.hops) {
                        out.append("     ").append(h.from).append(" --").append(h.edge).append("--> ").append(h.to)
                                .append(h.bundle == null ? "" : "   [" + h.bundle.display() + "]").append('\n');
                    }
                } else {
                    out.append("   no chain (").append(f.chain.status).append("): ").append(f.chain.message).append('\n');
                }
            } else if (LeakFindingDTO.ZOMBIE.equals(f.kind)) {
                out.append("   (no reference chain: the heap analyzer is ").append(status.analyzer).append(")\n");
            }
            if (f.thread == null && f.service == null && f.chain == null && f.evidence != null) {
                f.evidence.stream().limit(3).forEach(e -> out.append("   evidence: ").append(e).append('\n'));
            }
            out.append("   fix: ").append(f.fixHint).append('\n');
        }
        return out.toString();
    }

    static String plan(RefreshPlanDTO plan, Set<String> wanted, Set<String> restarts) {
        StringBuilder out = new StringBuilder();
        out.append("the refresh plan for ").append(plan.change).append(" of ").append(refs(plan.triggers))
                .append(" restarts ").append(restarts).append(", expected exactly ").append(wanted).append('\n');
        for (PlannedRestartDTO p : plan.affected) {
            String name = p.bundle.symbolicName;
            if (p.restarts && !p.removed && !probe(p.bundle) && !wanted.contains(name)) {
                out.append("  unexpected: ").append(p.bundle.display()).append(" restarts because ").append(reasons(p))
                        .append('\n');
            }
        }
        Set<String> missing = new TreeSet<>(wanted);
        missing.removeAll(restarts);
        for (String name : missing) {
            PlannedRestartDTO p = plan.affected.stream().filter(a -> name.equals(a.bundle.symbolicName)).findFirst().orElse(null);
            out.append("  missing: ").append(name).append(p == null ? " is not in the plan: nothing it is wired to changes"
                    : " is in the plan but " + (p.removed ? "is removed" : "is " + p.state + ", so it does not restart")).append('\n');
        }
        for (PlannedRestartDTO p : plan.affected) {
            if (p.problems != null) {
                p.problems.forEach(problem -> out.append("  problem foreseen for ").append(p.bundle.display()).append(": ")
                        .append(problem).append('\n'));
            }
        }
        return out.toString();
    }

    private static String reasons(PlannedRestartDTO p) {
        List<String> parts = new ArrayList<>();
        for (PlanReasonDTO r : p.reasons) {
            if ("trigger".equals(r.kind)) {
                parts.add("it is changed itself");
            } else {
                parts.add("it is wired to " + (r.through == null ? "?" : r.through.display()) + " for " + r.kind + " "
                        + r.name + (r.version == null ? "" : " " + r.version));
            }
        }
        return String.join("; ", parts);
    }

    static String record(RefreshRecordDTO record, Set<String> wanted, Set<String> restarted) {
        StringBuilder out = new StringBuilder();
        out.append("the refresh (").append(record.operation).append(") of ").append(refs(record.triggers))
                .append(" restarted ").append(restarted).append(", expected exactly ").append(wanted).append('\n');
        for (RestartDTO r : record.restarted) {
            out.append("  ").append(r.bundle.display()).append(": ")
                    .append(r.stopped == null ? "not active, not stopped" : "stopped " + r.stopped)
                    .append(r.started == null ? "" : ", started " + r.started).append(", now ").append(r.stateAfter).append('\n');
        }
        record.failures.forEach(f -> out.append("  failure: ").append(f).append('\n'));
        return out.toString();
    }

    static String exporters(List<PackageExportersDTO> packages) {
        StringBuilder out = new StringBuilder();
        out.append(packages.size()).append(packages.size() == 1 ? " package has" : " packages have").append(" more than one exporter\n");
        for (PackageExportersDTO p : packages) {
            out.append("  ").append(p.packageName).append(" (").append(p.verdict).append("): ").append(p.note).append('\n');
            for (PackageExportDTO e : p.exporters) {
                out.append("    ").append(e.version).append(" from ").append(e.bundle.display())
                        .append(e.removalPending ? " (removal-pending: refresh it)" : "")
                        .append(", used by ").append(e.importers.isEmpty() ? "nobody" : refs(e.importers)).append('\n');
            }
        }
        out.append("  if that is intended, name the package: assertNoDuplicateExports(context, \"")
                .append(packages.stream().map(p -> p.packageName).collect(Collectors.joining("\", \""))).append("\")\n");
        return out.toString();
    }

    static String refs(List<BundleRefDTO> refs) {
        return refs == null || refs.isEmpty() ? "-" : refs.stream().map(BundleRefDTO::display).collect(Collectors.joining(", "));
    }
}
