package dev.revisor.deploy.internal;

import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

/**
 * Holds the deploy thread's first task until the framework has finished starting (the system bundle is ACTIVE), so
 * that no transaction, recovery included, runs while Felix's start-level thread is still starting bundles.
 * <p>
 * Why: while a start-level change is in progress, Felix does not start a bundle that another thread asks it to start
 * (persistently); it queues the bundle for its start-level thread and {@code start()} returns at once, with no event.
 * A transaction that started a bundle then verified a bundle that had not started, rolled back, and recorded a
 * failure, after which the start-level thread started the queued bundle: the record said {@code failed} of a bundle
 * that ran (fault campaign, seed 1099: an update of the library found at a restart, while another plugin's activator
 * held the start-level thread for 1.7 s). Waiting until the framework is ACTIVE makes each start the transaction asks
 * for happen when it asks.
 * <p>
 * Owns: nothing. Runs: on the deploy thread, before {@link DeployEngine#startUp}. A start-level change asked for later
 * (the shell's {@code startlevel}) is not waited for; a start that it queues fails verification and is recorded so.
 */
final class FrameworkStartWait {
    /** How often the system bundle's state is looked at. */
    static final long POLL_MILLIS = 20;
    /** How often a wait that goes on is logged. */
    static final long LOG_EVERY_MILLIS = 10_000;

    private final BundleContext context;
    private final Logger log;

    FrameworkStartWait(BundleContext context, Logger log) {
        this.context = context;
        this.log = log;
    }

    /**
     * Waits until the framework is ACTIVE.
     *
     * @param stopping says the deploy component is going away: stop waiting
     * @return whether the framework is ACTIVE; {@code false} when it stops, the component stops or the thread is
     *         interrupted
     */
    boolean await(BooleanSupplier stopping) {
        long began = System.nanoTime();
        long nextLog = LOG_EVERY_MILLIS;
        while (true) {
            int state = systemBundleState();
            if (state == Bundle.ACTIVE) {
                long waited = (System.nanoTime() - began) / 1_000_000;
                if (waited >= LOG_EVERY_MILLIS) {
                    log.info("deploy: the framework has started after {} ms; the deploy folder is handled from now on", waited);
                }
                return true;
            }
            if (state != Bundle.STARTING || stopping.getAsBoolean()) {
                return false; // the framework or this component is stopping
            }
            long waited = (System.nanoTime() - began) / 1_000_000;
            if (waited >= nextLog) {
                nextLog += LOG_EVERY_MILLIS;
                log.warn("deploy: the framework is still starting after {} s ({}): the deploy folder is handled once every"
                        + " bundle of the start level has started", waited / 1000, starting());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private int systemBundleState() {
        try {
            Bundle system = context.getBundle(0);
            return system == null ? Bundle.UNINSTALLED : system.getState();
        } catch (IllegalStateException e) { // this bundle's context is no longer valid
            return Bundle.UNINSTALLED;
        }
    }

    /** @return the bundles in STARTING, for the log: they hold the start-level thread */
    private String starting() {
        StringBuilder out = new StringBuilder();
        try {
            for (Bundle b : context.getBundles()) {
                if (b.getBundleId() != 0 && b.getState() == Bundle.STARTING) {
                    out.append(out.length() == 0 ? "" : ", ").append(b.getSymbolicName()).append('/').append(b.getVersion())
                            .append(" [").append(b.getBundleId()).append("] is STARTING");
                }
            }
        } catch (IllegalStateException e) {
            return "the framework is stopping";
        }
        return out.length() == 0 ? "no bundle is STARTING" : out.toString();
    }
}
