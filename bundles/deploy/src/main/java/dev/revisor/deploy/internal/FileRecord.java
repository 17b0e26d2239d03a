package dev.revisor.deploy.internal;

/**
 * What Revisor remembers of one file of the deploy folder, in {@code state.json}. A plain mutable holder, only
 * touched on the deploy thread; readers get copies.
 */
final class FileRecord {
    String file;
    String location;
    long bundleId = -1;
    /** SHA-256 of the bytes the bundle runs. */
    String sha256;
    /** SHA-256 of the last bytes refused, rolled back or failed: the same bytes are not tried again. */
    String triedSha256;
    /**
     * The file's modification time when those bytes were tried: touching the file (a new time, the same bytes) tries
     * them again; FileInstall's report of an unchanged file at start does not. -1: unknown.
     */
    long triedModified = -1;
    String state;
    String outcome;
    String operation;
    String reason;
    String marker;
    String time;
    /**
     * While the file's change waits for a stuck start ({@code waiting}): the state, reason and marker it had before,
     * given back when the change turns out to need nothing; {@code null} otherwise.
     */
    String stateBeforeWait;
    String reasonBeforeWait;
    String markerBeforeWait;
    /**
     * The file's modification time (ms) and size when Revisor last took up its content: a file whose time or size
     * differs has a change Revisor has not judged yet ({@code audit:deploys --wait}). -1: never; {@link #GONE}: the
     * file left the folder and its removal waits (deferred behind a stuck start), so its absence is judged.
     */
    long seenModified = -1;
    long seenSize = -1;
    /** {@link #seenModified} and {@link #seenSize} of a file whose removal was taken up and waits. */
    static final long GONE = -2;
    /**
     * The transaction that ended while starts of its bundles had not returned ({@code stuck}), finished when they
     * return or at the next start; {@code null} otherwise.
     */
    Transaction stuck;

    FileRecord copy() {
        FileRecord r = new FileRecord();
        r.file = file;
        r.location = location;
        r.bundleId = bundleId;
        r.sha256 = sha256;
        r.triedSha256 = triedSha256;
        r.triedModified = triedModified;
        r.state = state;
        r.outcome = outcome;
        r.operation = operation;
        r.reason = reason;
        r.marker = marker;
        r.time = time;
        r.stateBeforeWait = stateBeforeWait;
        r.reasonBeforeWait = reasonBeforeWait;
        r.markerBeforeWait = markerBeforeWait;
        r.seenModified = seenModified;
        r.seenSize = seenSize;
        r.stuck = stuck;
        return r;
    }
}
