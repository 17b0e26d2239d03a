package org.example.leaky.hook;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * LEAK: adds a JVM shutdown hook running a class of this bundle and never removes it. The JVM keeps the hook (and so
 * the bundle's class loader) until it exits. Fix: keep the hook thread and call Runtime.removeShutdownHook in stop().
 */
public class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Runtime.getRuntime().addShutdownHook(new Thread(new Farewell(), "leaky-shutdown-hook"));
    }

    @Override
    public void stop(BundleContext context) {
        // the leak: the hook stays registered with the JVM
    }

    /** The hook's work: a class of this bundle. It does nothing harmful when the JVM exits. */
    static final class Farewell implements Runnable {
        @Override
        public void run() {
            // nothing to do
        }
    }
}
