package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/** One bundle a refresh took down and (perhaps) brought back. */
public class RestartDTO extends DTO {
    public BundleRefDTO bundle;
    /** ISO-8601 times; {@code null} when the bundle was not active (not stopped) or did not start again. */
    public String stopped;
    public String started;
    /** How long the stop took, in milliseconds, or -1. */
    public long stopMillis = -1;
    /** State after the refresh. */
    public String stateAfter;
}
