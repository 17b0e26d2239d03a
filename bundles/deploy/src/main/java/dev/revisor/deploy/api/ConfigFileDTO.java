package dev.revisor.deploy.api;

import org.osgi.dto.DTO;

/**
 * One configuration file of {@code deploy/} or {@code etc/} and what Revisor made of it.
 *
 * @since 1.2
 */
public class ConfigFileDTO extends DTO {
    /** {@code applied}: the configuration in force holds the file's values. */
    public static final String APPLIED = "applied";
    /** {@code refused}: a check refused the file; the previous configuration stays in force ({@code FILE.failed}). */
    public static final String REFUSED = "refused";
    /** {@code rolled-back}: applied, a component did not come back, the previous configuration is back ({@code FILE.failed}). */
    public static final String ROLLED_BACK = "rolled-back";
    /** {@code failed}: applied with {@code on.failure=warn}, and a component did not come back ({@code FILE.failed}). */
    public static final String FAILED = "failed";
    /** {@code waiting}: seen, its change has not run yet. */
    public static final String WAITING = "waiting";

    /** The file as the user names it: {@code deploy/NAME.cfg} or {@code etc/NAME.cfg}. */
    public String file;
    /** The PID the file configures (for a factory configuration {@code factoryPid~name}). */
    public String pid;
    /** The factory PID, or {@code null}. */
    public String factoryPid;
    /** One of the state constants. */
    public String state;
    /** How the file's last operation ended: {@code succeeded}, {@code refused}, {@code rolled-back}, {@code failed}. */
    public String outcome;
    /** The id of that operation, or {@code null} (a file whose values were already in force needs none). */
    public String operation;
    /** Why, in plain words (the text of the marker), or {@code null}. */
    public String reason;
    /** The marker beside the file, {@code NAME.cfg.failed}, or {@code null}. */
    public String marker;
    /** SHA-256 of the file's bytes (hex) when last read. */
    public String sha256;
    /** ISO-8601 UTC time of the last change. */
    public String time;
}
