package dev.revisor.launcher;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * The parsed command line of {@code bin/revisor}.
 *
 * <pre>
 * revisor [--home DIR] [run]
 * revisor [--home DIR] exec [--timeout SECONDS] [--] COMMAND LINE...
 * revisor [--home DIR] stop [--timeout SECONDS]
 * revisor help | -h | --help
 * </pre>
 * Options may stand before or after the command word. For {@code exec}, the first word that is not an option (or
 * everything after {@code --}) starts the Gogo command line; its words are joined with single spaces.
 */
final class Arguments {
    enum Command { RUN, EXEC, STOP, HELP }

    static final long DEFAULT_STOP_TIMEOUT_SECONDS = 60;

    final Command command;
    /** The value of {@code --home}, or null. */
    final String home;
    /** For EXEC: the Gogo command line. */
    final String commandLine;
    /** For STOP: how long to wait for the instance to exit. */
    final long stopTimeoutSeconds;
    /** For EXEC: the value of {@code --timeout}, or null. */
    final String execTimeout;

    private Arguments(Command command, String home, String commandLine, long stopTimeoutSeconds) {
        this(command, home, commandLine, stopTimeoutSeconds, null);
    }

    private Arguments(Command command, String home, String commandLine, long stopTimeoutSeconds,
            String execTimeout) {
        this.command = command;
        this.home = home;
        this.commandLine = commandLine;
        this.stopTimeoutSeconds = stopTimeoutSeconds;
        this.execTimeout = execTimeout;
    }

    static Arguments parse(String[] args) throws UsageException {
        Command command = null;
        String home = null;
        String timeout = null;
        StringBuilder line = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (line != null) {
                // inside an exec command line: every word belongs to it
                if (line.length() > 0) {
                    line.append(' ');
                }
                line.append(arg);
                continue;
            }
            if (arg.equals("--")) {
                if (command != Command.EXEC) {
                    throw new UsageException("'--' is only allowed after 'exec', before the command line");
                }
                line = new StringBuilder();
            } else if (arg.equals("--home") || arg.startsWith("--home=")) {
                String value = optionValue(args, i, "--home");
                if (!arg.contains("=")) {
                    i++;
                }
                if (value.isEmpty()) {
                    throw new UsageException("--home needs a directory");
                }
                home = value;
            } else if (arg.equals("--timeout") || arg.startsWith("--timeout=")) {
                timeout = optionValue(args, i, "--timeout");
                if (!arg.contains("=")) {
                    i++;
                }
            } else if (arg.equals("-h") || arg.equals("--help")) {
                return new Arguments(Command.HELP, home, null, DEFAULT_STOP_TIMEOUT_SECONDS);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException("unknown option '" + arg + "'");
            } else if (command == null) {
                command = command(arg);
            } else if (command == Command.EXEC) {
                line = new StringBuilder(arg);
            } else {
                throw new UsageException("unexpected argument '" + arg + "' after '" + name(command) + "'");
            }
        }
        if (command == null) {
            command = Command.RUN;
        }
        if (command == Command.HELP) {
            return new Arguments(Command.HELP, home, null, DEFAULT_STOP_TIMEOUT_SECONDS);
        }
        if (command == Command.EXEC && (line == null || line.toString().isBlank())) {
            throw new UsageException("exec needs a command line, for example: revisor exec 'lb'");
        }
        long stopTimeout = DEFAULT_STOP_TIMEOUT_SECONDS;
        if (timeout != null) {
            if (command == Command.EXEC) {
                execTimeoutMillis(timeout, "--timeout"); // checked now, used by execTimeoutMillis(env)
                return new Arguments(command, home, line.toString(), stopTimeout, timeout);
            }
            if (command != Command.STOP) {
                throw new UsageException("--timeout is an option of 'exec' and 'stop' only");
            }
            stopTimeout = positiveSeconds(timeout);
        }
        return new Arguments(command, home, line == null ? null : line.toString(), stopTimeout);
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

    private static long positiveSeconds(String value) throws UsageException {
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--timeout needs a positive number of seconds, not '" + value + "'");
    }

    private static Command command(String word) throws UsageException {
        if (word.equals("run")) {
            return Command.RUN;
        } else if (word.equals("exec")) {
            return Command.EXEC;
        } else if (word.equals("stop")) {
            return Command.STOP;
        } else if (word.equals("help")) {
            return Command.HELP;
        }
        throw new UsageException("unknown command '" + word + "'");
    }

    private static String name(Command command) {
        return command.name().toLowerCase(java.util.Locale.ROOT);
    }
}
