package dev.revisor.launcher;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parsed command line of {@code bin/revisor}.
 *
 * <pre>
 * revisor [--home DIR] [run]
 * revisor [--home DIR] start [--timeout SECONDS]
 * revisor [--home DIR] stop [--timeout SECONDS]
 * revisor [--home DIR] restart [--timeout SECONDS]
 * revisor [--home DIR] status [--timeout SECONDS] [--wait SECONDS]
 * revisor [--home DIR] exec [--timeout SECONDS] [--wait SECONDS] [--] COMMAND LINE...
 * revisor [--home DIR] exec [--timeout SECONDS] [--wait SECONDS] [--keep-going] - | --file FILE
 * revisor [--home DIR] log [-f] [-n LINES]
 * revisor version | --version
 * revisor help | -h | --help
 * </pre>
 * Options may stand before or after the command word. For {@code exec}, the first word that is not an option (or
 * everything after {@code --}) starts the Gogo command line; its words are joined with single spaces. A command line
 * of just {@code -} reads a batch of command lines from standard input instead, {@code --file FILE} from a file.
 */
final class Arguments {
    enum Command { RUN, START, STOP, RESTART, STATUS, EXEC, LOG, VERSION, HELP }

    /** The command words, as typed. */
    static final List<String> WORDS = List.of("run", "start", "stop", "restart", "status", "exec", "log", "version",
            "help");

    static final long DEFAULT_STOP_TIMEOUT_SECONDS = 60;
    /** How long {@code start} waits for the instance to become ready. */
    static final long DEFAULT_START_TIMEOUT_SECONDS = 120;
    /** How long {@code status} waits for the instance to answer. */
    static final long DEFAULT_STATUS_TIMEOUT_SECONDS = 10;
    /** How many lines {@code log} prints first. */
    static final int DEFAULT_LOG_LINES = 20;

    final Command command;
    /** The value of {@code --home}, or null. */
    final String home;
    /** For EXEC: the Gogo command line; null for a batch. */
    final String commandLine;
    /** For EXEC: where a batch of command lines comes from, {@code -} (standard input) or a file; else null. */
    final String batchSource;
    /** For a batch: run every line even after a failure ({@code --keep-going}). */
    final boolean keepGoing;
    /** For STOP and RESTART: how long to wait for the instance to exit. */
    final long stopTimeoutSeconds;
    /** For START and RESTART: how long to wait for the instance to become ready. */
    final long startTimeoutSeconds;
    /** For STATUS: how long to wait for the instance's answer. */
    final long statusTimeoutSeconds;
    /**
     * For STATUS and EXEC: how long to wait for a starting instance to become ready (as {@code start} means it)
     * before reporting, or before sending the first command line (0: do not wait).
     */
    final long waitSeconds;
    /** For EXEC: the value of {@code --timeout}, or null. */
    final String execTimeout;
    /** For LOG: follow the file ({@code -f}). */
    final boolean follow;
    /** For LOG: how many of the last lines to print first ({@code -n}). */
    final int lines;

    private Arguments(Builder b) {
        this.command = b.command;
        this.home = b.home;
        this.batchSource = b.batchSource;
        this.commandLine = b.line == null || b.batchSource != null ? null : b.line.toString();
        this.keepGoing = b.keepGoing;
        this.stopTimeoutSeconds = b.stopTimeout;
        this.startTimeoutSeconds = b.startTimeout;
        this.statusTimeoutSeconds = b.statusTimeout;
        this.waitSeconds = b.wait;
        this.execTimeout = b.execTimeout;
        this.follow = b.follow;
        this.lines = b.lines;
    }

    private static final class Builder {
        Command command;
        String home;
        StringBuilder line;
        String timeout;
        String waitValue;
        String linesValue;
        boolean follow;
        long stopTimeout = DEFAULT_STOP_TIMEOUT_SECONDS;
        long startTimeout = DEFAULT_START_TIMEOUT_SECONDS;
        long statusTimeout = DEFAULT_STATUS_TIMEOUT_SECONDS;
        long wait;
        String execTimeout;
        int lines = DEFAULT_LOG_LINES;
        String file;
        String batchSource;
        boolean keepGoing;
    }

    static Arguments parse(String[] args) throws UsageException {
        Builder b = new Builder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (b.line != null) {
                // inside an exec command line: every word belongs to it
                if (b.line.length() > 0) {
                    b.line.append(' ');
                }
                b.line.append(arg);
                continue;
            }
            if (arg.equals("--")) {
                if (b.command != Command.EXEC) {
                    throw new UsageException("'--' is only allowed after 'exec', before the command line");
                }
                b.line = new StringBuilder();
            } else if (is(arg, "--home")) {
                String value = optionValue(args, i, "--home");
                i += arg.contains("=") ? 0 : 1;
                if (value.isEmpty()) {
                    throw new UsageException("--home needs a directory");
                }
                b.home = value;
            } else if (is(arg, "--timeout")) {
                b.timeout = optionValue(args, i, "--timeout");
                i += arg.contains("=") ? 0 : 1;
            } else if (is(arg, "--wait")) {
                b.waitValue = optionValue(args, i, "--wait");
                i += arg.contains("=") ? 0 : 1;
            } else if (arg.equals("-n") || is(arg, "--lines")) {
                b.linesValue = optionValue(args, i, arg.startsWith("--") ? "--lines" : "-n");
                i += arg.contains("=") ? 0 : 1;
            } else if (is(arg, "--file")) {
                b.file = optionValue(args, i, "--file");
                i += arg.contains("=") ? 0 : 1;
                if (b.file.isEmpty()) {
                    throw new UsageException("--file needs the path of a file of command lines");
                }
            } else if (arg.equals("--keep-going")) {
                b.keepGoing = true;
            } else if (arg.equals("-f") || arg.equals("--follow")) {
                b.follow = true;
            } else if (arg.equals("-h") || arg.equals("--help")) {
                b.command = Command.HELP;
                return new Arguments(b);
            } else if (arg.equals("--version") || arg.equals("-V")) {
                b.command = Command.VERSION;
                return new Arguments(b);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException("unknown option '" + arg + "'");
            } else if (b.command == null) {
                b.command = command(arg);
            } else if (b.command == Command.EXEC) {
                b.line = new StringBuilder(arg);
            } else {
                throw new UsageException("unexpected argument '" + arg + "' after '" + name(b.command) + "'");
            }
        }
        if (b.command == null) {
            b.command = Command.RUN;
        }
        if (b.command == Command.HELP || b.command == Command.VERSION) {
            return new Arguments(b);
        }
        checkBatch(b);
        if (b.command == Command.EXEC && b.batchSource == null && (b.line == null || b.line.toString().isBlank())) {
            throw new UsageException("exec needs a command line, for example: revisor exec 'lb'; or '-' to read"
                    + " command lines from standard input, or --file FILE");
        }
        checkTimeout(b);
        if (b.waitValue != null) {
            if (b.command != Command.STATUS && b.command != Command.EXEC) {
                throw new UsageException("--wait is an option of 'status' and 'exec' only");
            }
            b.wait = seconds(b.waitValue, "--wait", 0);
        }
        if (b.linesValue != null) {
            only(b, "-n", Command.LOG);
            b.lines = (int) Math.min(Integer.MAX_VALUE, seconds(b.linesValue, "-n", 0, "a number of lines"));
        }
        if (b.follow) {
            only(b, "-f", Command.LOG);
        }
        return new Arguments(b);
    }

    private static void checkBatch(Builder b) throws UsageException {
        boolean dash = b.line != null && (b.line.toString().equals("-") || b.line.toString().startsWith("- "));
        if (b.file != null) {
            only(b, "--file", Command.EXEC);
            if (b.line != null && !b.line.toString().isBlank()) {
                throw new UsageException("exec --file " + b.file + " runs the command lines of that file; it takes no"
                        + " command line of its own ('" + b.line + "')");
            }
            b.batchSource = b.file;
        } else if (dash) {
            if (!b.line.toString().equals("-")) {
                throw new UsageException("exec - reads the command lines from standard input; it takes no command"
                        + " line of its own ('" + b.line.substring(2) + "')");
            }
            b.batchSource = "-";
        }
        if (b.keepGoing && b.batchSource == null) {
            throw new UsageException("--keep-going is an option of 'exec -' and 'exec --file FILE' only");
        }
    }

    private static void checkTimeout(Builder b) throws UsageException {
        if (b.timeout == null) {
            return;
        }
        switch (b.command) {
            case EXEC:
                execTimeoutMillis(b.timeout, "--timeout"); // checked now, used by execTimeoutMillis(env)
                b.execTimeout = b.timeout;
                break;
            case STOP:
                b.stopTimeout = seconds(b.timeout, "--timeout", 1);
                break;
            case START:
                b.startTimeout = seconds(b.timeout, "--timeout", 1);
                break;
            case RESTART:
                b.stopTimeout = seconds(b.timeout, "--timeout", 1);
                b.startTimeout = b.stopTimeout;
                break;
            case STATUS:
                b.statusTimeout = seconds(b.timeout, "--timeout", 1);
                break;
            default:
                throw new UsageException("--timeout is an option of 'start', 'stop', 'restart', 'status' and 'exec'"
                        + " only");
        }
    }

    private static void only(Builder b, String option, Command command) throws UsageException {
        if (b.command != command) {
            throw new UsageException(option + " is an option of '" + name(command) + "' only");
        }
    }

    private static boolean is(String arg, String option) {
        return arg.equals(option) || arg.startsWith(option + "=");
    }

    /**
     * For EXEC: how long the client waits to connect and for each part of the answer, in milliseconds (0: no
     * limit): {@code --timeout}, else {@code REVISOR_EXEC_TIMEOUT}, else {@link ExecClient#DEFAULT_TIMEOUT_SECONDS}.
     */
    long execTimeoutMillis(Map<String, String> env) throws UsageException {
        if (execTimeout != null) {
            return execTimeoutMillis(execTimeout, "--timeout");
        }
        String fromEnv = env.get("REVISOR_EXEC_TIMEOUT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return execTimeoutMillis(fromEnv, "REVISOR_EXEC_TIMEOUT");
        }
        return ExecClient.DEFAULT_TIMEOUT_SECONDS * 1000;
    }

    /** Seconds, fractions allowed (0.5), 0 for no limit. */
    private static long execTimeoutMillis(String value, String source) throws UsageException {
        try {
            double seconds = Double.parseDouble(value.trim());
            if (seconds >= 0 && seconds <= 31_536_000 && !value.trim().startsWith("+")) {
                return Math.round(seconds * 1000);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(source + " needs a number of seconds (0: no limit), not '" + value + "'");
    }

    /**
     * The home directory: {@code --home} wins over {@code REVISOR_HOME}, which wins over the distribution directory.
     * Relative paths are taken from the current directory.
     */
    Path resolveHome(Map<String, String> env, Path distribution) {
        String chosen = home;
        if (chosen == null) {
            String fromEnv = env.get("REVISOR_HOME");
            if (fromEnv != null && !fromEnv.isEmpty()) {
                chosen = fromEnv;
            }
        }
        Path path = chosen == null ? distribution : Paths.get(chosen);
        return path.toAbsolutePath().normalize();
    }

    private static String optionValue(String[] args, int i, String option) throws UsageException {
        String arg = args[i];
        int eq = arg.indexOf('=');
        if (eq >= 0) {
            return arg.substring(eq + 1);
        }
        if (i + 1 >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i + 1];
    }

    private static long seconds(String value, String option, long min) throws UsageException {
        return seconds(value, option, min, min > 0 ? "a positive number of seconds" : "a number of seconds >= 0");
    }

    private static long seconds(String value, String option, long min, String what) throws UsageException {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && !value.trim().startsWith("+")) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(option + " needs " + what + ", not '" + value + "'");
    }

    private static Command command(String word) throws UsageException {
        if (WORDS.contains(word)) {
            return Command.valueOf(word.toUpperCase(Locale.ROOT));
        }
        String near = EtcCheck.closest(word, WORDS);
        throw new UsageException("unknown command '" + word + "'" + (near == null ? "" : "; did you mean '" + near
                + "'?"));
    }

    static String name(Command command) {
        return command.name().toLowerCase(Locale.ROOT);
    }
}
