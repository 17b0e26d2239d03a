package dev.revisor.deploy.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.Refreshes;

/**
 * What every part of the deploy core works with: the framework, the audit's services, the settings, Revisor's own
 * files, the start threads. A plain holder built once by {@link DeployEngine}; it owns nothing and does no work.
 * <p>
 * Concurrent Semantics: immutable; the parts it holds say their own thread rules (most are deploy-thread only).
 */
final class DeployContext {
    static final String KIND = "deploy";

    final BundleContext bundles;
    final FrameworkWiring wiring;
    final Operations operations;
    final Refreshes refreshes;
    final Journal journal;
    final Logger log;
    final Settings settings;
    final StateStore store;
    final Starter starter;

    DeployContext(BundleContext bundles, Operations operations, Refreshes refreshes, Journal journal, Logger log,
            Settings settings, StateStore store, Starter starter) {
        this.bundles = bundles;
        this.wiring = bundles.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        this.operations = operations;
        this.refreshes = refreshes;
        this.journal = journal;
        this.log = log;
        this.settings = settings;
        this.store = store;
        this.starter = starter;
    }

    /** Begins the operation of one transaction of a file: kind {@code deploy}, trigger {@code deploy:NAME}. */
    Operation begin(String file) {
        return operations.begin(KIND, Operations.TRIGGER_DEPLOY + file, file);
    }

    /** @return the bundle with that id, or {@code null} when there is none (or the id is -1) */
    Bundle bundle(long id) {
        return id < 0 ? null : bundles.getBundle(id);
    }

    /** @return whether the framework is stopping: no bundle can be started any more, a refresh throws */
    boolean frameworkStopping() {
        Bundle system = bundles.getBundle(0);
        return system == null || system.getState() == Bundle.STOPPING || system.getState() == Bundle.RESOLVED;
    }

    /** Waits (two minutes at most) until the framework has started: recovery and late finishes need its bundles up. */
    void awaitFrameworkStarted() {
        Bundle system = bundles.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system.getState() == Bundle.ACTIVE) {
            return;
        }
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        org.osgi.framework.FrameworkListener listener = event -> {
            if (event.getType() == org.osgi.framework.FrameworkEvent.STARTED) {
                started.countDown();
            }
        };
        bundles.addFrameworkListener(listener);
        try {
            long end = System.nanoTime() + 120_000_000_000L;
            while (system.getState() != Bundle.ACTIVE && System.nanoTime() < end) {
                started.await(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            bundles.removeFrameworkListener(listener);
        }
    }

    /** @return the first details of every {@code deploy.*} event: the file, and the SHA-256 it is about when known */
    static Map<String, Object> details(String file, String sha) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        if (sha != null) {
            d.put("sha256", sha);
        }
        return d;
    }
}
