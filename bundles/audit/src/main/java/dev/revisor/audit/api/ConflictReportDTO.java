package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * The answer of {@link Diagnostics#conflicts()}.
 */
public class ConflictReportDTO extends DTO {
    /** How many bundles the framework has (installed ones, plus uninstalled ones whose revisions are still pending). */
    public int bundles;
    /** How many package exports the resolved revisions offer in all. */
    public int exports;
    /** Every package exported by more than one resolved revision, by package name. */
    public List<PackageExportersDTO> packages;
    /** Packages whose classes a bundle sees from more than one bundle (through Require-Bundle). */
    public List<SplitPackageDTO> splitPackages;
    /** Packages that a bundle carries inside itself while another bundle exports them. */
    public List<PrivateCopyDTO> privateCopies;
}
