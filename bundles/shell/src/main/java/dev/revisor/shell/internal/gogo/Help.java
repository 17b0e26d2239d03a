package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.service.command.CommandSession;

/**
 * The text of {@code help}: every visible command grouped by scope (Revisor's {@code audit} first) with the first
 * sentence of its description, one scope's group, or one command's usage. Reads the commands' annotations through
 * Gogo's proxies, so that other bundles' commands ({@code felix:lb}, {@code scr:list}) show as well as Revisor's.
 * Stateless; runs on the calling session's thread.
 */
public final class Help {
    /** Width of a line of the overview. */
    static final int WIDTH = 100;

    private Help() {
    }

    /**
     * @param session  the session (to reach each command's object)
     * @param commands every {@code scope:function}
     * @param scope    only this scope, or {@code null} for all
     * @return the overview
     */
    public static String overview(CommandSession session, Collection<String> commands, String scope) {
        Map<String, Set<String>> byScope = new TreeMap<>((a, b) -> {
            int ra = rank(a);
            int rb = rank(b);
            return ra != rb ? Integer.compare(ra, rb) : a.compareTo(b);
        });
        for (String c : commands) {
            int colon = c.indexOf(':');
            if (colon > 0 && UnknownCommand.isVisible(c) && (scope == null || c.substring(0, colon).equals(scope))) {
                byScope.computeIfAbsent(c.substring(0, colon), k -> new TreeSet<>()).add(c.substring(colon + 1));
            }
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Set<String>> group : byScope.entrySet()) {
            out.append(out.length() == 0 ? "" : "\n").append(group.getKey()).append('\n');
            Map<String, String> described = new TreeMap<>();
            List<String> bare = new ArrayList<>();
            for (String f : group.getValue()) {
                String d = description(session, group.getKey() + ":" + f);
                if (d.isEmpty()) {
                    bare.add(f);
                } else {
                    described.put(f, d);
                }
            }
            int width = 0;
            for (String f : described.keySet()) {
                width = Math.max(width, f.length());
            }
            for (Map.Entry<String, String> c : described.entrySet()) {
                out.append("  ").append(c.getKey()).append(" ".repeat(width - c.getKey().length() + 3))
                        .append(Usage.summary(c.getValue(), Math.max(30, WIDTH - width - 5))).append('\n');
            }
            if (!bare.isEmpty()) { // no descriptions (methods added with addcommand, closures): names only
                out.append(Usage.wrap(String.join(", ", bare), "  ", "  ", WIDTH));
            }
        }
        if (scope == null) {
            out.append("\nhelp COMMAND shows a command's usage (COMMAND --help too); help SCOPE lists one scope.\n");
        }
        return out.toString();
    }

    /**
     * @param session  the session
     * @param commands every {@code scope:function}
     * @param name     a command with or without scope, or a scope
     * @return the usage of the command, or the overview of the scope
     * @throws IllegalArgumentException when neither exists, with the closest names
     */
    public static String of(CommandSession session, Collection<String> commands, String name) {
        String scoped = resolve(commands, name);
        if (scoped != null) {
            List<Syntax> syntaxes = syntaxes(session, scoped);
            if (!syntaxes.isEmpty()) {
                return Usage.render(scoped, syntaxes);
            }
            return scoped + ": no description\n";
        }
        for (String c : commands) {
            if (c.startsWith(name + ":")) {
                return overview(session, commands, name);
            }
        }
        throw new IllegalArgumentException("help: no command or scope '" + name + "'"
                + Suggestions.didYouMean(UnknownCommand.suggest(name, commands)));
    }

    /** Revisor's scopes first. */
    private static int rank(String scope) {
        return scope.equals("audit") ? 0 : scope.equals("revisor") ? 1 : 2;
    }

    private static String resolve(Collection<String> commands, String name) {
        if (name.indexOf(':') >= 0) {
            return commands.contains(name) ? name : null;
        }
        List<String> matches = new ArrayList<>();
        for (String c : commands) {
            if (c.endsWith(":" + name)) {
                matches.add(c);
            }
        }
        matches.sort((a, b) -> Integer.compare(rank(a.substring(0, a.indexOf(':'))), rank(b.substring(0, b.indexOf(':')))));
        return matches.isEmpty() ? null : matches.get(0);
    }

    /** @return the description of the command's first described method, or empty */
    static String description(CommandSession session, String scoped) {
        for (Syntax s : syntaxes(session, scoped)) {
            if (!s.description().isEmpty()) {
                return s.description();
            }
        }
        return "";
    }

    /** @return the syntaxes of the command's methods; empty when it is not a Java object's method (a closure) */
    public static List<Syntax> syntaxes(CommandSession session, String scoped) {
        Object command = session.get(scoped);
        if (command instanceof CommandFunction) { // added to Gogo directly rather than through the service registry
            return ((CommandFunction) command).syntaxes();
        }
        if (!(command instanceof CommandProxy)) {
            return List.of();
        }
        CommandProxy proxy = (CommandProxy) command;
        Object target = proxy.getTarget();
        try {
            if (target instanceof CommandFunction) {
                return ((CommandFunction) target).syntaxes();
            }
            if (target == null) {
                return List.of();
            }
            Class<?> type = target instanceof Class ? (Class<?>) target : target.getClass(); // addcommand of a class
            return Syntax.of(type, scoped.substring(scoped.indexOf(':') + 1));
        } finally {
            proxy.ungetTarget();
        }
    }
}
