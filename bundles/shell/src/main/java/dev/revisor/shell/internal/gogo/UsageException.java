package dev.revisor.shell.internal.gogo;

/**
 * A command was called wrongly: the message says what was wrong and ends with the command's usage. Its
 * {@link #toString()} is the message alone, because the console prints a failed command's exception with
 * {@code toString()} and a class name in front of a usage text helps nobody.
 */
public final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param problem what was wrong, e.g. {@code audit:why: missing BUNDLE}
     * @param usage   the command's usage
     */
    public UsageException(String problem, String usage) {
        super(problem + "\n" + usage.stripTrailing());
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
