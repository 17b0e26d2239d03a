package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a command's usage from its {@link Syntax}: the description, one {@code usage:} line per method, then every
 * option and argument with its {@code @Descriptor}. The text {@code --help}, {@code help NAME} and every usage error
 * show. Stateless.
 */
public final class Usage {
    /** Lines are wrapped at this width. */
    static final int WIDTH = 100;

    private Usage() {
    }

    /**
     * @param command  the scoped name, {@code audit:why}
     * @param syntaxes the command's methods
     * @return the usage text, ending in a newline
     */
    public static String render(String command, List<Syntax> syntaxes) {
        StringBuilder out = new StringBuilder();
        String description = syntaxes.stream().map(Syntax::description).filter(d -> !d.isEmpty()).findFirst().orElse("");
        out.append(wrap(description.isEmpty() ? command : command + " - " + description, "", "    ", WIDTH));
        for (Syntax s : syntaxes) {
            out.append("usage: ").append(line(command, s)).append('\n');
        }
        List<String[]> rows = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Syntax s : syntaxes) {
            for (Syntax.Option o : s.options()) {
                String names = String.join(", ", o.names()) + (o.takesValue() ? " " + o.valueName() : "");
                if (!seen.contains(names)) {
                    seen.add(names);
                    rows.add(new String[] {names, o.description()});
                }
            }
        }
        rows.add(new String[] {"--help", "show this usage"});
        List<String[]> args = new ArrayList<>();
        for (Syntax s : syntaxes) {
            for (Syntax.Argument a : s.arguments()) {
                if (!seen.contains(a.display())) {
                    seen.add(a.display());
                    args.add(new String[] {a.display(), a.description()});
                }
            }
        }
        int width = 0;
        for (String[] r : rows) {
            width = Math.max(width, r[0].length());
        }
        for (String[] r : args) {
            width = Math.max(width, r[0].length());
        }
        if (!args.isEmpty()) {
            out.append("arguments:\n");
            table(out, args, width);
        }
        out.append("options:\n");
        table(out, rows, width);
        return out.toString();
    }

    /**
     * @param command the scoped name
     * @param s       one method
     * @return {@code audit:why [-j] [-s] BUNDLE}
     */
    public static String line(String command, Syntax s) {
        StringBuilder out = new StringBuilder(command);
        for (Syntax.Option o : s.options()) {
            out.append(" [").append(o.names().get(0));
            if (o.takesValue()) {
                out.append(' ').append(o.valueName());
            }
            out.append(']');
        }
        for (Syntax.Argument a : s.arguments()) {
            out.append(' ').append(a.varargs() ? "[" + a.display() + "]" : a.display());
        }
        return out.toString();
    }

    /**
     * @param description a {@code @Descriptor} text
     * @param max         the longest result
     * @return its first clause (up to the first ": ", "; ", ". " or " (" outside brackets), cut at {@code max} characters
     */
    public static String summary(String description, int max) {
        String s = description.strip();
        for (String stop : new String[] {": ", "; ", ". ", " ("}) {
            int i = s.indexOf(stop);
            if (i > 20 && balanced(s.substring(0, i))) {
                s = s.substring(0, i);
            }
        }
        if (s.length() > max) {
            int cut = s.lastIndexOf(' ', max - 3);
            s = s.substring(0, cut > max / 2 ? cut : max - 3) + "...";
        }
        return s;
    }

    /** @return whether every brace and parenthesis opened in the text is closed: no cut inside {"a": 1} */
    private static boolean balanced(String text) {
        int depth = 0;
        for (char c : text.toCharArray()) {
            depth += c == '{' || c == '(' || c == '[' ? 1 : c == '}' || c == ')' || c == ']' ? -1 : 0;
        }
        return depth <= 0;
    }

    private static void table(StringBuilder out, List<String[]> rows, int width) {
        for (String[] r : rows) {
            if (r[1].isEmpty()) {
                out.append("  ").append(r[0]).append('\n');
            } else {
                String first = "  " + r[0] + " ".repeat(width - r[0].length() + 3);
                out.append(wrap(first + r[1], "", " ".repeat(first.length()), WIDTH));
            }
        }
    }

    /**
     * @param text   one paragraph
     * @param first  what the first line starts with
     * @param indent what every further line starts with
     * @param width  the longest line, where a space allows
     * @return the paragraph broken at spaces into lines of at most {@code width}, ending in a newline
     */
    public static String wrap(String text, String first, String indent, int width) {
        StringBuilder out = new StringBuilder();
        String line = first;
        boolean empty = true;
        for (String word : text.split(" ")) {
            if (!empty && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line = indent + word;
            } else {
                line = empty ? line + word : line + " " + word;
            }
            empty = false;
        }
        return out.append(line).append('\n').toString();
    }
}
