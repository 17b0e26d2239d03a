package dev.revisor.deploy.internal;

import java.util.Locale;

import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

/**
 * Strict reading of the deploy bundle's settings: the FileInstall framework properties it applies itself
 * ({@code felix.fileinstall.bundles.new.start}, {@code felix.fileinstall.start.level}) and the numbers of configuration
 * {@code dev.revisor.deploy}. A value that is not allowed is never read as something else: it is logged as an error
 * naming the key, the value and what is allowed, and the documented default is used instead. (The Revisor launcher
 * already refuses to start with such a value in etc/; this is the same rule for any other launcher.) Stateless.
 */
final class ConfigCheck {
    static final String START_LEVEL = "felix.fileinstall.start.level";
    static final String BEGINNING = "org.osgi.framework.startlevel.beginning";

    private ConfigCheck() {
    }

    /** {@code true} or {@code false} (any case); {@code null} gives the fallback silently. */
    static boolean bool(String value, String key, boolean fallback, Logger log) {
        if (value == null) {
            return fallback;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        log.error("deploy: {} = '{}' is not a boolean (allowed: true, false); using {}", key, value, fallback);
        return fallback;
    }

    /**
     * The start level deployed bundles get: 0 (unset) keeps the framework's initial bundle start level; otherwise an
     * integer from 1 up to the framework's beginning start level, when that is set (above it, they would never start).
     */
    static int startLevel(BundleContext context, Logger log) {
        String value = context.getProperty(START_LEVEL);
        if (value == null || value.isBlank()) {
            return 0;
        }
        int level;
        try {
            level = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            log.error("deploy: {} = '{}' is not an integer (allowed: 0 for the framework's initial bundle start level,"
                    + " or 1 up to {}); deployed bundles keep the initial start level", START_LEVEL, value, BEGINNING);
            return 0;
        }
        if (level < 0) {
            log.error("deploy: {} = {} is negative (allowed: 0, or 1 up to {}); deployed bundles keep the initial start"
                    + " level", START_LEVEL, level, BEGINNING);
            return 0;
        }
        String beginning = context.getProperty(BEGINNING);
        if (beginning != null && level > 0) {
            try {
                int top = Integer.parseInt(beginning.trim());
                if (level > top) {
                    log.error("deploy: {} = {} is above {} = {}: deployed bundles would never start; using {}", START_LEVEL,
                            level, BEGINNING, top, top);
                    return top;
                }
            } catch (NumberFormatException e) {
                // the framework itself rejects or ignores it; nothing to compare with
            }
        }
        return level;
    }

    /** A configured number of at least {@code min}; a smaller one is logged and replaced by the fallback. */
    static long atLeast(long value, long min, String key, long fallback, Logger log) {
        if (value >= min) {
            return value;
        }
        log.error("deploy: {} = {} in configuration {} is below {} (allowed: an integer >= {}); using {}", key, value,
                DeployComponent.PID, min, min, fallback);
        return fallback;
    }
}
