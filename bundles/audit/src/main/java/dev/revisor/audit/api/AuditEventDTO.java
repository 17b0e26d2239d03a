package dev.revisor.audit.api;

import java.util.Map;

import org.osgi.dto.DTO;

/**
 * One line of the journal: something that happened in the framework, or something Revisor concluded.
 * <p>
 * Each field is documented for users in {@code docs/journal.md}.
 */
public class AuditEventDTO extends DTO {
    /** Position in the journal: strictly increasing, also across restarts of the runtime. */
    public long seq;
    /** When it happened, ISO-8601 in UTC with milliseconds, e.g. {@code 2026-11-27T15:20:01.123Z}. */
    public String time;
    /** What happened, {@code area.what}, e.g. {@code bundle.started}, {@code service.registered}, {@code framework.error}. */
    public String type;
    /** The operation this event belongs to, or {@code null} when it belongs to none. */
    public String operation;
    /** The bundle the event is about, or {@code null}. */
    public BundleRefDTO bundle;
    /** Further facts, specific to the type (strings, numbers, booleans, lists and maps of those). */
    public Map<String, Object> details;
}
