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
    /** Unique in this runtime, e.g. {@code r12}; the analyzer reports chains by it. */
    final String key;
    final BundleRefDTO bundle;
    /** The framework's name of the revision, e.g. {@code 12.0} in Felix, or {@code null}. */
    final String revision;
    volatile String operation;
    /** {@code update}, {@code uninstall}, {@code refresh} once retired; {@code null} while current. */
    volatile String how;

    LoaderRef(String key, ClassLoader loader, BundleRefDTO bundle, String revision) {
        super(loader);
        this.key = key;
        this.bundle = bundle;
        this.revision = revision;
    }

    /** @return e.g. {@code org.example.x/1.0.0 [12] revision 12.0, retired by update} */
    String display() {
        return bundle.display() + (revision == null ? "" : " revision " + revision) + (how == null ? "" : ", retired by " + how);
    }
}
