package org.example.leaky.service;

import java.util.Hashtable;
import java.util.function.Supplier;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Registers a {@code Supplier<String>} service with the property {@code leaky=service}. This bundle is well behaved;
 * the framework unregisters the service when it stops. leaky-service-holder is the one that keeps the object.
 */
public class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("leaky", "service");
        context.registerService(Supplier.class, new Greeting(), props);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }

    /** The service object: a class of this bundle. */
    static final class Greeting implements Supplier<String> {
        @Override
        public String get() {
            return "hello from org.example.leaky.service";
        }
    }
}
