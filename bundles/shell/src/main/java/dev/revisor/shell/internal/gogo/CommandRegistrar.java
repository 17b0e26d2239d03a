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
 * {@code osgi.command.function}). Bind and unbind run on SCR's threads; the registrations are kept in a concurrent
 * map and all withdrawn on deactivation.
 */
@Component(immediate = true)
@RequireGogoWhiteboard
public final class CommandRegistrar {
    private final BundleContext context;
    private final Map<CommandSet, List<ServiceRegistration<Function>>> registrations = new ConcurrentHashMap<>();

    @Activate
    public CommandRegistrar(BundleContext context) {
        this.context = context;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCommands(CommandSet commands, Map<String, Object> properties) {
        String scope = String.valueOf(properties.get(CommandNames.PREFIX_ + "scope"));
        List<ServiceRegistration<Function>> regs = new ArrayList<>();
        for (String function : functions(properties.get(CommandNames.PREFIX_ + "function"))) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(CommandProcessor.COMMAND_SCOPE, scope);
            props.put(CommandProcessor.COMMAND_FUNCTION, function);
            regs.add(context.registerService(Function.class, new CommandFunction(scope, function, commands), props));
        }
        registrations.put(commands, regs);
    }

    void removeCommands(CommandSet commands) {
        unregister(registrations.remove(commands));
    }

    @Deactivate
    void deactivate() {
        for (CommandSet c : new ArrayList<>(registrations.keySet())) {
            removeCommands(c);
        }
    }

    private static void unregister(List<ServiceRegistration<Function>> regs) {
        if (regs == null) {
            return;
        }
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
