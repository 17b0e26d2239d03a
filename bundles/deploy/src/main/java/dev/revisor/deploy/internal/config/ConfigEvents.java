package dev.revisor.deploy.internal.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The journal event types of configuration changes, in one place, next to their description in docs/journal.md
 * ({@code config.*}). Owns nothing; constants only.
 */
final class ConfigEvents {
    /** A change was applied and every component that was active is active with it. */
    static final String APPLIED = "config.applied";
    /** A configuration was deleted (its file removed, or {@code audit:config delete}). */
    static final String DELETED = "config.deleted";
    /** A check refused the change before anything changed. */
    static final String REFUSED = "config.refused";
    /** A component did not come back; the previous values are in force again. */
    static final String ROLLED_BACK = "config.rolled-back";
    /** With {@code on.failure=warn}: applied, and a component did not come back. */
    static final String FAILED = "config.failed";
    /** The rollback did not bring every component back either. */
    static final String ROLLBACK_FAILED = "config.rollback-failed";
    /** At start: a change interrupted by the end of the process; which values are in force. */
    static final String RECOVERED = "config.recovered";

    private ConfigEvents() {
    }

    static Map<String, Object> details(String file, ConfigFile.Pid pid) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (file != null) {
            d.put("file", file);
        }
        d.put("pid", pid.pid());
        if (pid.factoryPid() != null) {
            d.put("factoryPid", pid.factoryPid());
        }
        return d;
    }
}
