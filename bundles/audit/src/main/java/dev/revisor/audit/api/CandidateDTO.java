package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * A capability that has the name a requirement asks for, and whether it fits.
 */
public class CandidateDTO extends DTO {
    /** The bundle (revision) that declares the capability. */
    public BundleRefDTO bundle;
    /** The capability's version, or {@code null} when it has none. */
    public String version;
    /** Whether the capability matches the requirement's filter. */
    public boolean matches;
    /** Why it does not fit (version outside the range, attribute mismatch, provider not resolved), or why it does. */
    public String reason;
}
