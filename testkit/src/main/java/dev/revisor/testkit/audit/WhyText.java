package dev.revisor.testkit.audit;

import java.util.stream.Collectors;

import dev.revisor.audit.api.ActivationFailureDTO;
import dev.revisor.audit.api.CandidateDTO;
import dev.revisor.audit.api.ComponentProblemDTO;
import dev.revisor.audit.api.ReferenceProblemDTO;
import dev.revisor.audit.api.RequirementProblemDTO;
import dev.revisor.audit.api.UsesConflictDTO;
import dev.revisor.audit.api.WhyReportDTO;

/**
 * A {@link WhyReportDTO} in the words and order {@code audit:why} prints it: the summary, the reasons, each unresolved
 * requirement with its candidates, uses conflicts with their fixes, the activator's failure, unsatisfied components.
 * <p>
 * Concurrent Semantics: stateless.
 */
final class WhyText {
    private WhyText() {
    }

    static String of(WhyReportDTO r) {
        StringBuilder out = new StringBuilder();
        out.append("  ").append(r.summary).append('\n');
        if (r.reasons.size() > 1) {
            for (String reason : r.reasons) {
                out.append("  - ").append(reason).append('\n');
            }
        }
        for (RequirementProblemDTO p : r.unresolved) {
            out.append("  Unresolved: it ").append(p.text).append('\n');
            out.append("    ").append(p.reason).append('\n');
            if (p.candidates.isEmpty()) {
                out.append("    candidates: none\n");
            }
            for (CandidateDTO c : p.candidates) {
                out.append("    candidate ").append(c.bundle.display()).append(" version ")
                        .append(c.version == null ? "-" : c.version).append(c.matches ? " fits" : " does not fit")
                        .append(": ").append(c.reason).append('\n');
            }
        }
        for (UsesConflictDTO c : r.usesConflicts) {
            out.append("  Uses conflict on package ").append(c.packageName).append(": ").append(c.explanation).append('\n');
            out.append("    chain 1: ").append(c.first.text).append('\n');
            out.append("    chain 2: ").append(c.second.text).append('\n');
            int n = 1;
            for (String f : c.fixes) {
                out.append("    fix ").append(n++).append(": ").append(f).append('\n');
            }
        }
        ActivationFailureDTO f = r.activationFailure;
        if (f != null) {
            out.append("  Activator failure (").append(f.source).append("): ")
                    .append(f.exception == null ? "exception not known: the caller of start got it" : f.exception)
                    .append(f.message == null ? "" : ": " + f.message).append('\n');
            if (f.rootCause != null) {
                out.append("    caused by ").append(f.rootCause).append(f.rootCauseMessage == null ? "" : ": " + f.rootCauseMessage)
                        .append('\n');
            }
        }
        for (ComponentProblemDTO c : r.components) {
            out.append("  Component ").append(c.name).append(" (").append(c.state).append("): ").append(c.reason).append('\n');
            for (ReferenceProblemDTO ref : c.references) {
                out.append("    reference ").append(ref.name).append(" to ").append(ref.interfaceName).append(' ')
                        .append(ref.cardinality).append(ref.target == null ? "" : " target " + ref.target).append(": ")
                        .append(ref.reason).append('\n');
            }
            if (c.failure != null) {
                out.append(c.failure.lines().map(l -> "    " + l).collect(Collectors.joining("\n", "", "\n")));
            }
        }
        return out.toString();
    }
}
