package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.annotations.RequireGogoWhiteboard;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Puts every {@link CommandSet} of this bundle into Gogo: for each function named by its {@link CommandNames}, a
 * {@link CommandFunction} service with Gogo's whiteboard properties ({@code osgi.command.scope},
 * {@code osgi.command.function}). It binds the command sets' service references, not their objects: a command
 * component is activated by SCR on the first use of one of its commands (a call, {@code --help}, {@code help}), not
 * when the shell starts, and let go when its service goes. Bind and unbind run on SCR's threads; the registrations are
 * kept in a concurrent map and all withdrawn on deactivation.
 */
@Component(immediate = true)
@RequireGogoWhiteboard
public final class CommandRegistrar {
    private final BundleContext context;
    private final Map<ServiceReference<CommandSet>, Registered> registrations = new ConcurrentHashMap<>();

    /** The Gogo functions of one command set and the object they share. */
    private record Registered(List<ServiceRegistration<Function>> functions, CommandFunction.Target target) {
    }

    @Activate
    public CommandRegistrar(BundleContext context) {
        this.context = context;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCommands(ServiceReference<CommandSet> commands) {
        String scope = String.valueOf(commands.getProperty(CommandNames.PREFIX_ + "scope"));
        CommandFunction.Target target = new CommandFunction.Target(() -> context.getService(commands),
                o -> ungetQuietly(commands));
        List<ServiceRegistration<Function>> regs = new ArrayList<>();
        for (String function : functions(commands.getProperty(CommandNames.PREFIX_ + "function"))) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(CommandProcessor.COMMAND_SCOPE, scope);
            props.put(CommandProcessor.COMMAND_FUNCTION, function);
            regs.add(context.registerService(Function.class, CommandFunction.lazy(scope, function, target), props));
        }
        registrations.put(commands, new Registered(regs, target));
    }

    void removeCommands(ServiceReference<CommandSet> commands) {
        Registered r = registrations.remove(commands);
        if (r != null) {
            unregister(r.functions());
            r.target().release();
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceReference<CommandSet> c : new ArrayList<>(registrations.keySet())) {
            removeCommands(c);
        }
    }

    private void ungetQuietly(ServiceReference<CommandSet> commands) {
        try {
            context.ungetService(commands);
        } catch (IllegalStateException e) {
            // this bundle's context is no longer valid: the framework has released its services
        }
    }

    private static void unregister(List<ServiceRegistration<Function>> regs) {
        for (ServiceRegistration<Function> r : regs) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
    }

    static String[] functions(Object value) {
        if (value instanceof String[]) {
            return (String[]) value;
        }
        if (value instanceof String) {
            return new String[] {(String) value};
        }
        return new String[0];
    }
}
