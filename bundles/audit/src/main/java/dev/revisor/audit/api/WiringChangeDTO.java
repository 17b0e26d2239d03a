package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/** An importer that a refresh wired to a different exporter (or version) of a package. */
public class WiringChangeDTO extends DTO {
    public BundleRefDTO importer;
    /** The package name. */
    public String name;
    public BundleRefDTO fromExporter;
    public String fromVersion;
    public BundleRefDTO toExporter;
    public String toVersion;
}
