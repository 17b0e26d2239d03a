package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One package that more than one bundle revision exports.
 */
public class PackageExportersDTO extends DTO {
    /** Side by side: distinct versions, each importer wired to the one its range asks for. That is what OSGi is for. */
    public static final String SIDE_BY_SIDE = "side-by-side";
    /** Two current revisions export the same version: importers are split between copies for no reason. */
    public static final String DUPLICATE = "duplicate";
    /** A removal-pending revision (updated or uninstalled, not yet refreshed) still exports the package. */
    public static final String STALE = "stale";

    /** The package name. */
    public String packageName;
    /** {@link #STALE}, {@link #DUPLICATE} or {@link #SIDE_BY_SIDE}: the most serious that applies. */
    public String verdict;
    /** What the verdict means here, in plain words. */
    public String note;
    /** The exports, ordered by version, then bundle id. */
    public List<PackageExportDTO> exporters;
}
