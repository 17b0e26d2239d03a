package dev.revisor.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Entry point of {@code bin/revisor}. Parses the command line and hands over to the command; only {@code run}
 * touches the framework and Gson, so {@code exec}, {@code stop} and {@code help} load neither.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, System.getenv(), Layout.distributionDirectory(), System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command and returns its exit status (see {@link ExitCodes}). */
    static int run(String[] args, Map<String, String> env, Path distribution, PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (UsageException e) {
            err.println("revisor: " + e.getMessage());
            err.println();
            Usage.print(err);
            return ExitCodes.USAGE;
        }
        if (arguments.command == Arguments.Command.HELP) {
            Usage.print(out);
            return ExitCodes.OK;
        }
        Layout layout = new Layout(distribution, arguments.resolveHome(env, distribution));
        if (arguments.command == Arguments.Command.EXEC) {
            long timeoutMillis;
            try {
                timeoutMillis = arguments.execTimeoutMillis(env);
            } catch (UsageException e) {
                err.println("revisor: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            return new ExecClient(layout.controlSocket(), layout.home, out, err, timeoutMillis)
                    .execute(arguments.commandLine);
        }
        if (arguments.command == Arguments.Command.STOP) {
            return new StopCommand(layout, out, err).stop(arguments.stopTimeoutSeconds);
        }
        return Launcher.runForeground(layout, out, err);
    }
}
