package dev.revisor.deploy.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an OSGi manifest header into clauses (Core R8 3.2.4: {@code clause (',' clause)*}, a clause is
 * {@code path (';' path)* (';' parameter)*}, a parameter {@code name=value} or {@code name:=value}, values
 * optionally in double quotes). Strict: what the framework would refuse, this refuses too, with a message
 * that names the header and the place. Stateless; thread safe.
 */
final class HeaderSyntax {

    /** One clause of a header. */
    static final class Clause {
        final List<String> paths = new ArrayList<>();
        final Map<String, String> attributes = new LinkedHashMap<>();
        final Map<String, String> directives = new LinkedHashMap<>();

        String path() {
            return paths.get(0);
        }
    }

    private HeaderSyntax() {
    }

    /**
     * @param header the header name, for messages
     * @param value  its value
     * @return its clauses
     * @throws Refusal when the value is not valid header syntax
     */
    static List<Clause> parse(String header, String value) throws Refusal {
        List<Clause> clauses = new ArrayList<>();
        if (value == null || value.isBlank()) {
            throw new Refusal("header", "the manifest header " + header + " is empty");
        }
        List<String> clauseTexts = split(header, value, ',');
        for (String clauseText : clauseTexts) {
            if (clauseText.isBlank()) {
                throw new Refusal("header", "the manifest header " + header + " has an empty clause (two commas, or a comma at the end): '"
                        + value + "'");
            }
            Clause clause = new Clause();
            for (String part : split(header, clauseText, ';')) {
                String p = part.trim();
                if (p.isEmpty()) {
                    throw new Refusal("header", "the manifest header " + header + " has an empty element (two semicolons?) in '"
                            + clauseText.trim() + "'");
                }
                int eq = indexOutsideQuotes(p, '=');
                if (eq < 0) {
                    if (!clause.attributes.isEmpty() || !clause.directives.isEmpty()) {
                        throw new Refusal("header", "the manifest header " + header + " has '" + p
                                + "' after the parameters of its clause '" + clauseText.trim() + "': a name needs '=' (attribute) or ':=' (directive)");
                    }
                    if (p.indexOf('"') >= 0) {
                        throw new Refusal("header", "the manifest header " + header + " has a quoted name '" + p + "'");
                    }
                    clause.paths.add(p);
                    continue;
                }
                boolean directive = eq > 0 && p.charAt(eq - 1) == ':';
                String name = p.substring(0, directive ? eq - 1 : eq).trim();
                String arg = p.substring(eq + 1).trim();
                if (name.isEmpty()) {
                    throw new Refusal("header", "the manifest header " + header + " has a parameter without a name: '" + p + "'");
                }
                int colon = name.indexOf(':');
                String plainName = colon >= 0 ? name.substring(0, colon).trim() : name;
                if (!plainName.matches("[A-Za-z0-9_.\\-]+")) {
                    throw new Refusal("header", "the manifest header " + header + " has a parameter named '" + name
                            + "': names are letters, digits, '_', '-' and '.'");
                }
                if (clause.paths.isEmpty()) {
                    throw new Refusal("header", "the manifest header " + header + " has a clause that starts with the parameter '" + p + "'");
                }
                String unquoted = unquote(header, arg);
                Map<String, String> target = directive ? clause.directives : clause.attributes;
                if (target.put(plainName, unquoted) != null) {
                    throw new Refusal("header", "the manifest header " + header + " repeats the " + (directive ? "directive " : "attribute ")
                            + plainName + " in '" + clauseText.trim() + "'");
                }
            }
            clauses.add(clause);
        }
        return clauses;
    }

    /**
     * @return how many clauses the value has: one more than its commas outside double quotes (what {@link #parse}
     *         would split it into), counted without allocating, so that a huge header is measured before it is parsed
     */
    static int countClauses(String value) {
        int clauses = 1;
        boolean quoted = false;
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                clauses++;
            }
        }
        return clauses;
    }

    private static String unquote(String header, String arg) throws Refusal {
        if (arg.startsWith("\"")) {
            if (arg.length() < 2 || !arg.endsWith("\"") || arg.endsWith("\\\"")) {
                throw new Refusal("header", "the manifest header " + header + " has an unterminated quoted value: " + arg);
            }
            StringBuilder out = new StringBuilder();
            for (int i = 1; i < arg.length() - 1; i++) {
                char c = arg.charAt(i);
                if (c == '\\' && i + 1 < arg.length() - 1) {
                    c = arg.charAt(++i);
                } else if (c == '"') {
                    throw new Refusal("header", "the manifest header " + header + " has a stray quote in " + arg);
                }
                out.append(c);
            }
            return out.toString();
        }
        if (arg.indexOf('"') >= 0) {
            throw new Refusal("header", "the manifest header " + header + " has a stray quote in " + arg);
        }
        return arg;
    }

    private static int indexOutsideQuotes(String s, char wanted) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == wanted && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> split(String header, String s, char separator) throws Refusal {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (quoted) {
            throw new Refusal("header", "the manifest header " + header + " has an unterminated quote: '" + s.trim() + "'");
        }
        parts.add(s.substring(start));
        return parts;
    }
}
