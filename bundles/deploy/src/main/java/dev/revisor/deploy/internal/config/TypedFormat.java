package dev.revisor.deploy.internal.config;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Vector;

/**
 * Reads the typed {@code .config} format of Felix Configuration Admin (and Karaf) strictly: every problem is an error
 * naming the line and the key, where Felix's own reader drops a key of an unknown type and reports others as
 * "Unexpected token 78". One {@code key = value} a line ({@code #} starts a comment); a value is
 * {@code [T]"text"}, an array {@code [T]["a", "b"]} or a collection {@code [T]("a", "b")}, which may span lines;
 * {@code T} is {@code T} (String, the default), {@code I}, {@code L}, {@code F}, {@code D}, {@code X} (Byte),
 * {@code S} (Short), {@code C}, {@code B}, or lower case for an array of the primitive type. {@code F} and {@code D}
 * take a decimal number, or a whole number as Felix writes them (the raw IEEE bits). Stateless.
 */
final class TypedFormat {
    private final String text;
    private int pos;
    private int line = 1;
    private String key;

    private TypedFormat(String text) {
        this.text = text;
    }

    static Map<String, Object> read(String text) throws ConfigFile.ParseException {
        return new TypedFormat(text).all();
    }

    private Map<String, Object> all() throws ConfigFile.ParseException {
        Map<String, Object> values = new TreeMap<>();
        while (true) {
            skipBlankLines();
            if (pos >= text.length()) {
                return values;
            }
            int eq = text.indexOf('=', pos);
            int nl = text.indexOf('\n', pos);
            if (eq < 0 || nl >= 0 && nl < eq) {
                throw error("'" + text.substring(pos, nl < 0 ? text.length() : nl).trim() + "' is not key=value");
            }
            key = text.substring(pos, eq).trim();
            if (key.isEmpty()) {
                throw error("a key is missing before '='");
            }
            if (values.containsKey(key)) {
                throw error("key '" + key + "' is given twice");
            }
            pos = eq + 1;
            skipSpaces();
            values.put(key, value());
            skipSpaces();
            if (pos < text.length() && text.charAt(pos) == '#') {
                skipToLineEnd();
            }
            if (pos < text.length() && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') {
                throw error("key '" + key + "': unexpected '" + rest() + "' after the value");
            }
        }
    }

    private Object value() throws ConfigFile.ParseException {
        char type = 'T';
        if (pos < text.length() && Character.isLetter(text.charAt(pos))) {
            type = text.charAt(pos++);
            if ("TILFDXSCBilfdxscb".indexOf(type) < 0) {
                throw error("key '" + key + "': '" + type + "' is no type: T, I, L, F, D, X, S, C, B (or lower case for an"
                        + " array of the primitive type)");
            }
        }
        if (pos >= text.length()) {
            throw error("key '" + key + "': the value is missing");
        }
        char open = text.charAt(pos);
        if (open == '"') {
            if (Character.isLowerCase(type)) {
                throw error("key '" + key + "': lower-case type '" + type + "' is for arrays only: " + type + "[\"1\", \"2\"]");
            }
            return convert(type, quoted());
        }
        if (open != '[' && open != '(') {
            throw error("key '" + key + "': a value is quoted: key = \"text\", key = I\"8080\", key = [\"a\", \"b\"]");
        }
        char close = open == '[' ? ']' : ')';
        pos++;
        List<Object> items = new ArrayList<>();
        while (true) {
            skipWhitespaceAndContinuations();
            if (pos >= text.length()) {
                throw error("key '" + key + "': '" + open + "' without '" + close + "'");
            }
            char c = text.charAt(pos);
            if (c == close) {
                pos++;
                break;
            }
            if (c != '"') {
                throw error("key '" + key + "': expected a quoted element or '" + close + "', found '" + c + "'");
            }
            items.add(convert(Character.toUpperCase(type), quoted()));
            skipWhitespaceAndContinuations();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
            }
        }
        if (open == '(') {
            return new Vector<>(items);
        }
        return array(type, items);
    }

    private static Object array(char type, List<Object> items) {
        Class<?> component;
        switch (type) {
            case 'i': component = int.class; break;
            case 'l': component = long.class; break;
            case 'f': component = float.class; break;
            case 'd': component = double.class; break;
            case 'x': component = byte.class; break;
            case 's': component = short.class; break;
            case 'c': component = char.class; break;
            case 'b': component = boolean.class; break;
            default: component = items.isEmpty() ? String.class : boxed(type);
        }
        Object array = Array.newInstance(component, items.size());
        for (int i = 0; i < items.size(); i++) {
            Array.set(array, i, items.get(i));
        }
        return array;
    }

    private static Class<?> boxed(char type) {
        switch (type) {
            case 'I': return Integer.class;
            case 'L': return Long.class;
            case 'F': return Float.class;
            case 'D': return Double.class;
            case 'X': return Byte.class;
            case 'S': return Short.class;
            case 'C': return Character.class;
            case 'B': return Boolean.class;
            default: return String.class;
        }
    }

    private Object convert(char type, String s) throws ConfigFile.ParseException {
        try {
            switch (type) {
                case 'I': return Integer.valueOf(s.trim());
                case 'L': return Long.valueOf(s.trim());
                case 'X': return Byte.valueOf(s.trim());
                case 'S': return Short.valueOf(s.trim());
                case 'F': return s.trim().matches("-?\\d+") ? Float.intBitsToFloat(Integer.parseInt(s.trim())) : Float.valueOf(s.trim());
                case 'D': return s.trim().matches("-?\\d+") ? Double.longBitsToDouble(Long.parseLong(s.trim())) : Double.valueOf(s.trim());
                case 'C':
                    if (s.length() != 1) {
                        throw error("key '" + key + "': C\"" + s + "\" is not one character");
                    }
                    return s.charAt(0);
                case 'B':
                    if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                        throw error("key '" + key + "': B\"" + s + "\" is neither true nor false");
                    }
                    return Boolean.valueOf(s);
                default:
                    return s;
            }
        } catch (NumberFormatException e) {
            throw error("key '" + key + "': " + type + "\"" + s + "\" is not " + MetatypeCheck.typeName(typeCode(type)));
        }
    }

    private static int typeCode(char type) {
        switch (type) {
            case 'I': return org.osgi.service.metatype.AttributeDefinition.INTEGER;
            case 'L': return org.osgi.service.metatype.AttributeDefinition.LONG;
            case 'X': return org.osgi.service.metatype.AttributeDefinition.BYTE;
            case 'S': return org.osgi.service.metatype.AttributeDefinition.SHORT;
            case 'F': return org.osgi.service.metatype.AttributeDefinition.FLOAT;
            default: return org.osgi.service.metatype.AttributeDefinition.DOUBLE;
        }
    }

    /** Reads {@code "..."} with backslash escapes; the cursor is on the opening quote. */
    private String quoted() throws ConfigFile.ParseException {
        int startLine = line;
        pos++;
        StringBuilder s = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return s.toString();
            }
            if (c == '\n') {
                line++;
            }
            if (c == '\\' && pos < text.length()) {
                char e = text.charAt(pos++);
                switch (e) {
                    case 'n': s.append('\n'); break;
                    case 't': s.append('\t'); break;
                    case 'r': s.append('\r'); break;
                    case 'b': s.append('\b'); break;
                    case 'f': s.append('\f'); break;
                    case 'u':
                        if (pos + 4 > text.length()) {
                            throw error("key '" + key + "': \\u needs four hex digits");
                        }
                        try {
                            s.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("key '" + key + "': \\u" + text.substring(pos, pos + 4) + " is not four hex digits");
                        }
                        pos += 4;
                        break;
                    default: s.append(e);
                }
            } else {
                s.append(c);
            }
        }
        line = startLine;
        throw error("key '" + key + "': the quote that opens the value is never closed");
    }

    private void skipBlankLines() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                pos++;
            } else if (c == '#' || c == '!') {
                skipToLineEnd();
            } else {
                return;
            }
        }
    }

    private void skipToLineEnd() {
        while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t' || text.charAt(pos) == '\r')) {
            pos++;
        }
    }

    private void skipWhitespaceAndContinuations() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c) || c == '\\') {
                pos++;
            } else {
                return;
            }
        }
    }

    private String rest() {
        int nl = text.indexOf('\n', pos);
        return text.substring(pos, nl < 0 ? text.length() : nl).trim();
    }

    private ConfigFile.ParseException error(String message) {
        return new ConfigFile.ParseException("line " + line + ": " + message);
    }
}
