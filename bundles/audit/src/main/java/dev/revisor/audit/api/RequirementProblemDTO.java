package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * A requirement of a bundle that nothing in the framework satisfies.
 */
public class RequirementProblemDTO extends DTO {
    /** The namespace, e.g. {@code osgi.wiring.package}. */
    public String namespace;
    /** The name asked for (package name, bundle symbolic name, extender name, ...), or {@code null} if none. */
    public String name;
    /** The version range asked for, or {@code null} when the requirement has none. */
    public String range;
    /** The requirement's filter, as declared. */
    public String filter;
    /** The requirement in plain words, e.g. {@code imports package org.example.utils [3.0.0,4.0.0)}. */
    public String text;
    /** Every capability of the framework with the same namespace and name, and why each does not fit. */
    public List<CandidateDTO> candidates;
    /** What is wrong, in plain words. */
    public String reason;
}
