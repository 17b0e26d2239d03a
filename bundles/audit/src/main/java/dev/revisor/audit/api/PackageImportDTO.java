package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * One package import of one bundle revision.
 */
public class PackageImportDTO extends DTO {
    /** The package name. */
    public String packageName;
    /** The version range asked for, e.g. {@code [1.0.0,2.0.0)}; {@code 0.0.0} when any version will do. */
    public String range;
    /** {@code mandatory}, {@code optional} or {@code dynamic}. */
    public String resolution;
    /** The exporter it is wired to, or {@code null} when it is not wired. */
    public BundleRefDTO exporter;
    /** The version of the package it is wired to, or {@code null}. */
    public String version;
    /** Whether the exporter's revision is removal-pending. */
    public boolean exporterRemovalPending;
}
