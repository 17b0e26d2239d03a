package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * One wire of a {@link UsesChainDTO}: {@code importer} imports {@code packageName} in {@code range} from
 * {@code exporter} at {@code version}. From the second step on, {@code usesOf} names the package of the previous
 * step whose {@code uses} directive brings this one in.
 */
public class UsesStepDTO extends DTO {
    /** The importing bundle (for the first step, the bundle asked about). */
    public BundleRefDTO importer;
    /** The package. */
    public String packageName;
    /** The importer's version range, or {@code null} when the importer exports the package itself. */
    public String range;
    /** The exporter it is (or would be) wired to. */
    public BundleRefDTO exporter;
    /** The version of the package at the exporter. */
    public String version;
    /** The package whose {@code uses} directive leads to this step, or {@code null} for the first step. */
    public String usesOf;
}
