package dev.revisor.deploy.internal.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.felix.cm.file.ConfigurationHandler;

/**
 * Configuration values as maps: Configuration Admin's own keys left out, compared deeply (arrays by content), the
 * difference of two as texts with secret-looking keys masked, and a map as the typed {@code .config} text (the
 * write-ahead record keeps the previous values that way). Stateless.
 */
final class Values {
    static final String MASK = "********";
    /** Keys Configuration Admin (and FileInstall) add; never part of what a file says. */
    static final Set<String> MANAGED = Set.of("service.pid", "service.factoryPid", "service.bundleLocation",
            "felix.fileinstall.filename");

    private Values() {
    }

    /** @return the values of a dictionary without the managed keys, sorted, or {@code null} for {@code null} */
    static Map<String, Object> of(Dictionary<String, ?> d) {
        if (d == null) {
            return null;
        }
        Map<String, Object> m = new TreeMap<>();
        for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!MANAGED.contains(k)) {
                m.put(k, d.get(k));
            }
        }
        return m;
    }

    static Map<String, Object> withoutManaged(Map<String, ?> props) {
        Map<String, Object> m = new TreeMap<>();
        if (props != null) {
            props.forEach((k, v) -> {
                if (!MANAGED.contains(k) && !k.startsWith("component.")) {
                    m.put(k, v);
                }
            });
        }
        return m;
    }

    static Hashtable<String, Object> table(Map<String, Object> values) {
        return new Hashtable<>(values);
    }

    static boolean equal(Map<String, Object> a, Map<String, Object> b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (String k : a.keySet()) {
            if (!same(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }

    static boolean same(Object x, Object y) {
        if (x != null && y != null && x.getClass().isArray() && y.getClass().isArray()) {
            return Objects.deepEquals(list(x), list(y));
        }
        if (x instanceof Collection<?> && y != null && y.getClass().isArray()) {
            return new ArrayList<>((Collection<?>) x).equals(list(y));
        }
        if (y instanceof Collection<?> && x != null && x.getClass().isArray()) {
            return new ArrayList<>((Collection<?>) y).equals(list(x));
        }
        return Objects.equals(x, y);
    }

    /** @return an array or collection as a list, anything else as a list of one */
    static List<Object> list(Object v) {
        List<Object> l = new ArrayList<>();
        if (v != null && v.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(v); i++) {
                l.add(Array.get(v, i));
            }
        } else if (v instanceof Collection<?>) {
            l.addAll((Collection<?>) v);
        } else if (v != null) {
            l.add(v);
        }
        return l;
    }

    /** @return a value for people: lists as {@code [a, b]}, secret keys masked */
    static String show(String key, Object v) {
        if (ConfigFile.secret(key)) {
            return MASK;
        }
        if (v != null && (v.getClass().isArray() || v instanceof Collection<?>)) {
            return list(v).toString();
        }
        return String.valueOf(v);
    }

    /** @return the values for people and the journal: secret-looking keys masked, arrays as lists */
    static Map<String, Object> masked(Map<String, Object> values) {
        Map<String, Object> m = new TreeMap<>();
        if (values != null) {
            values.forEach((k, v) -> m.put(k, ConfigFile.secret(k) ? MASK
                    : v != null && (v.getClass().isArray() || v instanceof Collection<?>) ? plain(list(v)) : plain(v)));
        }
        return m;
    }

    private static Object plain(Object v) {
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(e -> out.add(plain(e)));
            return out;
        }
        return v instanceof String || v instanceof Number || v instanceof Boolean || v == null ? v : String.valueOf(v);
    }

    /**
     * @return one text per difference: {@code key: old -> new}, {@code +key = new}, {@code -key (was old)}; masked
     */
    static List<String> diff(Map<String, Object> before, Map<String, Object> after) {
        Map<String, Object> b = before == null ? Map.of() : before;
        Map<String, Object> a = after == null ? Map.of() : after;
        Set<String> keys = new TreeSet<>(b.keySet());
        keys.addAll(a.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            boolean inB = b.containsKey(k);
            boolean inA = a.containsKey(k);
            if (inB && inA) {
                if (!same(b.get(k), a.get(k))) {
                    out.add(k + ": " + show(k, b.get(k)) + " -> " + show(k, a.get(k))
                            + (ConfigFile.secret(k) ? " (changed)" : ""));
                }
            } else if (inA) {
                out.add("+" + k + " = " + show(k, a.get(k)));
            } else {
                out.add("-" + k + " (was " + show(k, b.get(k)) + ")");
            }
        }
        return out;
    }

    /** @return the values in the typed {@code .config} format, or {@code null} for {@code null} */
    static String text(Map<String, Object> values) {
        if (values == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ConfigurationHandler.write(out, table(values));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write configuration values: " + e, e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** @return values written by {@link #text}, or {@code null} for {@code null} */
    static Map<String, Object> parse(String text) throws IOException {
        if (text == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Dictionary<String, ?> d = ConfigurationHandler.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        return of(d);
    }
}
