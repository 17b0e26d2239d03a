package com.example.greeter.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import com.example.greeter.Greeter;

/** Starts the clock thread and registers the Greeter; stop() undoes both. */
public class Activator implements BundleActivator {
    private Thread clockThread;
    private ServiceRegistration<Greeter> registration;

    @Override
    public void start(BundleContext context) {
        Clock clock = new Clock();
        clockThread = new Thread(clock, Clock.NAME);
        clockThread.setDaemon(true);
        clockThread.start();
        registration = context.registerService(Greeter.class, name -> "Hello " + name + ", up " + clock.seconds() + " s", null);
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        registration.unregister();
        clockThread.interrupt();
        clockThread.join(5000);
    }
}
