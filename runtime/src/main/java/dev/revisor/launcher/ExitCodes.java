package dev.revisor.launcher;

/** Exit statuses of {@code bin/revisor}; documented in docs/running.md, docs/control-socket.md and README.md. */
final class ExitCodes {
    /** Success; for {@code run}: the framework stopped cleanly (SIGTERM, {@code bin/revisor stop}, {@code stop 0}). */
    static final int OK = 0;
    /** Failure: a startup failure of {@code run}, a failed command for {@code exec}, a stop that did not finish. */
    static final int FAILURE = 1;
    /** {@code exec} and {@code stop}: no instance runs in the home. */
    static final int NO_INSTANCE = 2;
    /**
     * {@code exec}: permission denied: this user may not enter the socket's directory or connect to the socket, or
     * the instance refused this user (peer credentials; sysexits' EX_NOPERM).
     */
    static final int PERMISSION_DENIED = 77;
    /**
     * {@code exec}: timed out: the instance did not accept, read or answer within the timeout, or the command ran past
     * the instance's command.timeout.ms (as timeout(1) exits).
     */
    static final int TIMED_OUT = 124;
    /** {@code exec -} / {@code exec --file}: the batch input cannot be read or used (sysexits' EX_NOINPUT). */
    static final int NO_INPUT = 66;
    /** Bad command line (unknown option or command, missing value): the usage goes to standard error. */
    static final int USAGE = 64;

    private ExitCodes() {
    }
}
