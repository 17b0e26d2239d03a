package dev.revisor.testkit.audit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Looks up an audit service for one assertion, waiting a little for the audit to come up.
 * <p>
 * Concurrent Semantics: stateless. The service object is used for one call and then released.
 */
final class Services {
    /** How long to wait for an audit service that is not registered yet. */
    static final long WAIT_MILLIS = 30_000;

    private Services() {
    }

    /**
     * @return the service; its reference is released when the test framework stops (a probe's context lives as long
     *         as the test), which keeps the assertions short
     * @throws AssertionError when the audit does not provide it in time
     */
    static <T> T get(BundleContext context, Class<T> type) {
        long end = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (true) {
            ServiceReference<T> ref = context.getServiceReference(type);
            if (ref != null) {
                T service = context.getService(ref);
                if (service != null) {
                    return service;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + type.getName() + " service within " + WAIT_MILLIS + " ms: is Revisor's audit"
                        + " bundle (dev.revisor.audit) active? Provision it with RevisorOptions.revisorCore()");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + type.getName(), e);
            }
        }
    }
}
