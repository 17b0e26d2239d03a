package org.example.utils.json;

/**
 * JSON helpers (new in org.example.utils 3.0).
 */
public final class Json {
    private Json() {
    }

    /**
     * @param text any text
     * @return it as a JSON string literal
     */
    public static String quote(String text) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.append('"').toString();
    }
}
