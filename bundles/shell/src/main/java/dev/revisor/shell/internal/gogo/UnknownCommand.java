package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Gogo's hook for a command that does not exist: it calls the function {@code default} with the name typed first.
 * This one fails as Gogo would ("Command not found: audit:lekas") and adds the closest existing commands
 * ("(did you mean audit:leaks?)"). While the framework is still starting, it says so: the control socket answers
 * once the shell has started (start level 4), before the deploy bundle and FileInstall, so a command of a bundle
 * that has not started yet is missing for a moment. Stateless; called on any session's thread.
 */
@Component(service = Function.class, property = {"osgi.command.scope=revisor", "osgi.command.function=default"})
public final class UnknownCommand implements Function {

    /** Gogo's exception, so that scripts and tools that look for it still find it, with a suggestion added. */
    public static final class NotFound extends CommandNotFoundException {
        private static final long serialVersionUID = 1L;
        private final String suggestion;

        NotFound(String command, String suggestion) {
            super(command);
            this.suggestion = suggestion;
        }

        @Override
        public String getMessage() {
            return super.getMessage() + suggestion;
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** Added to the message while the framework has not reached its start level. */
    static final String STILL_STARTING = " (the instance is still starting: a bundle's commands appear once it has"
            + " started; bin/revisor exec --wait SECONDS waits until the instance is ready)";

    private final BooleanSupplier starting;

    @Activate
    public UnknownCommand(BundleContext context) {
        this(new FrameworkStarting(context.getBundle(Constants.SYSTEM_BUNDLE_ID)));
    }

    /** @param starting whether the framework is still starting */
    UnknownCommand(BooleanSupplier starting) {
        this.starting = starting;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        String typed = arguments.isEmpty() ? "" : String.valueOf(arguments.get(0));
        @SuppressWarnings("unchecked")
        Set<String> commands = (Set<String>) session.get(".commands");
        String suggestion = Suggestions.didYouMean(suggest(typed, commands == null ? Set.of() : commands));
        throw new NotFound(typed, suggestion + (starting.getAsBoolean() ? STILL_STARTING : ""));
    }

    /** The system bundle is STARTING until the framework has reached its start level. */
    private static final class FrameworkStarting implements BooleanSupplier {
        private final Bundle framework;

        FrameworkStarting(Bundle framework) {
            this.framework = framework;
        }

        @Override
        public boolean getAsBoolean() {
            return framework != null && framework.getState() == Bundle.STARTING;
        }
    }

    /**
     * @param typed    the command as typed, with or without a scope
     * @param commands every {@code scope:function} Gogo knows
     * @return the closest visible commands, scoped
     */
    static List<String> suggest(String typed, Collection<String> commands) {
        List<String> visible = new ArrayList<>();
        for (String c : commands) {
            if (isVisible(c)) {
                visible.add(c);
            }
        }
        if (typed.indexOf(':') >= 0) {
            return Suggestions.closest(typed, visible, 3);
        }
        List<String> functions = new ArrayList<>();
        for (String c : visible) {
            functions.add(c.substring(c.indexOf(':') + 1));
        }
        List<String> out = new ArrayList<>();
        for (String f : Suggestions.closest(typed, functions, 3)) {
            for (String c : visible) {
                if (c.endsWith(":" + f) && !out.contains(c) && out.size() < 3) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** @return false for Gogo's helper functions ({@code __files}) and this hook */
    static boolean isVisible(String command) {
        String function = command.substring(command.indexOf(':') + 1);
        return !function.startsWith("_") && !function.equals("default");
    }
}
