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
}
