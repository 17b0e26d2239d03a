package dev.revisor.launcher;

/** A bad file or value the launcher cannot start with; the message names the file (and key) and the problem. */
final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
        super(message);
    }

    ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
