package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;

/**
 * Gogo's hook for a command that does not exist: it calls the function {@code default} with the name typed first.
 * This one fails as Gogo would ("Command not found: audit:lekas") and adds the closest existing commands
 * ("(did you mean audit:leaks?)"). Stateless; called on any session's thread.
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

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        String typed = arguments.isEmpty() ? "" : String.valueOf(arguments.get(0));
        @SuppressWarnings("unchecked")
        Set<String> commands = (Set<String>) session.get(".commands");
        throw new NotFound(typed, Suggestions.didYouMean(suggest(typed, commands == null ? Set.of() : commands)));
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
