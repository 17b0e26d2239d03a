package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * The answer of {@link Diagnostics#wiring(org.osgi.framework.Bundle)}.
 */
public class WiringReportDTO extends DTO {
    /** The bundle. */
    public BundleRefDTO bundle;
    /** Its state in words: Installed, Resolved, Starting, Active, Stopping, Uninstalled. */
    public String state;
    /** The current revision first, then the removal-pending ones. */
    public List<RevisionWiringDTO> revisions;
}
