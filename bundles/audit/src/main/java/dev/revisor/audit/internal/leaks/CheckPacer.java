package dev.revisor.audit.internal.leaks;

/**
 * When the next leak check may run, so that a burst of lifecycle changes costs a few checks and a single update is
 * still checked at once. Pure arithmetic on {@code System.nanoTime()} values handed in by the caller (no clock of its
 * own: the tests drive it with made-up times).
 * <p>
 * The rules (docs/leaks.md, configuration):
 * <ul>
 * <li>a check is due once no new work came for {@code quiet} (a single update or refresh: right after it);</li>
 * <li>while work keeps coming, at the latest {@code maxDelay} after the oldest waiting work (a burst that never pauses
 * is still checked now and then);</li>
 * <li>a check that needs a garbage collection (new retired revisions, new service objects to watch) waits until
 * {@code minGcInterval} has passed since the end of the last check that collected, and also until the collections
 * stay within {@code maxGcShare} percent of the time: after collections that took T, at least T * (100 / share - 1).
 * A check without garbage collection (threads of stopped bundles only) is not held back by either.</li>
 * </ul>
 * Concurrent Semantics: not thread safe; the caller guards it (the detector's lock).
 */
final class CheckPacer {
    private final long quiet;
    private final long maxDelay;
    private final long minGcInterval;
    private final int maxGcShare;
    private boolean pending;
    private boolean needsGc;
    private long firstWork;
    private long lastWork;
    private boolean collected;
    private long nextGc;

    /**
     * @param quietNanos         quiet time after the last work before a check
     * @param maxDelayNanos      longest wait of the oldest work while work keeps coming
     * @param minGcIntervalNanos shortest time from the end of one collecting check to the start of the next
     * @param maxGcSharePercent  largest share of the time spent in the checks' collections; 0 or 100 and above: no limit
     */
    CheckPacer(long quietNanos, long maxDelayNanos, long minGcIntervalNanos, int maxGcSharePercent) {
        this.quiet = Math.max(0, quietNanos);
        this.maxDelay = Math.max(this.quiet, maxDelayNanos);
        this.minGcInterval = Math.max(0, minGcIntervalNanos);
        this.maxGcShare = maxGcSharePercent;
    }

    /**
     * Work came that a check must look at.
     *
     * @param now the time
     * @param gc  whether its check needs a garbage collection (a retired revision, a held service object)
     */
    void work(long now, boolean gc) {
        if (!pending) {
            pending = true;
            firstWork = now;
        }
        lastWork = now;
        needsGc |= gc;
    }

    /** @return whether work is waiting for a check */
    boolean pending() {
        return pending;
    }

    /**
     * @return when the waiting check may run (a {@code System.nanoTime()} value: compare by difference); meaningful
     *         only while {@link #pending()}
     */
    long due() {
        long settled = lastWork + quiet;
        long latest = firstWork + maxDelay;
        long due = settled - latest < 0 ? settled : latest;
        if (needsGc && collected && nextGc - due > 0) {
            due = nextGc;
        }
        return due;
    }

    /** A check takes the waiting work now: what comes from here on waits for the next one. */
    void started() {
        pending = false;
        needsGc = false;
    }

    /**
     * A check ended.
     *
     * @param now     the time
     * @param gcs     how many garbage collections it made
     * @param gcNanos how long they took together
     */
    void ended(long now, int gcs, long gcNanos) {
        if (gcs <= 0) {
            return;
        }
        long pause = minGcInterval;
        if (maxGcShare > 0 && maxGcShare < 100) {
            long byShare = gcNanos / maxGcShare * (100 - maxGcShare);
            pause = Math.max(pause, byShare);
        }
        collected = true;
        nextGc = now + pause;
    }
}
