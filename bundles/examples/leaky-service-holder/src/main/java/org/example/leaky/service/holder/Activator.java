package org.example.leaky.service.holder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;

/**
 * LEAK: gets every {@code (leaky=service)} service object and keeps it in a list, without ever calling
 * ungetService, not even when the service is unregistered. The stale objects keep their provider's old class loader
 * alive. Fix: release the service on UNREGISTERING (ungetService and drop the reference), or use DS / a ServiceTracker.
 */
public class Activator implements BundleActivator {
    static final String FILTER = "(&(objectClass=java.util.function.Supplier)(leaky=service))";

    private final List<Object> held = new CopyOnWriteArrayList<>();

    @Override
    public void start(BundleContext context) throws InvalidSyntaxException {
        context.addServiceListener(event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                hold(context, event.getServiceReference());
            }
        }, FILTER);
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, FILTER);
        if (refs != null) {
            for (ServiceReference<?> ref : refs) {
                hold(context, ref);
            }
        }
    }

    private void hold(BundleContext context, ServiceReference<?> ref) {
        Object service = context.getService(ref);
        if (service != null) {
            held.add(service);
        }
    }

    @Override
    public void stop(BundleContext context) {
        held.clear();
    }
}
