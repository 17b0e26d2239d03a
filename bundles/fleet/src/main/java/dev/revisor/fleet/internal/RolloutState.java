package dev.revisor.fleet.internal;

import java.util.Locale;

/** Where a rollout stands. Stored lower case in {@code Docs.Rollout#state}. */
enum RolloutState {
    /** Waves are being applied. */
    RUNNING,
    /** A member failed: every member that took the update rolls back. */
    HALTING,
    /** Halted and rolled back; {@code reason} names the member and the finding. */
    HALTED,
    /** Aborted by {@code fleet abort}: every member that took the update rolls back. */
    ABORTING,
    ABORTED,
    /** Every wave succeeded. */
    SUCCEEDED;

    String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean finished() {
        return this == HALTED || this == ABORTED || this == SUCCEEDED;
    }

    static RolloutState of(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
