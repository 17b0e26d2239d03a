package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/** One wire by which a bundle depends on another one. */
public class DependentDTO extends DTO {
    /** The bundle that depends (the requirer of the wire). */
    public BundleRefDTO bundle;
    /** {@code package}, {@code bundle} (Require-Bundle), {@code fragment}, {@code capability}. */
    public String kind;
    /** The wire's namespace, e.g. {@code osgi.wiring.package}. */
    public String namespace;
    /** The package or capability name. */
    public String name;
    /** The version of the capability it is wired to, or {@code null}. */
    public String version;
}
