package dev.revisor.deploy.api;

import org.osgi.dto.DTO;

import dev.revisor.audit.api.BundleRefDTO;

/** One file of the deploy folder and what Revisor made of it. */
public class DeployFileDTO extends DTO {
    /** {@code deployed}: the bundle runs these bytes. */
    public static final String DEPLOYED = "deployed";
    /** {@code pending}: installed, waits for requirements that no bundle provides yet ({@code NAME.jar.pending}). */
    public static final String PENDING = "pending";
    /** {@code failed}: installed, but it did not start ({@code NAME.jar.failed}). */
    public static final String FAILED = "failed";
    /** {@code refused}: the file's bytes were refused; any bundle it held before runs unchanged ({@code NAME.jar.failed}). */
    public static final String REFUSED = "refused";
    /** {@code rolled-back}: the change was applied, failed, and the previous bytes were put back ({@code NAME.jar.failed}). */
    public static final String ROLLED_BACK = "rolled-back";
    /**
     * {@code stuck}: the bundle's activator (or that of a bundle of its plan) has not returned from start() within
     * {@code start.timeout.ms}; the transaction is finished when it returns ({@code NAME.jar.failed}).
     */
    public static final String STUCK = "stuck";
    /** {@code incomplete}: the file is still being written, or was left half-written; nothing changed yet. */
    public static final String INCOMPLETE = "incomplete";
    /** {@code waiting}: the file is in the folder but its transaction has not run yet. */
    public static final String WAITING = "waiting";
    /** {@code removing}: the file left the folder; its bundle is being uninstalled. */
    public static final String REMOVING = "removing";

    /** The file name in the folder, e.g. {@code hello.jar}. */
    public String file;
    /** One of the state constants of this class. */
    public String state;
    /** The bundle the file holds (installed from it), or {@code null}. */
    public BundleRefDTO bundle;
    /** That bundle's state now: {@code ACTIVE}, {@code RESOLVED}, {@code INSTALLED}, ...; {@code null} without a bundle. */
    public String bundleState;
    /** How the file's last operation ended: {@code succeeded}, {@code failed}, {@code rolled-back}, {@code refused}. */
    public String outcome;
    /** The id of that operation in the journal, or {@code null}. */
    public String operation;
    /** Why, in plain words (the text of the marker file when there is one), or {@code null}. */
    public String reason;
    /** The marker beside the file: {@code NAME.jar.failed}, {@code NAME.jar.pending}, or {@code null}. */
    public String marker;
    /** SHA-256 of the bytes the bundle runs (hex), or {@code null}. */
    public String sha256;
    /** ISO-8601 UTC time of the last operation, or {@code null}. */
    public String time;
}
