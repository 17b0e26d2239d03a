package dev.revisor.audit.api;

import org.osgi.dto.DTO;
import org.osgi.framework.Bundle;

/**
 * Names one bundle revision in journal events and findings: its id, symbolic name and version.
 * <p>
 * The fields are public as in every OSGi DTO; {@link #of(Bundle)} fills them.
 */
public class BundleRefDTO extends DTO {
    /** The bundle id. */
    public long id;
    /** The bundle symbolic name, or {@code null} when the bundle has none. */
    public String symbolicName;
    /** The bundle version. */
    public String version;

    /**
     * @param bundle a bundle, installed or uninstalled
     * @return a reference naming it
     */
    public static BundleRefDTO of(Bundle bundle) {
        BundleRefDTO ref = new BundleRefDTO();
        ref.id = bundle.getBundleId();
        ref.symbolicName = bundle.getSymbolicName();
        ref.version = bundle.getVersion().toString();
        return ref;
    }

    /** @return {@code symbolicName/version [id]}, the way people read a bundle name */
    public String display() {
        return (symbolicName == null ? "<no symbolic name>" : symbolicName) + "/" + version + " [" + id + "]";
    }
}
