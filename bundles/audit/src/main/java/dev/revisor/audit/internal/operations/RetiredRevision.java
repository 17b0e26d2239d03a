package dev.revisor.audit.internal.operations;

import java.lang.ref.WeakReference;

import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * A bundle revision that a refresh or an uninstall took out of use, with its class loader captured (weakly) before
 * the framework disposed of its wiring. After the refresh the framework no longer answers
 * {@code revision.getWiring()}, so this is the only way to reach the old class loader.
 * <p>
 * Holds the loader and the revision only through {@link WeakReference}s: keeping one of these never keeps a
 * revision alive. A {@code null} from {@link #classLoader()} means the loader has been collected already (or the
 * revision never had one: a fragment, an unresolved bundle).
 * <p>
 * Concurrent Semantics: immutable, thread safe.
 */
public final class RetiredRevision {
    private final BundleRefDTO bundle;
    private final String revision;
    private final boolean uninstalled;
    private final boolean fragment;
    private final boolean wasCurrent;
    private final boolean hadLoader;
    private final java.lang.ref.WeakReference<BundleWiring> wiring;
    private final WeakReference<ClassLoader> classLoader;
    private final WeakReference<BundleRevision> revisionRef;
    private final String key;

    RetiredRevision(BundleRefDTO bundle, String revision, boolean uninstalled, boolean fragment, boolean wasCurrent,
            ClassLoader loader, BundleRevision rev, BundleWiring wiring) {
        this.wasCurrent = wasCurrent;
        this.hadLoader = loader != null;
        this.wiring = new WeakReference<>(wiring);
        this.bundle = bundle;
        this.revision = revision;
        this.uninstalled = uninstalled;
        this.fragment = fragment;
        this.classLoader = new WeakReference<>(loader);
        this.revisionRef = new WeakReference<>(rev);
        this.key = revision + "@" + (wiring == null ? "-" : Integer.toHexString(System.identityHashCode(wiring)));
    }

    /**
     * Captures a revision that has a wiring now.
     *
     * @param rev         a revision of a bundle
     * @param ref         the bundle, named with this revision's version
     * @param uninstalled whether the bundle is (being) uninstalled
     * @param current     whether it is the bundle's current revision (not an old one left by an update)
     * @return the capture, with the class loader when the revision is wired and not a fragment
     */
    static RetiredRevision capture(BundleRevision rev, BundleRefDTO ref, boolean uninstalled, boolean current) {
        BundleWiring wiring = rev.getWiring();
        boolean fragment = (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
        ClassLoader loader = wiring == null || fragment ? null : wiring.getClassLoader();
        return new RetiredRevision(ref, rev.toString(), uninstalled, fragment, current, loader, rev, wiring);
    }

    /** @return the bundle (id, symbolic name, the version of this revision) */
    public BundleRefDTO bundle() {
        return bundle;
    }

    /** @return the revision as the framework names it, e.g. {@code org.example.utils [12](R 12.0)} in Felix */
    public String revision() {
        return revision;
    }

    /**
     * @return what tells one capture from another: the revision and its wiring. A revision refreshed in place keeps
     *         its name and gets a new wiring (and class loader): each wiring is retired, and reported, once.
     */
    String key() {
        return key;
    }

    /** @return whether the bundle was uninstalled ({@code false}: updated or refreshed in place) */
    public boolean uninstalled() {
        return uninstalled;
    }

    /** @return whether the revision is a fragment's (it has no class loader of its own) */
    public boolean fragment() {
        return fragment;
    }

    /** @return whether a class loader was captured (the revision was wired and is not a fragment) */
    public boolean hadClassLoader() {
        return hadLoader;
    }

    /** @return the old class loader, or {@code null} when it has been collected (or there never was one) */
    public ClassLoader classLoader() {
        return classLoader.get();
    }

    /** @return the weak reference to the old class loader itself, e.g. to enqueue-check it */
    public WeakReference<ClassLoader> classLoaderReference() {
        return classLoader;
    }

    /** @return the old revision, or {@code null} when it has been collected */
    public BundleRevision revisionObject() {
        return revisionRef.get();
    }

    /** @return whether it was the bundle's current revision when captured (not an old one left by an update) */
    public boolean wasCurrent() {
        return wasCurrent;
    }

    /** @return whether the wiring captured with it has been disposed (or collected) since */
    boolean isDisposed() {
        BundleRevision rev = revisionRef.get();
        BundleWiring w = wiring.get();
        return rev == null || w == null || rev.getWiring() != w;
    }

    @Override
    public String toString() {
        return bundle.display() + " revision " + revision + (uninstalled ? " (uninstalled)" : "");
    }
}
