package dev.revisor.shell.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them in a command line: {@code 500}, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. Stateless. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

    private Durations() {
    }

    /**
     * @param text   a number of milliseconds, or a number with {@code ms}, {@code s}, {@code m} or {@code h}
     * @param option the option it was given to, for the error message, e.g. {@code --timeout}
     * @return the duration in milliseconds
     * @throws IllegalArgumentException naming the option and the value when it is not a duration
     */
    static long millis(String text, String option) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a duration: give milliseconds (500) or a number"
                    + " with ms, s, m or h (500ms, 30s, 2m, 1h)");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        switch (unit) {
            case "s": return amount * 1_000;
            case "m": return amount * 60_000;
            case "h": return amount * 3_600_000;
            default: return amount;
        }
    }
}
