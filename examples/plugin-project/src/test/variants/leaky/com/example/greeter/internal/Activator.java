package com.example.greeter.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import com.example.greeter.Greeter;

/**
 * The leaky variant (LeakyVariantIT builds it with BundleVariant): stop() forgets the clock thread, which goes on
 * running and keeps this revision's class loader alive after an update.
 */
public class Activator implements BundleActivator {
    private ServiceRegistration<Greeter> registration;

    @Override
    public void start(BundleContext context) {
        Clock clock = new Clock();
        Thread clockThread = new Thread(clock, Clock.NAME);
        clockThread.setDaemon(true);
        clockThread.start();
        registration = context.registerService(Greeter.class, name -> "Hello " + name + ", up " + clock.seconds() + " s", null);
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
        // the leak: the clock thread is never interrupted
    }
}
