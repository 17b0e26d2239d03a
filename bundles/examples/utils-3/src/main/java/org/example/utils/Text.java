package org.example.utils;

import java.util.Locale;

/**
 * An immutable piece of text (version 3.x of the library: {@code truncate} is new).
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

    /**
     * Changed in 2.0: the separator is no longer always '-'.
     *
     * @param separator what joins the words
     * @return the text in lower case, its words joined by {@code separator}
     */
    public Text slug(char separator) {
        return new Text(String.join(String.valueOf(separator), value.trim().toLowerCase(Locale.ROOT).split("\\s+")));
    }

    /**
     * New in 3.0.
     *
     * @param length the greatest length
     * @return the text, cut to at most {@code length} characters
     */
    public Text truncate(int length) {
        return new Text(value.length() <= length ? value : value.substring(0, length));
    }

    /** @return the text */
    public String value() {
        return value;
    }

    /** @return the version of the library that answers this call (a method, so that callers do not inline it) */
    public static String libraryVersion() {
        return "3.0.0";
    }

    @Override
    public String toString() {
        return value;
    }
}
