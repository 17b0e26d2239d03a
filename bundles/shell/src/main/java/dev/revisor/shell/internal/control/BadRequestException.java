package dev.revisor.shell.internal.control;

/**
 * A request that breaks protocol version 1 (docs/control-socket.md): wrong magic, version, operation or length,
 * a truncated request, or one that did not arrive in time. The message says what was wrong, without the
 * {@code "bad request: "} prefix that the server puts in front of it on the {@code E} frame.
 */
final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
        super(message);
    }
}
