package org.example.leaky.executor;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * LEAK: schedules a periodic task on an executor made in {@code start()} and never shuts the executor down. Its
 * worker thread runs on after the bundle is gone. Fix: keep the executor and call shutdownNow() in stop().
 */
public class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        ThreadFactory daemons = Executors.defaultThreadFactory();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = daemons.newThread(r);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleAtFixedRate(new Tick(), 0, 100, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop(BundleContext context) {
        // the leak: the executor is never shut down
    }

    /** The periodic task: a class of this bundle. */
    static final class Tick implements Runnable {
        private final AtomicLong count = new AtomicLong();

        @Override
        public void run() {
            count.incrementAndGet();
        }
    }
}
