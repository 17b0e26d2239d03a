package dev.revisor.deploy.internal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Requirement;

import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * An OSGi framework small enough to read, with Felix's semantics where the deploy engine depends on them: install
 * from the real bytes of a jar (its manifest read), a resolver of Import-Package (name and version range) against
 * Export-Package, update to a new revision (the old one removal-pending while an importer is wired to it, purged at
 * once when none is, as Felix does), uninstall (removal-pending likewise), and {@code refreshBundles} on a thread of
 * its own, {@value #REFRESH_THREAD} (the name of Felix's): it stops the active bundles of the dependency closure, drops
 * old revisions and wires, and starts again those that were active, then tells its listeners (PACKAGES_REFRESHED).
 * Each bundle's activator does what the test sets ({@link FakeBundle.Behaviour}); the {@link FaultPlan} makes a named
 * step fail. {@link #restart()} is what a restart after kill -9 leaves: newest revisions, persistent starts redone.
 * <p>
 * Concurrent Semantics: thread safe; the framework's structure changes under its monitor. {@link #close()} stops the
 * refresh thread.
 */
final class FakeFramework implements BundleContext, FrameworkWiring {
    static final String REFRESH_THREAD = "FelixFrameworkWiring";
    static final String SYSTEM_NAME = "org.apache.felix.framework";

    private final FaultPlan faults = new FaultPlan();
    private final Map<String, FakeBundle.Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<Long, FakeBundle> installed = new ConcurrentHashMap<>();
    /** Uninstalled bundles whose revision an importer is still wired to. */
    private final List<FakeBundle> uninstalledPending = new CopyOnWriteArrayList<>();
    private final Map<String, String> properties = new ConcurrentHashMap<>();
    private final List<FrameworkListener> frameworkListeners = new CopyOnWriteArrayList<>();
    /** What the refreshes reported as framework errors (stops and starts that threw). */
    final List<String> frameworkErrors = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final FakeBundle system;
    private volatile ExecutorService refresher = newRefresher();
    /** How long a bundle operation waits for another thread's hold on that bundle's lock (Felix: until it is free). */
    volatile long lockWaitMillis = FakeBundle.LOCK_WAIT_MILLIS;

    FakeFramework() {
        try {
            system = new FakeBundle(this, 0, Constants.SYSTEM_BUNDLE_LOCATION,
                    Fixtures.bundle(SYSTEM_NAME, "7.0.5").exports("org.osgi.framework;version=1.10.0").build(), tick());
        } catch (BundleException e) {
            throw new IllegalStateException(e);
        }
        system.current.wires = Map.of();
        system.setState(Bundle.ACTIVE);
        installed.put(0L, system);
    }

    FaultPlan faults() {
        return faults;
    }

    /** @return what the activators of this symbolic name do (every version), for the test to set */
    FakeBundle.Behaviour behaviour(String symbolicName) {
        return behaviours.computeIfAbsent(symbolicName, k -> new FakeBundle.Behaviour());
    }

    /** @return what the activator of this one version does (wins over the symbolic name's) */
    FakeBundle.Behaviour behaviour(String symbolicName, String version) {
        return behaviours.computeIfAbsent(symbolicName + "/" + org.osgi.framework.Version.parseVersion(version), k -> new FakeBundle.Behaviour());
    }

    FakeBundle.Behaviour behaviourOf(FakeRevision r) {
        FakeBundle.Behaviour b = behaviours.get(r.symbolicName + "/" + r.version);
        return b != null ? b : behaviours.get(r.symbolicName);
    }

    /** Releases every blocked activator (for the end of a test). */
    void releaseAll() {
        behaviours.values().forEach(FakeBundle.Behaviour::release);
    }

    long tick() {
        return clock.addAndGet(1000);
    }

    /** @return the installed bundle of that symbolic name, or {@code null} */
    FakeBundle bundle(String symbolicName) {
        for (FakeBundle b : installed.values()) {
            if (b.getBundleId() != 0 && symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ structure

    synchronized void revise(FakeBundle bundle, byte[] bytes) throws BundleException {
        FakeRevision old = bundle.current;
        FakeRevision next = new FakeRevision(bundle, bytes); // a bad jar: the bundle keeps its revision
        bundle.current = next;
        if (old.resolved() && hasDependents(old)) {
            bundle.pending.add(old);
        }
        bundle.setState(Bundle.INSTALLED);
        bundle.touched(tick());
    }

    synchronized void remove(FakeBundle bundle) {
        installed.remove(bundle.getBundleId());
        bundle.setState(Bundle.UNINSTALLED);
        if (bundle.current.resolved() && hasDependents(bundle.current) || !bundle.pending.isEmpty()) {
            uninstalledPending.add(bundle);
        }
    }

    /** @return whether another bundle's revision is wired to this revision */
    private boolean hasDependents(FakeRevision r) {
        for (FakeRevision other : allRevisions()) {
            Map<String, FakeRevision> w = other.wires;
            if (other.bundle != r.bundle && w != null && w.containsValue(r)) {
                return true;
            }
        }
        return false;
    }

    private List<FakeRevision> allRevisions() {
        List<FakeRevision> out = new ArrayList<>();
        for (FakeBundle b : installed.values()) {
            out.add(b.current);
            out.addAll(b.pending);
        }
        for (FakeBundle b : uninstalledPending) {
            out.add(b.current);
            out.addAll(b.pending);
        }
        return out;
    }

    /**
     * Resolves the INSTALLED bundles among these, and the INSTALLED bundles they need; Felix's resolveBundles.
     *
     * @return whether every one of them is resolved now
     */
    synchronized boolean resolve(Collection<FakeBundle> wanted) {
        Set<FakeBundle> candidates = new LinkedHashSet<>();
        for (FakeBundle b : installed.values()) {
            if (b.getState() == Bundle.INSTALLED) {
                candidates.add(b);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (FakeBundle b : new ArrayList<>(candidates)) {
                if (!satisfiable(b.current, candidates)) {
                    candidates.remove(b);
                    changed = true;
                }
            }
        }
        List<FakeBundle> work = new ArrayList<>();
        for (FakeBundle b : wanted) {
            if (candidates.contains(b)) {
                work.add(b);
            }
        }
        while (!work.isEmpty()) {
            FakeBundle b = work.remove(0);
            if (b.getState() != Bundle.INSTALLED) {
                continue;
            }
            Map<String, FakeRevision> wires = new LinkedHashMap<>();
            for (FakeRevision.Import i : b.current.imports) {
                FakeRevision provider = provider(i, candidates);
                if (provider != null) {
                    wires.put(i.name, provider);
                    if (provider.bundle.getState() == Bundle.INSTALLED && provider.bundle != b) {
                        work.add(provider.bundle);
                    }
                }
            }
            b.current.wires = wires;
            b.setState(Bundle.RESOLVED);
        }
        for (FakeBundle b : wanted) {
            if (b.getState() == Bundle.INSTALLED) {
                return false;
            }
        }
        return true;
    }

    private boolean satisfiable(FakeRevision r, Set<FakeBundle> candidates) {
        if (r.isFragment()) {
            return bundle(r.fragmentHost) != null;
        }
        for (FakeRevision.Import i : r.imports) {
            if (!i.optional && provider(i, candidates) == null) {
                return false;
            }
        }
        return true;
    }

    /** @return the exporter of the highest version that fits, among resolved bundles and the candidates */
    private FakeRevision provider(FakeRevision.Import i, Set<FakeBundle> candidates) {
        FakeRevision best = null;
        org.osgi.framework.Version bestVersion = null;
        for (FakeBundle b : installed.values()) {
            if (b.getState() == Bundle.INSTALLED && !candidates.contains(b)) {
                continue;
            }
            for (FakeRevision.Export e : b.current.exports) {
                if (i.accepts(e) && (bestVersion == null || e.version.compareTo(bestVersion) > 0)) {
                    best = b.current;
                    bestVersion = e.version;
                }
            }
        }
        return best;
    }

    /** @return the first mandatory import no installed bundle exports, in words */
    String firstMissing(FakeBundle b) {
        for (FakeRevision.Import i : b.current.imports) {
            if (!i.optional && findProviders(b.current.getDeclaredRequirements(null).get(b.current.imports.indexOf(i))).isEmpty()) {
                return "osgi.wiring.package; " + i.filter();
            }
        }
        return "(a provider that does not resolve)";
    }

    // ------------------------------------------------------------------------------------------------ FrameworkWiring

    @Override
    public Bundle getBundle() {
        return system;
    }

    @Override
    public void refreshBundles(Collection<Bundle> bundles, FrameworkListener... listeners) {
        faults.check(Step.REFRESH, null);
        boolean silent = faults.fires(Step.REFRESH_SILENT, null);
        List<Bundle> targets = bundles == null ? null : new ArrayList<>(bundles);
        refresher.execute(() -> {
            refreshNow(targets);
            if (!silent) {
                FrameworkEvent done = new FrameworkEvent(FrameworkEvent.PACKAGES_REFRESHED, system, null);
                for (FrameworkListener l : listeners) {
                    l.frameworkEvent(done);
                }
                frameworkListeners.forEach(l -> l.frameworkEvent(done));
            }
        });
    }

    /** The refresh itself, on the refresh thread: stop, drop old revisions and wires, start what was active. */
    private void refreshNow(List<Bundle> targets) {
        List<FakeBundle> closure = new ArrayList<>();
        for (Bundle b : getDependencyClosure(targets == null || targets.isEmpty() ? getRemovalPendingBundles() : targets)) {
            closure.add((FakeBundle) b);
        }
        closure.sort(Comparator.comparingLong(Bundle::getBundleId));
        Set<FakeBundle> wasActive = new LinkedHashSet<>();
        for (int i = closure.size() - 1; i >= 0; i--) {
            FakeBundle b = closure.get(i);
            if (b.getState() != Bundle.UNINSTALLED && b.stopForRefresh(frameworkErrors)) {
                wasActive.add(b);
            }
        }
        synchronized (this) {
            for (FakeBundle b : closure) {
                b.pending.clear();
                if (b.getState() == Bundle.UNINSTALLED) {
                    uninstalledPending.remove(b);
                } else {
                    b.current.wires = null;
                    b.setState(Bundle.INSTALLED);
                }
            }
        }
        for (FakeBundle b : wasActive) {
            try {
                b.start(Bundle.START_TRANSIENT | (b.isActivationPolicyUsed() ? Bundle.START_ACTIVATION_POLICY : 0));
            } catch (BundleException | RuntimeException e) {
                frameworkErrors.add(b.name() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public boolean resolveBundles(Collection<Bundle> bundles) {
        List<FakeBundle> wanted = new ArrayList<>();
        for (Bundle b : bundles == null ? new ArrayList<Bundle>(installed.values()) : bundles) {
            if (b.getState() != Bundle.UNINSTALLED) {
                wanted.add((FakeBundle) b);
            }
        }
        return resolve(wanted) && (bundles == null || bundles.stream().noneMatch(b -> b.getState() == Bundle.UNINSTALLED));
    }

    @Override
    public synchronized Collection<Bundle> getRemovalPendingBundles() {
        List<Bundle> out = new ArrayList<>();
        for (FakeBundle b : installed.values()) {
            if (!b.pending.isEmpty()) {
                out.add(b);
            }
        }
        out.addAll(uninstalledPending);
        return out;
    }

    @Override
    public synchronized Collection<Bundle> getDependencyClosure(Collection<Bundle> bundles) {
        Set<FakeBundle> closure = new LinkedHashSet<>();
        List<FakeBundle> work = new ArrayList<>();
        for (Bundle b : bundles) {
            work.add((FakeBundle) b);
        }
        while (!work.isEmpty()) {
            FakeBundle b = work.remove(0);
            if (!closure.add(b)) {
                continue;
            }
            List<FakeRevision> revisions = new ArrayList<>(b.pending);
            revisions.add(b.current);
            for (FakeRevision dependent : allRevisions()) {
                Map<String, FakeRevision> w = dependent.wires;
                if (w != null && revisions.stream().anyMatch(w::containsValue)) {
                    work.add(dependent.bundle);
                }
            }
            for (FakeBundle f : installed.values()) { // fragments go with their host
                if (f.current.isFragment() && f.current.fragmentHost.equals(b.getSymbolicName())) {
                    work.add(f);
                }
            }
        }
        return new ArrayList<>(closure);
    }

    @Override
    public Collection<BundleCapability> findProviders(Requirement requirement) {
        List<BundleCapability> out = new ArrayList<>();
        if (!(requirement instanceof FakeRevision.Requirement)) {
            return out;
        }
        FakeRevision.Import i = ((FakeRevision.Requirement) requirement).imp;
        for (FakeBundle b : installed.values()) {
            for (BundleCapability c : b.current.getDeclaredCapabilities(org.osgi.framework.namespace.PackageNamespace.PACKAGE_NAMESPACE)) {
                if (((FakeRevision.Requirement) requirement).matches(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ restart, close

    /**
     * What a restart of the runtime after kill -9 finds: each bundle at its newest revision, unresolved, old revisions
     * and uninstalled bundles gone; then the persistently started bundles are started again (as the start level does).
     */
    void restart() {
        close();
        refresher = newRefresher();
        synchronized (this) {
            uninstalledPending.clear();
            for (FakeBundle b : installed.values()) {
                if (b.getBundleId() == 0) {
                    continue;
                }
                b.pending.clear();
                b.current.wires = null;
                b.setState(Bundle.INSTALLED);
            }
        }
        for (FakeBundle b : new TreeMap<>(installed).values()) {
            if (b.getBundleId() != 0 && b.isPersistentlyStarted()) {
                try {
                    b.start(Bundle.START_TRANSIENT | (b.isActivationPolicyUsed() ? Bundle.START_ACTIVATION_POLICY : 0));
                } catch (BundleException | RuntimeException e) {
                    frameworkErrors.add(b.name() + ": " + e.getMessage());
                }
            }
        }
    }

    /** What Felix does with a bundle whose cache entry did not survive a kill -9: at the next start it no longer has it. */
    synchronized void lose(long bundleId) {
        installed.remove(bundleId);
    }

    /** Releases blocked activators and stops the refresh thread. */
    void close() {
        releaseAll();
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ExecutorService newRefresher() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, REFRESH_THREAD);
            t.setDaemon(true);
            return t;
        });
    }

    // ------------------------------------------------------------------------------------------------ BundleContext

    void setProperty(String key, String value) {
        properties.put(key, value);
    }

    @Override
    public String getProperty(String key) {
        return properties.get(key);
    }

    @Override
    public Bundle installBundle(String location, InputStream input) throws BundleException {
        faults.check(Step.INSTALL, null);
        byte[] bytes;
        try (InputStream in = input) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            bytes = out.toByteArray();
        } catch (IOException e) {
            throw new BundleException("Unable to read " + location + ": " + e.getMessage(), BundleException.READ_ERROR, e);
        }
        synchronized (this) {
            Bundle existing = getBundle(location);
            if (existing != null) {
                return existing;
            }
            FakeBundle b = new FakeBundle(this, nextId.getAndIncrement(), location, bytes, tick());
            for (FakeBundle other : installed.values()) {
                if (other.getSymbolicName().equals(b.getSymbolicName()) && other.getVersion().equals(b.getVersion())) {
                    throw new BundleException("Bundle symbolic name and version are not unique: " + b.name(),
                            BundleException.DUPLICATE_BUNDLE_ERROR);
                }
            }
            installed.put(b.getBundleId(), b);
            return b;
        }
    }

    @Override
    public Bundle installBundle(String location) throws BundleException {
        throw new BundleException("the fake installs only from a stream", BundleException.UNSUPPORTED_OPERATION);
    }

    @Override
    public Bundle getBundle(long id) {
        return installed.get(id);
    }

    @Override
    public Bundle[] getBundles() {
        return new TreeMap<>(installed).values().toArray(new Bundle[0]);
    }

    @Override
    public Bundle getBundle(String location) {
        for (FakeBundle b : installed.values()) {
            if (b.getLocation().equals(location)) {
                return b;
            }
        }
        return null;
    }

    @Override
    public void addFrameworkListener(FrameworkListener listener) {
        frameworkListeners.add(listener);
    }

    @Override
    public void removeFrameworkListener(FrameworkListener listener) {
        frameworkListeners.remove(listener);
    }

    @Override
    public Filter createFilter(String filter) throws InvalidSyntaxException {
        return FrameworkUtil.createFilter(filter);
    }

    // ---- not modelled: the deploy engine does not use services or bundle listeners

    @Override public void addServiceListener(ServiceListener l, String f) { }
    @Override public void addServiceListener(ServiceListener l) { }
    @Override public void removeServiceListener(ServiceListener l) { }
    @Override public void addBundleListener(BundleListener l) { }
    @Override public void removeBundleListener(BundleListener l) { }
    @Override public ServiceRegistration<?> registerService(String[] c, Object s, Dictionary<String, ?> p) { throw unsupported(); }
    @Override public ServiceRegistration<?> registerService(String c, Object s, Dictionary<String, ?> p) { throw unsupported(); }
    @Override public <S> ServiceRegistration<S> registerService(Class<S> c, S s, Dictionary<String, ?> p) { throw unsupported(); }
    @Override public <S> ServiceRegistration<S> registerService(Class<S> c, ServiceFactory<S> f, Dictionary<String, ?> p) { throw unsupported(); }
    @Override public ServiceReference<?>[] getServiceReferences(String c, String f) { return null; }
    @Override public ServiceReference<?>[] getAllServiceReferences(String c, String f) { return null; }
    @Override public ServiceReference<?> getServiceReference(String c) { return null; }
    @Override public <S> ServiceReference<S> getServiceReference(Class<S> c) { return null; }
    @Override public <S> Collection<ServiceReference<S>> getServiceReferences(Class<S> c, String f) { return List.of(); }
    @Override public <S> S getService(ServiceReference<S> r) { return null; }
    @Override public boolean ungetService(ServiceReference<?> r) { return false; }
    @Override public <S> ServiceObjects<S> getServiceObjects(ServiceReference<S> r) { return null; }
    @Override public File getDataFile(String filename) { return null; }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("the fake framework has no service registry");
    }
}
