package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * A requirement that an uninstall would leave without any provider: the bundle that holds it would not resolve
 * again and stays {@code INSTALLED} until a provider is back (see {@link PlannedRestartDTO#stranded}).
 *
 * @since 1.1
 */
public class StrandedDTO extends DTO {
    /** The requirement's namespace, e.g. {@code osgi.wiring.package}, {@code osgi.wiring.bundle}, {@code osgi.wiring.host}. */
    public String namespace;
    /** What it asks for: the package, bundle or capability name, e.g. {@code org.example.utils}. */
    public String name;
    /**
     * The version range it asks for in OSGi syntax, as a manifest writes it, e.g. {@code [2.0.0,3.0.0)}
     * ({@code 1.0.0} alone means 1.0.0 and up); {@code null} when it takes any version.
     */
    public String range;
    /** The requirement's filter, exactly. */
    public String filter;
    /** The bundle that provides it now: one the change removes, or one that is stranded itself (see {@link #providerStranded}). */
    public BundleRefDTO provider;
    /** Whether {@link #provider} is not removed but stranded itself: this bundle is stranded through it. */
    public boolean providerStranded;
}
