package org.example.leaky.registry;

import org.example.registry.Registry;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * LEAK: registers a listener of its own class into another bundle's static registry and never unregisters it.
 * Fix: keep the listener and call Registry.unregister(listener) in stop().
 */
public class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Registry.register(new Listener());
    }

    @Override
    public void stop(BundleContext context) {
        // the leak: the listener stays in Registry
    }

    /** The registered object: a class of this bundle. */
    static final class Listener {
        @Override
        public String toString() {
            return "listener of org.example.leaky.registry";
        }
    }
}
