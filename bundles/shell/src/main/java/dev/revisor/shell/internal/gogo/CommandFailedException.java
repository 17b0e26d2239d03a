package dev.revisor.shell.internal.gogo;

/**
 * A command refused its arguments with an {@link IllegalArgumentException} of its own (the convention for bad
 * input): the same message, whose {@link #toString()} is the message alone, so that the console prints
 * "--since 'yesterday' is neither ..." rather than "java.lang.IllegalArgumentException: --since ...". The command's
 * exception is the cause.
 */
public final class CommandFailedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param cause the command's exception */
    public CommandFailedException(IllegalArgumentException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public String toString() {
        String message = getMessage();
        return message == null || message.isBlank() ? getCause().toString() : message;
    }
}
