package dev.revisor.shell.internal.gogo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;

/**
 * Turns gogo.jline's console session into Revisor's, once, after its profile ran: the prompt {@code revisor> },
 * {@code revisor} first in {@code SCOPE}, completions of the {@code audit} and {@code revisor} commands (each option
 * with its description, bundle names for a {@code BUNDLE} argument or {@code --bundle} value) through gogo.jline's
 * own {@code complete} command, and the banner. A failing step is reported on the console and the rest goes on.
 * Runs on the console's thread.
 */
final class ConsoleSetup {
    static final String PROMPT = "revisor> ";
    private static final String BUNDLES = "revisor:__bundles";

    private final BundleContext context;
    private final CommandSession session;

    ConsoleSetup(BundleContext context, CommandSession session) {
        this.context = context;
        this.session = session;
    }

    void run() {
        PrintStream console = session.getConsole();
        session.put("prompt", PROMPT);
        Object scope = session.get("SCOPE");
        String path = scope == null ? "*" : scope.toString();
        if (!path.startsWith(SessionSetup.SCOPE + ":")) {
            session.put("SCOPE", SessionSetup.SCOPE + ":" + path);
        }
        try {
            for (String line : completions()) {
                session.execute(line);
            }
        } catch (Exception e) {
            console.println("revisor: completion not set up: " + e);
        }
        console.print(banner(context.getBundle().getVersion().toString()));
        console.flush();
    }

    /** @return the banner */
    static String banner(String version) {
        return "\n"
                + "  Revisor " + version + " - live updates of Java plugins on Apache Felix, audited\n"
                + "\n"
                + "  help             commands by scope, one line each (help audit: Revisor's own)\n"
                + "  COMMAND --help   a command's usage; Tab completes commands, options and bundle names\n"
                + "  exit             stop Revisor and leave (Ctrl-D too)\n"
                + "\n";
    }

    private List<String> completions() {
        @SuppressWarnings("unchecked")
        Collection<String> commands = (Collection<String>) session.get(".commands");
        List<String> lines = new ArrayList<>();
        if (commands == null || !commands.contains("gogo:complete")) {
            return lines;
        }
        for (String c : commands) {
            String scope = c.substring(0, c.indexOf(':'));
            if ((scope.equals("audit") || scope.equals(SessionSetup.SCOPE)) && UnknownCommand.isVisible(c)) {
                lines.addAll(completions(c, Help.syntaxes(session, c)));
            }
        }
        return lines;
    }

    /**
     * @param command  a scoped command
     * @param syntaxes its methods
     * @return the {@code complete} command lines for it
     */
    static List<String> completions(String command, List<Syntax> syntaxes) {
        List<String> lines = new ArrayList<>();
        if (syntaxes.isEmpty()) {
            return lines;
        }
        lines.add("complete -c " + command + " -e");
        String description = "";
        List<String> seen = new ArrayList<>();
        boolean bundleArgument = false;
        for (Syntax s : syntaxes) {
            if (description.isEmpty()) {
                description = s.description();
            }
            for (Syntax.Option o : s.options()) {
                if (seen.contains(o.longName())) {
                    continue;
                }
                seen.add(o.longName());
                StringBuilder line = new StringBuilder("complete -c ").append(command);
                for (String n : o.names()) {
                    line.append(n.startsWith("--") ? " -l " + n.substring(2) : " -s " + n.substring(1));
                }
                line.append(" -d ").append(quote(Usage.summary(o.description(), 60)));
                if (o.takesValue() && isBundle(o.valueName())) {
                    line.append(" -a ").append(quote(BUNDLES));
                }
                lines.add(line.toString());
            }
            for (Syntax.Argument a : s.arguments()) {
                bundleArgument |= isBundle(a.name());
            }
        }
        lines.add("complete -c " + command + " -l help -d " + quote("show the usage"));
        if (!description.isEmpty()) {
            lines.add("complete -c " + command + " -d " + quote(Usage.summary(description, 60)));
        }
        if (bundleArgument) {
            lines.add("complete -c " + command + " -a " + quote(BUNDLES));
        }
        return lines;
    }

    private static boolean isBundle(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("bundle") || n.equals("bundles");
    }

    /** A Gogo single-quoted word; a quote inside becomes a typographic one (Gogo has no escape inside '...'). */
    static String quote(String text) {
        return "'" + text.replace('\'', '\u2019') + "'";
    }
}
