package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Looks at a command's raw arguments against its {@link Syntax}es, before and after Gogo tries to call it: is help
 * asked for, is an option unknown (with the closest known one), and, once Gogo found no method to call, what exactly
 * is wrong (a missing argument, one too many, an option without its value, a value of the wrong kind). Stateless.
 */
public final class ArgumentCheck {
    private ArgumentCheck() {
    }

    /**
     * @param syntaxes the command's methods
     * @param args     the arguments as typed
     * @return whether {@code --help} (or {@code -h}, unless the command has an option of that name) is among them
     */
    public static boolean wantsHelp(List<Syntax> syntaxes, List<?> args) {
        for (Object a : args) {
            String t = text(a);
            if ("--help".equals(t) || "-h".equals(t) && !declares(syntaxes, "-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param syntaxes the command's methods
     * @param args     the arguments as typed
     * @return the first argument that looks like an option no method knows, with a suggestion; {@code null} if none
     */
    public static String unknownOption(List<Syntax> syntaxes, List<?> args) {
        Set<String> known = new LinkedHashSet<>();
        for (Syntax s : syntaxes) {
            for (Syntax.Option o : s.options()) {
                known.addAll(o.names());
            }
        }
        for (int i = 0; i < args.size(); i++) {
            String a = text(args.get(i));
            if (a == null) {
                continue;
            }
            if (known.contains(a)) {
                if (takesValue(syntaxes, a)) {
                    i++;
                }
                continue;
            }
            if (looksLikeOption(a)) {
                List<String> close = Suggestions.closest(a, known, 2);
                return "unknown option " + a + Suggestions.didYouMean(close);
            }
        }
        return null;
    }

    /**
     * What is wrong with arguments that Gogo could fit to none of the command's methods.
     *
     * @param syntaxes the command's methods
     * @param args     the arguments as typed
     * @return a short description of the problem
     */
    public static String diagnose(List<Syntax> syntaxes, List<?> args) {
        if (syntaxes.size() != 1) {
            return "these arguments fit none of its forms";
        }
        Syntax s = syntaxes.get(0);
        List<Object> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            Syntax.Option o = text(a) == null ? null : s.option(text(a));
            if (o == null) {
                positional.add(a);
                continue;
            }
            if (o.takesValue()) {
                if (i + 1 >= args.size()) {
                    return "option " + a + " needs a value (" + o.valueName() + ")";
                }
                Object value = args.get(++i);
                String wrong = wrongKind(o.type(), value);
                if (wrong != null) {
                    return "option " + a + ": '" + value + "' is not " + wrong;
                }
            }
        }
        List<Syntax.Argument> declared = s.arguments();
        if (positional.size() < s.required()) {
            Syntax.Argument missing = declared.get(positional.size());
            return "missing " + missing.display() + (missing.description().isEmpty() ? "" : " (" + missing.description() + ")");
        }
        if (!s.varargs() && positional.size() > declared.size()) {
            return "unexpected argument '" + positional.get(declared.size()) + "'";
        }
        for (int i = 0; i < positional.size() && !declared.isEmpty(); i++) {
            Syntax.Argument d = declared.get(Math.min(i, declared.size() - 1));
            String wrong = wrongKind(d.type(), positional.get(i));
            if (wrong != null) {
                return d.display() + ": '" + positional.get(i) + "' is not " + wrong;
            }
        }
        return "these arguments do not fit it";
    }

    /** @return the argument as typed (Gogo passes words as its own CharSequence tokens), or null for an object */
    private static String text(Object arg) {
        return arg instanceof CharSequence ? arg.toString() : null;
    }

    private static String wrongKind(Class<?> type, Object value) {
        String v = text(value);
        if (v == null) {
            return null;
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            try {
                Long.parseLong(v);
                return null;
            } catch (NumberFormatException e) {
                return "a whole number";
            }
        }
        return null;
    }

    private static boolean looksLikeOption(String a) {
        if (a.length() < 2 || a.charAt(0) != '-') {
            return false;
        }
        try {
            Double.parseDouble(a);
            return false; // a negative number
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static boolean takesValue(List<Syntax> syntaxes, String name) {
        for (Syntax s : syntaxes) {
            Syntax.Option o = s.option(name);
            if (o != null && o.takesValue()) {
                return true;
            }
        }
        return false;
    }

    private static boolean declares(List<Syntax> syntaxes, String name) {
        for (Syntax s : syntaxes) {
            if (s.option(name) != null) {
                return true;
            }
        }
        return false;
    }
}
