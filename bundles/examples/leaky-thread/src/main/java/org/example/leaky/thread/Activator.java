package org.example.leaky.thread;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * LEAK: starts a thread in {@code start()} and forgets it in {@code stop()}. The thread outlives the bundle and,
 * through its class, keeps the bundle's old class loader alive. Fix: keep the thread, interrupt and join it in stop().
 */
public class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        Poller poller = new Poller();
        poller.start();
    }

    @Override
    public void stop(BundleContext context) {
        // the leak: nothing stops the poller
    }

    /** A thread of this bundle's own class that ignores interruption. */
    static final class Poller extends Thread {
        Poller() {
            super("leaky-thread-poller");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    // ignored on purpose: this is the leak
                }
            }
        }
    }
}
