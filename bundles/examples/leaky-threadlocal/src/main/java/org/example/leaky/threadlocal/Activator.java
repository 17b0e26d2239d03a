package org.example.leaky.threadlocal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * LEAK: puts a value of its own class into a ThreadLocal of the thread that starts the bundle (a framework,
 * FileInstall or shell thread that lives on) and never removes it. Fix: CONTEXT.remove() in a finally block, or in stop().
 */
public class Activator implements BundleActivator {
    static final ThreadLocal<Context> CONTEXT = new ThreadLocal<>();

    @Override
    public void start(BundleContext context) {
        CONTEXT.set(new Context(context.getBundle().getSymbolicName()));
    }

    @Override
    public void stop(BundleContext context) {
        // the leak: CONTEXT.remove() is never called, and stop() may run on another thread anyway
    }

    /** The thread-local value: a class of this bundle. */
    static final class Context {
        final String owner;

        Context(String owner) {
            this.owner = owner;
        }
    }
}
