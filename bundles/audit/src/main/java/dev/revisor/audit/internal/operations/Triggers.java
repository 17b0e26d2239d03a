package dev.revisor.audit.internal.operations;

import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;

import dev.revisor.audit.api.Operations;
import dev.revisor.common.internal.FelixThreads;

/**
 * Guesses the trigger of a change nobody announced from the thread that made it (docs/operations.md, "Implicit
 * operations"). Stateless.
 */
final class Triggers {
    /**
     * Gogo runs each statement of a command line on a thread of its session's pool, renamed
     * {@code pipe-<statement>} while it runs; the pool's threads are {@code session-<n>-thread-<m>}.
     */
    private static final String GOGO_PIPE = "pipe-";
    private static final Pattern GOGO = Pattern.compile("session-\\d+-thread-\\d+|job controller \\d+");
    private static final String FILEINSTALL = "fileinstall-";
    private static final String CONTROL = "revisor-control-";

    private Triggers() {
    }

    /**
     * @param thread the name of the thread that made the change
     * @param event  the first event of the change, or {@code null} (a resolve)
     * @return {@code framework}, {@code deploy:<file>}, {@code shell:<statement>}, {@code shell:gogo},
     *         {@code shell:exec} or {@code api:<who>}
     */
    static String of(String thread, BundleEvent event) {
        if (FelixThreads.isFelix(thread)) {
            return Operations.TRIGGER_FRAMEWORK;
        }
        if (thread.startsWith(FILEINSTALL)) {
            String file = event == null ? null : fileName(event.getBundle().getLocation());
            return Operations.TRIGGER_DEPLOY + (file != null ? file : thread.substring(FILEINSTALL.length()));
        }
        if (thread.startsWith(GOGO_PIPE) && thread.length() > GOGO_PIPE.length()) {
            return Operations.TRIGGER_SHELL + thread.substring(GOGO_PIPE.length());
        }
        if (GOGO.matcher(thread).matches()) {
            return Operations.TRIGGER_SHELL + "gogo";
        }
        if (thread.startsWith(CONTROL)) {
            return Operations.TRIGGER_SHELL + "exec";
        }
        if (event != null && event.getType() == BundleEvent.INSTALLED) {
            Bundle origin = event.getOrigin();
            if (origin != null && origin.getBundleId() != 0 && origin.getBundleId() != event.getBundle().getBundleId()
                    && origin.getSymbolicName() != null) {
                return Operations.TRIGGER_API + origin.getSymbolicName();
            }
        }
        return Operations.TRIGGER_API + "thread " + thread;
    }

    /** @return the last path segment of a location, or {@code null} when it has none */
    static String fileName(String location) {
        if (location == null || location.isBlank()) {
            return null;
        }
        String l = location;
        int q = l.indexOf('?');
        if (q >= 0) {
            l = l.substring(0, q);
        }
        while (l.endsWith("/")) {
            l = l.substring(0, l.length() - 1);
        }
        int slash = Math.max(l.lastIndexOf('/'), l.lastIndexOf('\\'));
        String name = slash >= 0 ? l.substring(slash + 1) : l;
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            name = name.substring(colon + 1);
        }
        return name.isEmpty() ? null : name;
    }
}
