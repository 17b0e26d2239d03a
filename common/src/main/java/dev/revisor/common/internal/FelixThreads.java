package dev.revisor.common.internal;

/**
 * The names of Apache Felix's own threads, checked in one place (Felix 7.0.5: {@code FelixFrameworkWiring} runs
 * {@code FrameworkWiring.refreshBundles}, {@code FelixStartLevel} start-level changes, {@code FelixDispatchQueue}
 * asynchronous events, {@code FelixShutdown} the framework's stop). If Felix renames them, this is the only class to
 * change.
 * <p>
 * Owns nothing; called on any thread. Inlined into each bundle by bnd {@code -conditionalpackage} (common/README.md).
 */
public final class FelixThreads {
    /** Felix's thread for {@code FrameworkWiring.refreshBundles}. */
    public static final String WIRING = "FelixFrameworkWiring";
    /** Felix's thread for start-level changes. */
    public static final String START_LEVEL = "FelixStartLevel";
    private static final String PREFIX = "Felix";

    private FelixThreads() {
    }

    /** @return whether the thread of that name is one of Felix's own (start level, wiring, dispatch, shutdown) */
    public static boolean isFelix(String threadName) {
        return threadName != null && threadName.startsWith(PREFIX);
    }

    public static boolean isFelix(Thread thread) {
        return isFelix(thread.getName());
    }

    /** @return whether it is the thread that runs {@code FrameworkWiring.refreshBundles} */
    public static boolean isWiring(Thread thread) {
        return WIRING.equals(thread.getName());
    }

    /** @return whether it is the thread that runs start-level changes */
    public static boolean isStartLevel(Thread thread) {
        return START_LEVEL.equals(thread.getName());
    }
}
