package dev.revisor.deploy.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One configuration change: what it changed, what the components did, how it ended.
 *
 * @since 1.2
 */
public class ConfigChangeDTO extends DTO {
    /** The operation id in the journal. */
    public String operation;
    /** ISO-8601 UTC time. */
    public String time;
    /** {@code deploy:NAME.cfg}, {@code etc:NAME.cfg}, {@code shell:...}, {@code api:...}. */
    public String trigger;
    /** The PID. */
    public String pid;
    /** {@code update}, {@code create}, {@code delete}. */
    public String action;
    /** {@code succeeded}, {@code refused}, {@code rolled-back}, {@code failed}. */
    public String outcome;
    /** Why, in plain words, or {@code null}. */
    public String reason;
    /** One text per changed key: {@code key: old -> new}, {@code +key = v}, {@code -key}; secrets masked. */
    public List<String> diff;
    /** Components modified in place (their modified method ran): {@code name [bundle id]}. */
    public List<String> modified;
    /** Components deactivated and activated again with the new values. */
    public List<String> reactivated;
    /** Components that were active and are not now (or were until the rollback). */
    public List<String> deactivated;
}
