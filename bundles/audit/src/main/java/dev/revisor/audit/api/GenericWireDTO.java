package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * A wire of a namespace other than packages: {@code osgi.wiring.bundle} (Require-Bundle), {@code osgi.wiring.host}
 * (fragment to host), {@code osgi.extender}, {@code osgi.ee}, ...
 */
public class GenericWireDTO extends DTO {
    /** The namespace. */
    public String namespace;
    /** The requirement's filter. */
    public String filter;
    /** The bundle that provides the capability. */
    public BundleRefDTO provider;
    /** The bundle that requires it. */
    public BundleRefDTO requirer;
}
