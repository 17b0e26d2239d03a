package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One package export of one bundle revision, with the bundles wired to it.
 */
public class PackageExportDTO extends DTO {
    /** The package name. */
    public String packageName;
    /** The package version of the export. */
    public String version;
    /** The exporting bundle (symbolic name and version of the exporting revision). */
    public BundleRefDTO bundle;
    /** Whether the exporting revision is removal-pending (its bundle was updated or uninstalled, not refreshed yet). */
    public boolean removalPending;
    /** The packages named in the export's {@code uses} directive. */
    public List<String> uses;
    /** The bundles whose revisions are wired to this export. */
    public List<BundleRefDTO> importers;
}
