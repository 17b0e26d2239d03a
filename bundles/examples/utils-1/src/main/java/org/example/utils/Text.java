package org.example.utils;

import java.util.Locale;

/**
 * An immutable piece of text (version 1.x of the library).
 */
public final class Text {
    private final String value;

    private Text(String value) {
        this.value = value;
    }

    /**
     * @param value the text
     * @return it, wrapped
     */
    public static Text of(String value) {
        return new Text(value == null ? "" : value);
    }

    /** @return the text in lower case, its words joined by '-' */
    public Text slug() {
        return new Text(String.join("-", value.trim().toLowerCase(Locale.ROOT).split("\\s+")));
    }

    /**
     * Removed in 2.0.
     *
     * @param width the least length
     * @return the text, padded with blanks on the right to {@code width}
     */
    public Text pad(int width) {
        StringBuilder b = new StringBuilder(value);
        while (b.length() < width) {
            b.append(' ');
        }
        return new Text(b.toString());
    }

    /** @return the text */
    public String value() {
        return value;
    }

    /** @return the version of the library that answers this call (a method, so that callers do not inline it) */
    public static String libraryVersion() {
        return "1.0.0";
    }

    @Override
    public String toString() {
        return value;
    }
}
