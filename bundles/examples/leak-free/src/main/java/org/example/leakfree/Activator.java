package org.example.leakfree;

import java.util.Hashtable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The control: does everything the leaky fixtures do, and undoes each of it in {@code stop()}. A live update of this
 * bundle must leave nothing behind, and Revisor must report nothing about it.
 */
public class Activator implements BundleActivator {
    private static final ThreadLocal<Object> SCRATCH = new ThreadLocal<>();

    private Thread worker;
    private ExecutorService executor;
    private ServiceRegistration<Supplier> registration;
    private Thread hook;

    @Override
    public void start(BundleContext context) throws Exception {
        worker = new Thread(new Work(), "leak-free-worker");
        worker.setDaemon(true);
        worker.start();

        executor = Executors.newSingleThreadExecutor();
        executor.submit(new Work.Once()).get(5, TimeUnit.SECONDS);

        Hashtable<String, Object> props = new Hashtable<>();
        props.put("leak-free", "service");
        registration = context.registerService(Supplier.class, new Work.Answer(), props);
        ServiceReference<Supplier> ref = registration.getReference();
        try {
            context.getService(ref).get();
        } finally {
            context.ungetService(ref);
        }

        SCRATCH.set(new Work.Once());
        try {
            // use the thread-local value here
        } finally {
            SCRATCH.remove();
        }

        hook = new Thread(new Work.Once(), "leak-free-hook");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void stop(BundleContext context) throws Exception {
        Runtime.getRuntime().removeShutdownHook(hook);
        registration.unregister();
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        worker.interrupt();
        worker.join(5000);
    }

    /** The worker's loop; stops when interrupted. */
    static final class Work implements Runnable {
        @Override
        public void run() {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        static final class Once implements Runnable {
            @Override
            public void run() {
                // one short piece of work
            }
        }

        static final class Answer implements Supplier<String> {
            @Override
            public String get() {
                return "42";
            }
        }
    }
}
