package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** A bundle revision left removal-pending: uninstalled or replaced by an update, but still wired to by others. */
public class RemovalPendingDTO extends DTO {
    /** The bundle, with the version of the pending (old) revision. */
    public BundleRefDTO bundle;
    /** The revision as the framework names it, e.g. {@code org.example.utils [12](R 12.0)} in Felix (bundle id, revision number). */
    public String revision;
    /** {@code true}: the bundle was uninstalled; {@code false}: it was updated and this is its old revision. */
    public boolean uninstalled;
    /** Who is still wired to it, one entry per wire. */
    public List<DependentDTO> wiredBy;
}
