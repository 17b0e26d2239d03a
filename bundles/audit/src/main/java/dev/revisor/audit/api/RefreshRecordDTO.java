package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** What one refresh did. */
public class RefreshRecordDTO extends DTO {
    /** The operation the refresh belongs to. */
    public String operation;
    public String start;
    public String end;
    /** The bundles the refresh was asked for. */
    public List<BundleRefDTO> triggers;
    /** The bundles actually stopped (if active) and re-resolved, with per-bundle stop and start times. */
    public List<RestartDTO> restarted;
    /** Importers that moved from one exporter to another. */
    public List<WiringChangeDTO> wiringChanges;
    /** Bundles that did not resolve or start again, with the reason. */
    public List<String> failures;
    /**
     * Revisions that were removal-pending before the refresh (old revisions of updated bundles, uninstalled
     * bundles), with the bundles that were still wired to them. The refresh removed them.
     */
    public List<RemovalPendingDTO> removalPending;
    /** Services unregistered during the operation (before and during this refresh) while other bundles used them. */
    public List<ServiceInUseDTO> servicesInUse;
    /**
     * Whether the refresh was made through {@link Refreshes#refresh}: {@code false} for a refresh the framework or
     * another tool made by itself (Gogo {@code refresh}, FileInstall), whose triggers the audit cannot know
     * ({@link #triggers} is empty then).
     */
    public boolean requested;
}
