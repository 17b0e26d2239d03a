package dev.revisor.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code exec -} and {@code exec --file F}: runs the command lines of a {@link BatchInput} one after the other over
 * one connection to the control socket, each line's output copied out in order.
 * <p>
 * Exit status: that of the first line that failed, 0 if none did. By default the batch stops at the first failure
 * (as {@code sh -e} does) and says which line it was and how many were not run; with {@code --keep-going} it runs
 * every line, over a new connection after each failure, and names the first failure at the end. A connection that
 * cannot be made (no instance, permission denied, timed out) ends the batch either way.
 * <p>
 * Runs on the client's main thread; kept free of lambdas and libraries, like {@link ExecClient}.
 */
final class BatchCommand {
    private final ExecClient client;
    private final boolean keepGoing;

    BatchCommand(ExecClient client, boolean keepGoing) {
        this.client = client;
        this.keepGoing = keepGoing;
    }

    /**
     * Reads the batch from {@code source} ({@code -}: {@code in}) and runs it; a batch that cannot be read runs
     * nothing and exits {@link ExitCodes#NO_INPUT}. (Here, not in {@link Main}, so that a single {@code exec} loads no
     * class of the batch mode.)
     */
    static int run(ExecClient client, String source, boolean keepGoing, InputStream in, PrintStream err) {
        List<BatchInput.Line> lines;
        try {
            lines = BatchInput.read(source, in);
        } catch (BatchInput.BadInput e) {
            err.println("revisor: " + e.getMessage());
            return ExitCodes.NO_INPUT;
        }
        return new BatchCommand(client, keepGoing).run(lines, source);
    }

    /**
     * @param lines  the command lines
     * @param source where they came from, for messages ({@code -} or the file)
     * @return the exit status of the first line that failed; 0 if none did or there were none
     */
    int run(List<BatchInput.Line> lines, String source) {
        int firstStatus = ExitCodes.OK;
        BatchInput.Line firstFailed = null;
        int failed = 0;
        boolean connected = false;
        try {
            for (int i = 0; i < lines.size(); i++) {
                BatchInput.Line line = lines.get(i);
                if (!connected) {
                    int opened = client.open();
                    if (opened != ExitCodes.OK) {
                        return firstStatus != ExitCodes.OK ? firstStatus : opened;
                    }
                    connected = true;
                }
                boolean last = i == lines.size() - 1;
                int status = client.send(line.bytes, !last);
                if (status == ExitCodes.OK) {
                    continue;
                }
                // the instance may have closed the connection (a refused or timed-out line): start afresh
                client.close();
                connected = false;
                failed++;
                if (firstFailed == null) {
                    firstFailed = line;
                    firstStatus = status;
                }
                if (!keepGoing) {
                    int left = lines.size() - 1 - i;
                    client.message("revisor: stopped at line " + line.number + " of " + BatchInput.describe(source)
                            + " (exit status " + status + ")" + (left == 0 ? "" : "; " + left + " more command "
                            + (left == 1 ? "line was" : "lines were") + " not run (--keep-going runs them)"));
                    return status;
                }
            }
        } finally {
            client.close();
        }
        if (failed > 0) {
            client.message("revisor: " + failed + " of " + lines.size() + " command lines failed; the first at line "
                    + firstFailed.number + " of " + BatchInput.describe(source) + " (exit status " + firstStatus
                    + ")");
        }
        return firstStatus;
    }
}
