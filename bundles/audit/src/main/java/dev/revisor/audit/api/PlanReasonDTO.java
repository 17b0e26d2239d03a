package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/** One reason a bundle is in a refresh plan. */
public class PlanReasonDTO extends DTO {
    /** {@code trigger}, {@code package}, {@code bundle} (Require-Bundle), {@code fragment}, {@code host}, {@code capability}. */
    public String kind;
    /** The wire's namespace, e.g. {@code osgi.wiring.package}; {@code null} for a trigger. */
    public String namespace;
    /** The package or capability name, e.g. {@code org.example.utils}. */
    public String name;
    /** The version of the capability it is wired to. */
    public String version;
    /** The affected bundle it is wired to (the provider), the reason it is affected. */
    public BundleRefDTO through;
}
