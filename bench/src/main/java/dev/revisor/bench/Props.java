package dev.revisor.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Line-based edits of a .properties text that keep its comments and order. */
public final class Props {
    private Props() {
    }

    /** Replaces the value of each key that is set in {@code text} (as {@code key = value} or {@code key=value}); appends the others. */
    public static String override(String text, Map<String, String> values) {
        Map<String, String> pending = new LinkedHashMap<>(values);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String trimmed = line.trim();
            String replaced = null;
            if (!trimmed.startsWith("#") && !trimmed.startsWith("!")) {
                for (Map.Entry<String, String> e : pending.entrySet()) {
                    if (trimmed.matches(java.util.regex.Pattern.quote(e.getKey()) + "\\s*[=:].*")) {
                        replaced = e.getKey() + " = " + e.getValue();
                        pending.remove(e.getKey());
                        break;
                    }
                }
            }
            out.append(replaced != null ? replaced : line).append('\n');
        }
        String s = out.substring(0, out.length() - 1);
        StringBuilder tail = new StringBuilder(s.endsWith("\n") || s.isEmpty() ? s : s + "\n");
        pending.forEach((k, v) -> tail.append(k).append(" = ").append(v).append('\n'));
        return tail.toString();
    }
}
