package dev.revisor.audit.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One open operation, returned by {@link Operations#begin}. Closing it journals {@code operation.ended}
 * with its outcome and forces the journal to disk.
 * <p>
 * Concurrent Semantics: thread safe; {@link #close()} is idempotent.
 */
@ProviderType
public interface Operation extends AutoCloseable {
    /** Outcome of an operation that did what it was asked. */
    String SUCCEEDED = "succeeded";
    /** Outcome of an operation that failed and left the runtime changed. */
    String FAILED = "failed";
    /** Outcome of an operation that failed and was undone: the runtime is as it was before. */
    String ROLLED_BACK = "rolled-back";
    /** Outcome of an operation that was refused before anything changed. */
    String REFUSED = "refused";
    /**
     * Outcome of an operation the runtime never saw end: it was killed or crashed meanwhile. Written when the audit
     * starts again and finds the operation open in the journal.
     */
    String INTERRUPTED = "interrupted";

    /** @return its id, unique within the journal */
    String id();

    /**
     * Sets how the operation ended; the last call wins. Without a call it ends {@link #SUCCEEDED}.
     *
     * @param outcome one of the outcome constants
     * @param reason  in plain words, or {@code null}
     */
    void outcome(String outcome, String reason);

    /** @return a snapshot of the operation as it stands */
    OperationDTO describe();

    /** Ends the operation on the thread that began it. */
    @Override
    void close();
}
