package dev.revisor.launcher;

/** A command line {@code bin/revisor} cannot understand; the message names the offending argument. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
