package dev.revisor.audit.internal.leaks;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * A service unregistered while other bundles still had it: who held it and (for a singleton) its object, weakly, to
 * see in a later check that collects garbage whether anyone keeps it.
 * <p>
 * Owns: its weak reference to the service object. Made on the framework's thread that unregisters the service
 * ({@link #of}); read on {@code revisor-leaks}. Immutable.
 */
final class ServiceWatch {
    final long serviceId;
    final List<String> objectClass;
    final String objectType;
    final WeakReference<Object> object;
    final List<BundleRefDTO> holders;
    final LoaderRef provider;
    final String operation;

    ServiceWatch(long serviceId, List<String> objectClass, String objectType, WeakReference<Object> object,
            List<BundleRefDTO> holders, LoaderRef provider, String operation) {
        this.serviceId = serviceId;
        this.objectClass = objectClass;
        this.objectType = objectType;
        this.object = object;
        this.holders = holders;
        this.provider = provider;
        this.operation = operation;
    }

    /**
     * @param own       the audit bundle's id: its own use of a service is no holding
     * @param providers the loader of the provider's current revision, by bundle id
     * @return the watch of a service being unregistered while others hold it, or {@code null} when nobody else does
     */
    static ServiceWatch of(ServiceReference<?> ref, BundleContext context, long own,
            java.util.function.LongFunction<LoaderRef> providers, String operation, Logger logger) {
        Bundle provider = ref.getBundle();
        Bundle[] using = ref.getUsingBundles();
        if (provider == null || using == null || provider.getBundleId() == own) {
            return null;
        }
        List<BundleRefDTO> holders = new ArrayList<>();
        for (Bundle u : using) {
            if (u.getBundleId() != provider.getBundleId() && u.getBundleId() != own) {
                holders.add(BundleRefDTO.of(u));
            }
        }
        if (holders.isEmpty()) {
            return null;
        }
        WeakReference<Object> object = null;
        String type = null;
        if (Constants.SCOPE_SINGLETON.equals(ref.getProperty(Constants.SERVICE_SCOPE))) {
            // the one object every user shares: hold it weakly to see whether anyone keeps it
            try {
                Object service = context.getService(ref);
                if (service != null) {
                    object = new WeakReference<>(service);
                    type = service.getClass().getName();
                }
            } catch (RuntimeException e) {
                logger.debug("cannot look at service {} while it is unregistered: {}", ref.getProperty(Constants.SERVICE_ID), e.toString());
            } finally {
                context.ungetService(ref);
            }
        }
        Object classes = ref.getProperty(Constants.OBJECTCLASS);
        List<String> objectClass = classes instanceof String[] ? List.of((String[]) classes) : List.of(String.valueOf(classes));
        long id = ((Number) ref.getProperty(Constants.SERVICE_ID)).longValue();
        return new ServiceWatch(id, objectClass, type, object, holders, providers.apply(provider.getBundleId()), operation);
    }
}
