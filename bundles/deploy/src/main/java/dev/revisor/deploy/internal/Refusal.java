package dev.revisor.deploy.internal;

/**
 * A check that an incoming jar did not pass: nothing was changed, and {@link #getMessage()} says why in plain words
 * (it is what the user reads in {@code NAME.jar.failed}).
 */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    /** The check that failed: {@code permissions}, {@code size}, {@code zip}, {@code entry}, {@code manifest}, ... */
    private final String check;

    Refusal(String check, String message) {
        super(message, null, false, false);
        this.check = check;
    }

    String check() {
        return check;
    }
}
