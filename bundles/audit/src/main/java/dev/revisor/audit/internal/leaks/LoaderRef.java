package dev.revisor.audit.internal.leaks;

import java.lang.ref.WeakReference;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * A weak reference to the class loader of one bundle revision, with the names a report needs. Holds nothing else of
 * the revision: keeping one never keeps the revision alive.
 * <p>
 * The heap analyzer finds these in a heap dump by their class name ({@code dev.revisor.audit.internal.leaks.LoaderRef})
 * and reads {@link #key}: do not rename the class or the field without changing {@code tools/heap-analyzer}.
 * <p>
 * Concurrent Semantics: thread safe; {@link #operation} and {@link #how} are set once when the revision is retired.
 */
final class LoaderRef extends WeakReference<ClassLoader> {
    /** How a revision was taken out of use; its {@link #word} is what the journal and the reports say. */
    enum Retirement {
        UPDATE("update", "replaced by an update"),
        UNINSTALL("uninstall", "uninstalled"),
        REFRESH("refresh", "refreshed");

        private final String word;
        private final String past;

        Retirement(String word, String past) {
            this.word = word;
            this.past = past;
        }

        /** @return the journal's word: {@code update}, {@code uninstall}, {@code refresh} */
        String word() {
            return word;
        }

        /** @return e.g. {@code replaced by an update}, for "after it was ..." */
        String past() {
            return past;
        }
    }

    /** Unique in this runtime, e.g. {@code r12}; the analyzer reports chains by it. */
    final String key;
    final BundleRefDTO bundle;
    /** The framework's name of the revision, e.g. {@code 12.0} in Felix, or {@code null}. */
    final String revision;
    volatile String operation;
    /** How it was retired; {@code null} while current. */
    volatile Retirement how;

    LoaderRef(String key, ClassLoader loader, BundleRefDTO bundle, String revision) {
        super(loader);
        this.key = key;
        this.bundle = bundle;
        this.revision = revision;
    }

    /** @return e.g. {@code org.example.x/1.0.0 [12] revision 12.0, retired by update} */
    String display() {
        return bundle.display() + (revision == null ? "" : " revision " + revision) + (how == null ? "" : ", retired by " + how.word());
    }
}
