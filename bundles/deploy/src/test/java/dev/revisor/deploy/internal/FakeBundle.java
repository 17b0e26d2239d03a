package dev.revisor.deploy.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * A bundle of the {@link FakeFramework}, with Felix's lifecycle: INSTALLED, RESOLVED, STARTING, ACTIVE, STOPPING,
 * UNINSTALLED; a state-change lock per bundle that a start or stop holds while its activator runs (another thread's
 * stop, update or uninstall waits for it, at most {@code lockWaitMillis} of the framework, then fails as Felix does); a persistent
 * start flag; update to a new revision (the old one stays removal-pending while an importer is wired to it); and
 * what its activator does ({@link Behaviour}). The {@link FaultPlan} is consulted at the start of each operation.
 * <p>
 * Concurrent Semantics: thread safe; structural changes go through the framework's lock, activators run outside it.
 */
final class FakeBundle implements Bundle, BundleStartLevel {
    static final long LOCK_WAIT_MILLIS = 5_000;

    /** What a bundle's activator does, set by the test per symbolic name (and version). Thread safe. */
    static final class Behaviour {
        /** Thrown by the activator's start() (the framework wraps it in a BundleException). */
        volatile java.util.function.Supplier<? extends Throwable> startThrows;
        /** start() waits until this is counted down (or its thread is interrupted). */
        volatile java.util.concurrent.CountDownLatch startBlocks;
        volatile java.util.function.Supplier<? extends Throwable> stopThrows;
        volatile java.util.concurrent.CountDownLatch stopBlocks;

        Behaviour startThrows(java.util.function.Supplier<? extends Throwable> t) {
            this.startThrows = t;
            return this;
        }

        Behaviour stopThrows(java.util.function.Supplier<? extends Throwable> t) {
            this.stopThrows = t;
            return this;
        }

        /** @return the latch that releases the blocked start */
        java.util.concurrent.CountDownLatch blockStart() {
            startBlocks = new java.util.concurrent.CountDownLatch(1);
            return startBlocks;
        }

        java.util.concurrent.CountDownLatch blockStop() {
            stopBlocks = new java.util.concurrent.CountDownLatch(1);
            return stopBlocks;
        }

        void release() {
            java.util.concurrent.CountDownLatch s = startBlocks;
            java.util.concurrent.CountDownLatch t = stopBlocks;
            if (s != null) {
                s.countDown();
            }
            if (t != null) {
                t.countDown();
            }
        }
    }

    private final FakeFramework fw;
    private final long id;
    private final String location;
    private final ReentrantLock stateLock = new ReentrantLock();
    volatile FakeRevision current;
    /** Older revisions still wired to importers: removal-pending until a refresh. */
    final List<FakeRevision> pending = new CopyOnWriteArrayList<>();
    private volatile int state = INSTALLED;
    private volatile boolean persistentlyStarted;
    private volatile boolean activationPolicyUsed;
    private volatile int startLevel = 1;
    private volatile long lastModified;
    /** Starts of this bundle whose activator ran (not counting lazy starts), for assertions. */
    final List<String> history = new CopyOnWriteArrayList<>();

    FakeBundle(FakeFramework fw, long id, String location, byte[] bytes, long lastModified) throws BundleException {
        this.fw = fw;
        this.id = id;
        this.location = location;
        this.current = new FakeRevision(this, bytes);
        this.lastModified = lastModified;
    }

    void setState(int s) {
        state = s;
    }

    String name() {
        return current.symbolicName + "/" + current.version + " [" + id + "]";
    }

    // ---- lifecycle

    @Override
    public void start(int options) throws BundleException {
        fw.faults().check(Step.START, getSymbolicName());
        if (state == UNINSTALLED) {
            throw new IllegalStateException("Cannot start an uninstalled bundle.");
        }
        if (current.isFragment()) {
            throw new BundleException("Fragments cannot be started: " + name(), BundleException.INVALID_OPERATION);
        }
        lock("start");
        try {
            if ((options & START_TRANSIENT) == 0) {
                persistentlyStarted = true;
                activationPolicyUsed = (options & START_ACTIVATION_POLICY) != 0;
            }
            if (state == ACTIVE) {
                return;
            }
            if (state == INSTALLED && !fw.resolve(List.of(this))) {
                throw new BundleException("Unable to resolve " + name() + ": missing requirement " + fw.firstMissing(this),
                        BundleException.RESOLVE_ERROR);
            }
            if (state == STARTING && current.lazy && (options & START_ACTIVATION_POLICY) != 0) {
                return;
            }
            if (current.lazy && (options & START_ACTIVATION_POLICY) != 0) {
                state = STARTING; // waits for its first class load
                return;
            }
            activate();
        } finally {
            stateLock.unlock();
        }
    }

    /** Runs the activator's start: called with the state lock held. */
    private void activate() throws BundleException {
        state = STARTING;
        history.add("start " + current.version);
        Behaviour b = fw.behaviourOf(current);
        Throwable thrown = null;
        java.util.concurrent.CountDownLatch block = b == null ? null : b.startBlocks;
        try {
            if (block != null) {
                block.await();
            }
            if (b != null && b.startThrows != null) {
                thrown = b.startThrows.get();
            }
        } catch (InterruptedException e) {
            thrown = e;
            Thread.currentThread().interrupt();
        }
        if (thrown != null) {
            state = RESOLVED;
            throw new BundleException("Activator start error in bundle " + name() + ".", BundleException.ACTIVATOR_ERROR, thrown);
        }
        state = ACTIVE;
    }

    @Override
    public void start() throws BundleException {
        start(0);
    }

    @Override
    public void stop(int options) throws BundleException {
        fw.faults().check(Step.STOP, getSymbolicName());
        if (state == UNINSTALLED) {
            throw new IllegalStateException("Cannot stop an uninstalled bundle.");
        }
        lock("stop");
        try {
            if ((options & STOP_TRANSIENT) == 0) {
                persistentlyStarted = false;
            }
            deactivate();
        } finally {
            stateLock.unlock();
        }
    }

    /** Runs the activator's stop if the bundle is active: called with the state lock held. */
    private void deactivate() throws BundleException {
        if (state != ACTIVE && state != STARTING) {
            return;
        }
        if (state == STARTING) { // a lazy bundle not activated yet
            state = RESOLVED;
            return;
        }
        state = STOPPING;
        history.add("stop " + current.version);
        Behaviour b = fw.behaviourOf(current);
        Throwable thrown = null;
        java.util.concurrent.CountDownLatch block = b == null ? null : b.stopBlocks;
        try {
            if (block != null) {
                block.await();
            }
            if (b != null && b.stopThrows != null) {
                thrown = b.stopThrows.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = RESOLVED; // Felix: a bundle whose activator's stop throws is stopped all the same
        if (thrown != null) {
            throw new BundleException("Activator stop error in bundle " + name() + ".", BundleException.ACTIVATOR_ERROR, thrown);
        }
    }

    /** The refresh's stop: as Felix, an exception is reported as a framework error, not thrown. */
    boolean stopForRefresh(List<String> errors) {
        lock2();
        try {
            int old = state;
            if (old == ACTIVE || old == STARTING) {
                try {
                    deactivate();
                } catch (BundleException | RuntimeException e) {
                    errors.add(name() + ": " + e.getMessage());
                }
            }
            return old == ACTIVE;
        } finally {
            stateLock.unlock();
        }
    }

    private void lock2() {
        try {
            lock("refresh");
        } catch (BundleException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void stop() throws BundleException {
        stop(0);
    }

    @Override
    public void update(InputStream input) throws BundleException {
        try {
            fw.faults().check(Step.UPDATE, getSymbolicName());
            if (state == UNINSTALLED) {
                throw new IllegalStateException("Cannot update an uninstalled bundle.");
            }
            byte[] bytes;
            try {
                bytes = input.readAllBytes();
            } catch (IOException e) {
                throw new BundleException("Unable to read the new bytes: " + e.getMessage(), BundleException.READ_ERROR, e);
            }
            lock("update");
            boolean wasActive;
            try {
                wasActive = state == ACTIVE;
                try {
                    deactivate();
                } catch (BundleException e) {
                    // Felix goes on with the update when the activator's stop throws
                }
                fw.revise(this, bytes);
            } finally {
                stateLock.unlock();
            }
            if (wasActive) {
                start(START_TRANSIENT); // Felix restarts a bundle that was active, its persistent state untouched
            }
        } finally {
            try {
                input.close();
            } catch (IOException e) {
                // as Felix: closing the caller's stream is best effort
            }
        }
    }

    @Override
    public void update() throws BundleException {
        throw new BundleException("the fake updates only from a stream", BundleException.UNSUPPORTED_OPERATION);
    }

    @Override
    public void uninstall() throws BundleException {
        fw.faults().check(Step.UNINSTALL, getSymbolicName());
        if (state == UNINSTALLED) {
            throw new IllegalStateException("Bundle " + name() + " is already uninstalled.");
        }
        lock("uninstall");
        try {
            try {
                deactivate();
            } catch (BundleException e) {
                // Felix reports it as a framework error and uninstalls all the same
            }
            fw.remove(this);
        } finally {
            stateLock.unlock();
        }
    }

    private void lock(String what) throws BundleException {
        try {
            if (!stateLock.tryLock(fw.lockWaitMillis, TimeUnit.MILLISECONDS)) {
                throw new BundleException("Unable to acquire the state change lock for the module " + name() + " to " + what
                        + ": another thread holds it (a start or stop that has not returned)", BundleException.STATECHANGE_ERROR);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BundleException("interrupted while waiting for the state change lock of " + name(), BundleException.STATECHANGE_ERROR, e);
        }
    }

    void touched(long when) {
        lastModified = when;
    }

    // ---- queries

    @Override public int getState() { return state; }
    @Override public long getBundleId() { return id; }
    @Override public String getLocation() { return location; }
    @Override public String getSymbolicName() { return current.symbolicName; }
    @Override public Version getVersion() { return current.version; }
    @Override public long getLastModified() { return lastModified; }
    @Override public Dictionary<String, String> getHeaders() { return current.headers(); }
    @Override public Dictionary<String, String> getHeaders(String locale) { return current.headers(); }

    @Override
    @SuppressWarnings("unchecked")
    public <A> A adapt(Class<A> type) {
        if (type == BundleRevision.class) {
            return (A) current;
        }
        if (type == BundleStartLevel.class) {
            return (A) this;
        }
        if (type == FrameworkWiring.class && id == 0) {
            return (A) fw;
        }
        return null; // BundleWiring, FrameworkStartLevel, ...: not modelled
    }

    @Override
    public URL getEntry(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        byte[] content = current.entries.get(p);
        if (content == null) {
            return null;
        }
        try {
            return new URL(null, "fakebundle://" + id + "/" + p, new java.net.URLStreamHandler() {
                @Override
                protected java.net.URLConnection openConnection(URL u) {
                    return new java.net.URLConnection(u) {
                        @Override public void connect() { }
                        @Override public InputStream getInputStream() { return new java.io.ByteArrayInputStream(content); }
                    };
                }
            });
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Enumeration<URL> findEntries(String path, String filePattern, boolean recurse) {
        List<URL> out = new ArrayList<>();
        for (String name : current.entries.keySet()) {
            URL u = getEntry(name);
            if (u != null) {
                out.add(u);
            }
        }
        return Collections.enumeration(out);
    }

    // ---- BundleStartLevel

    @Override public int getStartLevel() { return startLevel; }
    @Override public void setStartLevel(int level) { startLevel = level; }
    @Override public boolean isPersistentlyStarted() { return persistentlyStarted; }
    @Override public boolean isActivationPolicyUsed() { return activationPolicyUsed; }
    @Override public Bundle getBundle() { return this; }

    // ---- not modelled

    @Override public ServiceReference<?>[] getRegisteredServices() { return null; }
    @Override public ServiceReference<?>[] getServicesInUse() { return null; }
    @Override public boolean hasPermission(Object permission) { return true; }
    @Override public URL getResource(String name) { return getEntry(name); }
    @Override public Class<?> loadClass(String name) throws ClassNotFoundException { throw new ClassNotFoundException(name); }
    @Override public Enumeration<URL> getResources(String name) { return null; }
    @Override public Enumeration<String> getEntryPaths(String path) { return Collections.enumeration(current.entries.keySet()); }
    @Override public BundleContext getBundleContext() { return id == 0 ? fw : null; }
    @Override public Map<X509Certificate, List<X509Certificate>> getSignerCertificates(int signersType) { return Map.of(); }
    @Override public File getDataFile(String filename) { return null; }
    @Override public int compareTo(Bundle o) { return Long.compare(id, o.getBundleId()); }

    @Override
    public String toString() {
        return name() + " " + Explain.state(this);
    }
}
