package dev.revisor.deploy.internal;

import java.nio.file.Path;

/** The deploy engine's settings, from configuration {@code dev.revisor.deploy} and framework properties. Immutable. */
final class Settings {
    final Path folder;
    final String apiGate;
    final long verifyTimeoutMillis;
    final long refreshTimeoutMillis;
    final long settleMillis;
    /** How long the deploy thread waits for an activator's start() (start.timeout.ms). */
    final long startTimeoutMillis;
    final boolean startNewBundles;
    final int startLevel;

    Settings(Path folder, String apiGate, long verifyTimeoutMillis, long refreshTimeoutMillis, long settleMillis,
            long startTimeoutMillis, boolean startNewBundles, int startLevel) {
        this.folder = folder;
        this.apiGate = apiGate;
        this.verifyTimeoutMillis = verifyTimeoutMillis;
        this.refreshTimeoutMillis = refreshTimeoutMillis;
        this.settleMillis = settleMillis;
        this.startTimeoutMillis = startTimeoutMillis;
        this.startNewBundles = startNewBundles;
        this.startLevel = startLevel;
    }
}
