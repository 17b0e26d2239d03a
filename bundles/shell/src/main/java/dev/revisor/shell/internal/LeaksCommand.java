package dev.revisor.shell.internal;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.audit.api.ChainHopDTO;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.Leaks;

/**
 * {@code audit:leaks}: the leaks of old bundle revisions. Thin: the checks and the explanation run in the audit bundle.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"leaks"})
public final class LeaksCommand implements CommandSet {
    private final Leaks leaks;

    @Activate
    public LeaksCommand(@Reference Leaks leaks) {
        this.leaks = leaks;
    }

    @Descriptor("check old bundle revisions for leaks (threads, ThreadLocals, held services, JVM-global registrations, "
            + "zombie class loaders) and show the findings")
    public String leaks(
            @Descriptor("explain each zombie revision with the reference chain from a GC root (dumps the heap and analyzes "
                    + "it in a separate JVM: seconds; progress on standard error)")
            @Parameter(names = {"-e", "--explain"}, presentValue = "true", absentValue = "false") boolean explain,
            @Descriptor("print one JSON document {\"findings\": [...], \"status\": {...}} instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        PrintStream err = System.err;
        List<LeakFindingDTO> findings = explain ? leaks.explain(line -> err.println("audit:leaks: " + line)) : leaks.check();
        LeakStatusDTO status = leaks.status();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("findings", findings);
            doc.put("status", status);
            return Json.of(doc);
        }
        return text(findings, status);
    }

    static String text(List<LeakFindingDTO> findings, LeakStatusDTO status) {
        StringBuilder out = new StringBuilder();
        if (findings.isEmpty()) {
            out.append("no leaks found\n");
        } else {
            Table table = new Table("ID", "KIND", "BUNDLE", "OP", "SUMMARY");
            for (LeakFindingDTO f : findings) {
                table.row(f.id, f.kind, f.bundle == null ? "-" : f.bundle.display(), f.operation == null ? "-" : f.operation, f.summary);
            }
            out.append(table);
            for (LeakFindingDTO f : findings) {
                out.append('\n').append(f.id).append(' ').append(f.kind).append(": ").append(f.summary).append('\n');
                out.append("  revision: ").append(f.revision).append('\n');
                for (String e : f.evidence) {
                    out.append("  evidence: ").append(e).append('\n');
                }
                out.append("  fix: ").append(f.fixHint).append('\n');
                if (f.chain != null) {
                    out.append("  chain (").append(f.chain.status).append(", ").append(f.chain.millis).append(" ms):");
                    if (f.chain.hops != null) {
                        out.append('\n').append("    GC root: ").append(f.chain.root).append('\n');
                        for (ChainHopDTO h : f.chain.hops) {
                            out.append("    ").append(h.from).append(" --").append(h.edge).append("--> ").append(h.to);
                            if (h.bundle != null) {
                                out.append("   [").append(h.bundle.display()).append(']');
                            }
                            out.append('\n');
                        }
                    } else {
                        out.append(' ').append(f.chain.message).append('\n');
                    }
                }
            }
        }
        out.append("\ngc: ").append(status.gc).append(", pending revisions: ").append(status.pending).append('\n');
        for (String note : status.notes) {
            out.append("note: ").append(note).append('\n');
        }
        return out.toString();
    }
}
