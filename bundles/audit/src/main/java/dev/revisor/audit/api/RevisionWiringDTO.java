package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * How one revision of a bundle is wired.
 */
public class RevisionWiringDTO extends DTO {
    /** The revision (symbolic name and version may differ from the bundle's current ones for an old revision). */
    public BundleRefDTO revision;
    /** Whether this is the bundle's current revision; otherwise it is removal-pending. */
    public boolean current;
    /** Whether the revision has a wiring (is resolved). */
    public boolean resolved;
    /** The package imports: wired ones with their exporter, and declared ones that are not wired. */
    public List<PackageImportDTO> imports;
    /** The package exports with their importers. */
    public List<PackageExportDTO> exports;
    /** Wires of other namespaces this revision requires (Require-Bundle, host of a fragment, extenders, ...). */
    public List<GenericWireDTO> required;
    /** Wires of other namespaces other revisions require from this one. */
    public List<GenericWireDTO> provided;
}
