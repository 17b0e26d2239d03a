package dev.revisor.deploy.api;

import java.util.List;

import org.osgi.dto.DTO;

/** The deploy folder and every file in it, as {@code audit:deploys} shows them. */
public class DeployStatusDTO extends DTO {
    /** The watched folder, an absolute path. */
    public String folder;
    /** Whether Revisor acts on the folder's files; {@code false} when the folder is refused (see {@link #problem}). */
    public boolean accepting;
    /** Why the folder is refused, in plain words, or {@code null}. */
    public String problem;
    /** The API gate policy in force: {@code refuse} or {@code warn}. */
    public String apiGate;
    /**
     * How many changes the deploy thread has queued, scheduled (a re-check of a file still being written) or running;
     * counted in the same look as {@link #settled}, so 0 whenever the folder is settled.
     */
    public int queued;
    /**
     * Whether the folder is settled: every file in it taken up as it is now, no removal and no change in progress
     * (see {@link DeployFolder#awaitSettled}).
     *
     * @since 1.1
     */
    public boolean settled;
    /**
     * What keeps the folder from being settled, in plain words, one entry a file or reason (e.g.
     * {@code hello.jar: not taken up yet ...}); empty when {@link #settled}.
     *
     * @since 1.1
     */
    public List<String> inProgress;
    /** One entry per bundle jar in the folder, and per file that left the folder but is not yet handled; by name. */
    public List<DeployFileDTO> files;
    /**
     * The configuration files of {@code deploy/} and {@code etc/} ({@link Configurations#files}); filled by whoever
     * shows the folder with them ({@code audit:deploys}), {@code null} otherwise.
     *
     * @since 1.2
     */
    public List<ConfigFileDTO> configurations;
}
