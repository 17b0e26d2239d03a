package dev.revisor.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Entry point of {@code bin/revisor}. Parses the command line and hands over to the command; only {@code run}
 * touches the framework and Gson, so the client commands ({@code start}, {@code status}, {@code exec}, {@code stop},
 * {@code log}, {@code help}) load neither.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (ClientArchive.beforeCommand()) {
            int rerun = ClientArchive.rerun(args);
            if (rerun >= 0) {
                System.exit(rerun);
            }
        }
        int status = run(args, System.getenv(), Layout.distributionDirectory(), System.out, System.err);
        System.out.flush();
        ClientArchive.afterCommand();
        System.exit(status);
    }

    /** Runs one command and returns its exit status (see {@link ExitCodes}). */
    static int run(String[] args, Map<String, String> env, Path distribution, PrintStream out, PrintStream err) {
        return run(args, env, distribution, System.in, out, err);
    }

    /** Runs one command, {@code exec -} reading its command lines from {@code in}. */
    static int run(String[] args, Map<String, String> env, Path distribution, InputStream in, PrintStream out,
            PrintStream err) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(FleetVerb.rewrite(args, Path.of("")));
        } catch (UsageException e) {
            err.println("revisor: " + e.getMessage());
            Usage.printShort(err);
            return ExitCodes.USAGE;
        }
        if (arguments.command == Arguments.Command.HELP) {
            Usage.print(out);
            return ExitCodes.OK;
        }
        if (arguments.command == Arguments.Command.VERSION) {
            out.println("revisor " + Version.get());
            return ExitCodes.OK;
        }
        Layout layout = new Layout(distribution, arguments.resolveHome(env, distribution));
        switch (arguments.command) {
            case EXEC:
                long timeoutMillis;
                try {
                    timeoutMillis = arguments.execTimeoutMillis(env);
                } catch (UsageException e) {
                    err.println("revisor: " + e.getMessage());
                    return ExitCodes.USAGE;
                }
                ExecClient client = new ExecClient(layout.controlSocket(), layout.home, out, err, timeoutMillis);
                if (arguments.waitSeconds > 0) {
                    int prepared = client.prepare(); // the socket set-up while the instance starts
                    if (prepared != ExitCodes.OK) {
                        return prepared;
                    }
                    if (!InstanceWait.await(InstanceInfo.file(layout), InstanceWait.of(layout),
                            arguments.waitSeconds * 1000)) {
                        err.println("revisor: no instance in " + layout.home + " was ready within --wait "
                                + arguments.waitSeconds + " s; trying its control socket anyway");
                    }
                }
                if (arguments.batchSource == null) {
                    return client.execute(arguments.commandLine);
                }
                return BatchCommand.run(client, arguments.batchSource, arguments.keepGoing, in, err);
            case STOP:
                return new StopCommand(layout, out, err).stop(arguments.stopTimeoutSeconds);
            case START:
                return new StartCommand(layout, out, err, env).start(arguments.startTimeoutSeconds);
            case RESTART:
                int stopped = new StopCommand(layout, out, err).stop(arguments.stopTimeoutSeconds);
                if (stopped != ExitCodes.OK) {
                    return stopped;
                }
                return new StartCommand(layout, out, err, env).start(arguments.startTimeoutSeconds);
            case STATUS:
                return new StatusCommand(layout, out, err).status(arguments.statusTimeoutSeconds,
                        arguments.waitSeconds);
            case LOG:
                return new LogCommand(layout, out, err).log(arguments.lines, arguments.follow);
            default:
                return Launcher.runForeground(layout, out, err);
        }
    }
}
