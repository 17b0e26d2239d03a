package dev.revisor.launcher;

import java.nio.file.Path;

/** Checked parsing of the numeric values of etc/ files. */
final class Numbers {
    private Numbers() {
    }

    /** Parses {@code value} as an integer of at least {@code min}; the error names the file, the key and the value. */
    static int parse(String value, int min, String key, Path file, String what) throws ConfigException {
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(file + ": " + key + " must be " + what + " (an integer >= " + min + "), not '"
                + value + "'");
    }
}
