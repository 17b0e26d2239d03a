package dev.revisor.audit.internal.leaks;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What {@code System.gc()} does in this JVM, read from its input arguments, and how to collect enough to see a class
 * loader go: one call for a full collection; up to 20 calls (or 3 s) with {@code -XX:+ExplicitGCInvokesConcurrent};
 * nothing with {@code -XX:+DisableExplicitGC}, where zombie revisions cannot be detected at all.
 * <p>
 * Concurrent Semantics: immutable, thread safe.
 */
final class GcMode {
    private final String mode;

    GcMode(String mode) {
        this.mode = mode;
    }

    static GcMode detect() {
        return of(ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    /** @param arguments the JVM's input arguments; the last of conflicting flags wins, as in the JVM */
    static GcMode of(List<String> arguments) {
        String mode = "full";
        boolean disabled = false;
        boolean concurrent = false;
        for (String a : arguments) {
            switch (a) {
                case "-XX:+DisableExplicitGC": disabled = true; break;
                case "-XX:-DisableExplicitGC": disabled = false; break;
                case "-XX:+ExplicitGCInvokesConcurrent": concurrent = true; break;
                case "-XX:-ExplicitGCInvokesConcurrent": concurrent = false; break;
                default: break;
            }
        }
        if (disabled) {
            mode = "disabled";
        } else if (concurrent) {
            mode = "concurrent";
        }
        return new GcMode(mode);
    }

    /** @return {@code full}, {@code concurrent} or {@code disabled} */
    String mode() {
        return mode;
    }

    boolean disabled() {
        return mode.equals("disabled");
    }

    /** @return a note for people about this mode, or {@code null} for a full collection */
    String note() {
        switch (mode) {
            case "disabled":
                return "the JVM runs with -XX:+DisableExplicitGC: System.gc() does nothing, so zombie revisions (and held "
                        + "service objects) cannot be detected; remove that option to have them checked";
            case "concurrent":
                return "the JVM runs with -XX:+ExplicitGCInvokesConcurrent: each zombie check needs several concurrent "
                        + "collections and takes longer (several hundred milliseconds)";
            default:
                return null;
        }
    }

    /**
     * Collects garbage.
     *
     * @param done says when enough was collected (every watched reference cleared); asked between calls
     * @return how many times {@code System.gc()} was called
     */
    @SuppressWarnings("java:S1215") // System.gc() is the point: a weak reference is cleared by a collection only
    int collect(BooleanSupplier done) {
        if (disabled()) {
            return 0;
        }
        if (mode.equals("full")) {
            System.gc();
            return 1;
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        int calls = 0;
        for (int i = 0; i < 20 && !done.getAsBoolean() && System.nanoTime() < deadline; i++) {
            System.gc();
            calls++;
        }
        return calls;
    }
}
