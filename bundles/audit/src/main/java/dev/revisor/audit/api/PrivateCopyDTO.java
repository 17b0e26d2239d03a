package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * Classes of a package that a bundle carries inside itself (its own content, not an import) while other bundles
 * export that package: the bundle uses its private copy and never sees the exported one.
 */
public class PrivateCopyDTO extends DTO {
    /** The package name. */
    public String packageName;
    /** The bundle that holds the copy. */
    public BundleRefDTO bundle;
    /** How many classes of the package the copy has. */
    public int classes;
    /** Classes present both in the copy and in at least one exporter: the copy shadows them. */
    public List<String> shadowedClasses;
    /** The exports of the package by other bundles. */
    public List<PackageExportDTO> exporters;
    /**
     * The bundle the holder imports the package from, or {@code null}. When the holder imports the package the
     * import wins and the copy is dead weight; otherwise the copy is what the holder uses.
     */
    public BundleRefDTO importedFrom;
    /** Plain words, with what to do about it. */
    public String note;
}
