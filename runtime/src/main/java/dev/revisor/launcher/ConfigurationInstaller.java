package dev.revisor.launcher;

import java.io.PrintStream;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.AllServiceListener;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;

/**
 * Applies the "configurations" of the booted features through the ConfigurationAdmin service as soon as it is
 * registered, on the registering thread, so that bundles of later start levels find them at activation. The launcher
 * does not link against the Configuration Admin API: the interface is loaded from the bundle that registered the
 * service and called by reflection. A configuration that already has the same values is left untouched, so a restart
 * does not make components reconfigure. An {@link AllServiceListener}: the launcher's class loader does not see the
 * service's package, so the framework's class-space filter must not hide the service from it.
 *
 * <p>Concurrent semantics: applies at most once; the listener may be called on any thread.
 */
final class ConfigurationInstaller implements AllServiceListener {
    static final String CONFIGURATION_ADMIN = "org.osgi.service.cm.ConfigurationAdmin";
    private static final List<String> MANAGED_KEYS = List.of("service.pid", "service.factoryPid",
            "service.bundleLocation");

    private final BundleContext context;
    private final List<Feature> features;
    private final PrintStream err;
    private final AtomicBoolean applied = new AtomicBoolean();

    ConfigurationInstaller(BundleContext context, List<Feature> features, PrintStream err) {
        this.context = context;
        this.features = features;
        this.err = err;
    }

    /** Whether any booted feature has configurations. */
    static boolean needed(List<Feature> features) {
        for (Feature feature : features) {
            if (!feature.configurations().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    void register() {
        try {
            context.addServiceListener(this, "(objectClass=" + CONFIGURATION_ADMIN + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        ServiceReference<?>[] existing;
        try {
            existing = context.getAllServiceReferences(CONFIGURATION_ADMIN, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (existing != null) {
            apply(existing[0]);
        }
    }

    /** After the framework started: reports configurations that could not be applied for lack of the service. */
    void checkApplied() {
        if (!applied.get()) {
            for (Feature feature : features) {
                if (!feature.configurations().isEmpty()) {
                    err.println("revisor: ERROR: " + feature.file() + ": its configurations "
                            + feature.configurations().keySet() + " were not applied: no " + CONFIGURATION_ADMIN
                            + " service was registered (is org.apache.felix.configadmin in a booted feature?)");
                }
            }
        }
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        if (event.getType() == ServiceEvent.REGISTERED) {
            apply(event.getServiceReference());
        }
    }

    private void apply(ServiceReference<?> reference) {
        if (!applied.compareAndSet(false, true)) {
            return;
        }
        context.removeServiceListener(this);
        Object admin = context.getService(reference);
        if (admin == null) {
            applied.set(false);
            err.println("revisor: ERROR: the " + CONFIGURATION_ADMIN + " service went away before the feature"
                    + " configurations could be applied");
            return;
        }
        try {
            Class<?> api = reference.getBundle().loadClass(CONFIGURATION_ADMIN);
            for (Feature feature : features) {
                for (Map.Entry<String, Map<String, Object>> configuration : feature.configurations().entrySet()) {
                    try {
                        applyOne(api, admin, configuration.getKey(), configuration.getValue());
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
                        err.println("revisor: ERROR: " + feature.file() + ": configuration " + configuration.getKey()
                                + " was not applied: " + cause);
                    }
                }
            }
        } catch (ClassNotFoundException e) {
            err.println("revisor: ERROR: cannot load " + CONFIGURATION_ADMIN + " from " + reference.getBundle()
                    + "; feature configurations were not applied");
        } finally {
            context.ungetService(reference);
        }
    }

    private static void applyOne(Class<?> api, Object admin, String pid, Map<String, Object> properties)
            throws ReflectiveOperationException {
        Object configuration;
        int tilde = pid.indexOf('~');
        if (tilde > 0) {
            Method factory = api.getMethod("getFactoryConfiguration", String.class, String.class, String.class);
            configuration = factory.invoke(admin, pid.substring(0, tilde), pid.substring(tilde + 1), "?");
        } else {
            Method get = api.getMethod("getConfiguration", String.class, String.class);
            configuration = get.invoke(admin, pid, "?");
        }
        Class<?> configurationType = api.getMethod("getConfiguration", String.class, String.class).getReturnType();
        Dictionary<?, ?> current = (Dictionary<?, ?>) configurationType.getMethod("getProperties")
                .invoke(configuration);
        if (same(current, properties)) {
            return;
        }
        Hashtable<String, Object> update = new Hashtable<>(properties);
        configurationType.getMethod("update", Dictionary.class).invoke(configuration, update);
    }

    static boolean same(Dictionary<?, ?> current, Map<String, Object> wanted) {
        if (current == null) {
            return false;
        }
        int size = 0;
        for (Enumeration<?> keys = current.keys(); keys.hasMoreElements();) {
            Object key = keys.nextElement();
            if (MANAGED_KEYS.contains(key)) {
                continue;
            }
            size++;
            if (!wanted.containsKey(key) || !equal(current.get(key), wanted.get(key))) {
                return false;
            }
        }
        return size == wanted.size();
    }

    private static boolean equal(Object a, Object b) {
        if (a != null && b != null && a.getClass().isArray() && b.getClass().isArray()) {
            int length = Array.getLength(a);
            if (length != Array.getLength(b)) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (!Objects.equals(Array.get(a, i), Array.get(b, i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }
}
