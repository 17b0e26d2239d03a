package dev.revisor.launcher;

/** A feature descriptor the launcher cannot use; the message names the file and the problem. */
final class FeatureException extends Exception {
    private static final long serialVersionUID = 1L;

    FeatureException(String message) {
        super(message);
    }
}
