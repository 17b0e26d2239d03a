package dev.revisor.audit.internal.operations;

import java.util.List;

import dev.revisor.audit.api.RefreshRecordDTO;

/**
 * Whiteboard service inside the audit bundle: told after each refresh and after each operation that uninstalled
 * bundles, with the revisions that went out of use and their class loaders captured (weakly) <em>before</em> the
 * framework disposed of them. The leak checks register one.
 * <p>
 * Contract:
 * <ul>
 * <li>Called on the operation tracker's own thread ({@code revisor-audit-operations}), never on a framework thread,
 * one call at a time, in the order the refreshes and uninstalls ended.</li>
 * <li>{@link #refreshed} comes after every refresh the audit saw: made through
 * {@link dev.revisor.audit.api.Refreshes#refresh} (the record's {@code requested} is true) or by anyone else
 * (Gogo {@code refresh}, FileInstall), once the framework reported it done and the record is journaled. The list
 * holds every revision that the refresh replaced or removed: old revisions of updated bundles, uninstalled bundles,
 * and the previous revision of every bundle refreshed in place.</li>
 * <li>{@link #removed} comes for the revisions the framework removed at once without a refresh of their own: an
 * uninstalled bundle, or the old revision of an updated one, that nobody was wired to. It comes as soon as the
 * framework reports that removal done (Felix fires PACKAGES_REFRESHED after it), and at the latest when the operation
 * that uninstalled or updated the bundles ends; each call names the operation that retired its revisions. A revision
 * left removal-pending comes later, in the {@link #refreshed} call of the refresh that removes it. Each wiring of a
 * revision is reported once (a revision refreshed in place gets a new wiring and class loader, reported when that one
 * goes out of use in turn).</li>
 * <li>Must return quickly: a slow observer delays the next records (run long work on an executor of your own).
 * An exception is logged and does not stop the other observers.</li>
 * <li>Must not keep the class loaders strongly: that would be the very leak it looks for.</li>
 * </ul>
 * Concurrent Semantics: implementations are called from one thread at a time.
 */
public interface RefreshObserver {
    /**
     * @param record  the refresh record, as journaled ({@code refresh.record})
     * @param retired the revisions the refresh took out of use
     */
    void refreshed(RefreshRecordDTO record, List<RetiredRevision> retired);

    /**
     * @param operation the id of the operation that uninstalled or updated their bundles
     * @param retired   the revisions the framework removed at once, without a refresh
     */
    void removed(String operation, List<RetiredRevision> retired);
}
