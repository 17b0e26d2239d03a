package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** An operation as the journal and the commands show it. */
public class OperationDTO extends DTO {
    /** Unique id, e.g. {@code op-42}. */
    public String id;
    /** What it does: install, update, uninstall, start, stop, refresh, resolve, deploy, ... */
    public String kind;
    /** Why: {@code deploy:<file>}, {@code shell:<command line>}, {@code api:<caller>}, {@code framework}. */
    public String trigger;
    /** What it is about, for people. */
    public String subject;
    /** ISO-8601 UTC start time. */
    public String start;
    /** ISO-8601 UTC end time, {@code null} while it is open. */
    public String end;
    /**
     * {@code succeeded}, {@code failed}, {@code rolled-back}, {@code refused}, {@code interrupted}; {@code null} while
     * open. An implicit operation is {@code failed} when a bundle that was active did not come back, or a start in it
     * threw; its {@link #reason} names them (docs/journal.md, {@code operation.ended}).
     */
    public String outcome;
    /** Why it ended as it did, in plain words, or {@code null}. */
    public String reason;
    /** The bundles whose lifecycle changed during it. */
    public List<BundleRefDTO> bundles;
    /** Whether the audit opened it by itself for changes nobody announced with {@link Operations#begin}. */
    public boolean implicit;
    /** The name of the thread it was begun on (or that made the changes of an implicit operation). */
    public String thread;
}
