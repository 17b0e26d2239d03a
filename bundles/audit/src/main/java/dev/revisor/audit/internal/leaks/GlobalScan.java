package dev.revisor.audit.internal.leaks;

import java.lang.management.ManagementFactory;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Finds registrations with the JVM itself that tie it to a bundle revision: shutdown hooks (the hook thread's class or
 * Runnable), JDBC drivers, security providers and platform MBeans. Each outlives every bundle unless removed.
 * <p>
 * Concurrent Semantics: thread safe (no state besides the immutable {@link Internals}).
 */
final class GlobalScan {
    /** One registration tied to a revision. */
    static final class Hit {
        final LoaderRef ref;
        /** {@code shutdown-hook}, {@code jdbc-driver}, {@code security-provider}, {@code mbean} */
        final String what;
        final String culprit;
        final String subject;
        final String fixHint;

        Hit(LoaderRef ref, String what, String culprit, String subject, String fixHint) {
            this.ref = ref;
            this.what = what;
            this.culprit = culprit;
            this.subject = subject;
            this.fixHint = fixHint;
        }
    }

    private final Internals internals;

    GlobalScan(Internals internals) {
        this.internals = internals;
    }

    List<Hit> scan(Map<ClassLoader, LoaderRef> loaders) {
        List<Hit> hits = new ArrayList<>();
        if (loaders.isEmpty()) {
            return hits;
        }
        shutdownHooks(loaders, hits);
        jdbcDrivers(loaders, hits);
        for (Provider p : Security.getProviders()) {
            LoaderRef ref = loaders.get(p.getClass().getClassLoader());
            if (ref != null) {
                hits.add(new Hit(ref, "security-provider", p.getClass().getName(), "security provider '" + p.getName() + "'",
                        "remove the provider with Security.removeProvider(\"" + p.getName() + "\") in stop()"));
            }
        }
        mbeans(loaders, hits);
        return hits;
    }

    private void shutdownHooks(Map<ClassLoader, LoaderRef> loaders, List<Hit> hits) {
        Object hooks = Internals.getStatic(internals.shutdownHooks);
        if (!(hooks instanceof Map)) {
            return;
        }
        List<Object> threads;
        synchronized (internals.shutdownHooks.getDeclaringClass()) {
            // ApplicationShutdownHooks guards the map with its class lock
            threads = new ArrayList<>(((Map<?, ?>) hooks).keySet());
        }
        for (Object o : threads) {
            Thread hook = (Thread) o;
            Object target = Internals.get(internals.threadTarget, hook);
            LoaderRef ref = loaders.get(hook.getClass().getClassLoader());
            String culprit = hook.getClass().getName();
            if (ref == null && target != null) {
                ref = loaders.get(target.getClass().getClassLoader());
                culprit = target.getClass().getName();
            }
            if (ref == null) {
                ref = loaders.get(hook.getContextClassLoader());
                culprit = "context class loader of the hook thread";
            }
            if (ref != null) {
                hits.add(new Hit(ref, "shutdown-hook", culprit, "shutdown hook '" + hook.getName() + "'",
                        "keep the hook thread and call Runtime.getRuntime().removeShutdownHook(hook) in stop()"));
            }
        }
    }

    private void jdbcDrivers(Map<ClassLoader, LoaderRef> loaders, List<Hit> hits) {
        Object infos = Internals.getStatic(internals.registeredDrivers);
        if (!(infos instanceof Iterable)) {
            return;
        }
        for (Object info : (Iterable<?>) infos) {
            Object driver = Internals.get(internals.driverInfoDriver, info);
            LoaderRef ref = driver == null ? null : loaders.get(driver.getClass().getClassLoader());
            if (ref != null) {
                hits.add(new Hit(ref, "jdbc-driver", driver.getClass().getName(), "JDBC driver " + driver.getClass().getName(),
                        "call DriverManager.deregisterDriver(driver) in stop()"));
            }
        }
    }

    private static void mbeans(Map<ClassLoader, LoaderRef> loaders, List<Hit> hits) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = server.queryNames(null, null);
        for (ObjectName name : names) {
            try {
                LoaderRef ref = loaders.get(server.getClassLoaderFor(name));
                if (ref != null) {
                    hits.add(new Hit(ref, "mbean", server.getMBeanInfo(name).getClassName(), "MBean " + name,
                            "unregister the MBean (MBeanServer.unregisterMBean) in stop()"));
                }
            } catch (Exception e) {
                // unregistered meanwhile, or not ours to read: skip it
            }
        }
    }
}
