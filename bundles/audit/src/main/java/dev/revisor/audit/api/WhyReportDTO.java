package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * The answer of {@link Diagnostics#why(org.osgi.framework.Bundle, boolean)}: why a bundle is not Active, in plain words.
 * Each list is empty when it does not apply.
 */
public class WhyReportDTO extends DTO {
    /** The bundle. */
    public BundleRefDTO bundle;
    /** Its state in words when the report was made: Installed, Resolved, Starting, Active, Stopping, Uninstalled. */
    public String state;
    /** Whether the bundle is Active now. */
    public boolean active;
    /** One or two sentences that answer the question. */
    public String summary;
    /** Everything found, one sentence each, most important first (the summary's details). */
    public List<String> reasons;
    /** Requirements no resolved bundle satisfies, each with the candidates that exist and why each does not fit. */
    public List<RequirementProblemDTO> unresolved;
    /** Uses-constraint conflicts: one package reachable from two exporters. */
    public List<UsesConflictDTO> usesConflicts;
    /** The activator's failure, or {@code null}. */
    public ActivationFailureDTO activationFailure;
    /** Declarative Services components of the bundle that are not satisfied or failed. */
    public List<ComponentProblemDTO> components;
    /** Whether this call started the bundle (only when the caller asked for it). */
    public boolean startedNow;
    /** Whether this call resolved the bundle (it had not been needed before). */
    public boolean resolvedNow;
}
