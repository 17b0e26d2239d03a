package dev.revisor.fleet.internal;

import java.util.Locale;

/** What a member reports about one assignment. Stored lower case in {@code Docs.Report#state}. */
enum MemberState {
    /** Fetching, verifying and handing the bytes to the deploy folder. */
    APPLYING,
    /** Deployed; the audit watches for the hold time. */
    HOLDING,
    /** Deployed, held, no new finding. */
    SUCCEEDED,
    /** The deploy transaction or the audit said no; the member already put its previous bytes back. */
    FAILED,
    /** Putting the previous bytes back. */
    ROLLING_BACK,
    /** Runs what it ran before the rollout. */
    ROLLED_BACK;

    String text() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == ROLLED_BACK;
    }

    static MemberState of(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
