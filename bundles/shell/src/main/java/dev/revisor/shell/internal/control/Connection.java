package dev.revisor.shell.internal.control;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.log.Logger;

/**
 * One client connection: read the request, run the command line in a fresh Gogo session whose output and
 * error streams send {@code O} and {@code E} frames, answer {@code R} with the exit status, close.
 * <p>
 * Concurrent Semantics: runs on one pool thread; {@link #abort()} may be called from any thread.
 */
final class Connection implements Runnable {
    private static final byte[] NO_INPUT = new byte[0];
    /** At most this many reads of 8 KiB drop unread request bytes before the close. */
    private static final int DRAIN_ROUNDS = 16;

    private final SocketChannel channel;
    private final CommandProcessor processor;
    private final ControlServer.Settings settings;
    private final Logger logger;
    private final BooleanSupplier stopping;
    private final Runnable done;

    /**
     * @param stopping whether the server is shutting down (an interrupt then means "stop", not a command failure)
     * @param done     run once when the connection is closed, whatever happened
     */
    Connection(SocketChannel channel, CommandProcessor processor, ControlServer.Settings settings, Logger logger,
            BooleanSupplier stopping, Runnable done) {
        this.channel = channel;
        this.processor = processor;
        this.settings = settings;
        this.logger = logger;
        this.stopping = stopping;
        this.done = done;
    }

    @Override
    public void run() {
        try {
            serve();
        } finally {
            finish();
            done.run();
        }
    }

    /**
     * Ends the answer, drops request bytes the client sent beyond what was read (a refused request) and closes.
     * Closing a Unix socket with unread input makes the kernel reset the connection, and the client would see
     * an error instead of the end of the stream; bytes still in flight can cause that anyway, so clients stop
     * reading at the R frame.
     */
    private void finish() {
        try {
            channel.shutdownOutput();
            channel.configureBlocking(false);
            ByteBuffer discard = ByteBuffer.allocate(8192);
            for (int i = 0; i < DRAIN_ROUNDS && channel.read(discard.clear()) > 0; i++) {
                // discard
            }
        } catch (IOException e) {
            // the client is gone already
        } finally {
            abort();
        }
    }

    /** Closes the connection: a writer blocked on a client that does not read is released. */
    void abort() {
        try {
            channel.close();
        } catch (IOException e) {
            logger.debug("control socket: closing a connection failed: {}", e.toString());
        }
    }

    private void serve() {
        FrameSink sink = new FrameSink(channel,
                e -> logger.debug("control socket: the client went away, its output is discarded: {}", e.toString()));
        String line;
        try {
            line = RequestReader.read(channel, settings.maxRequestBytes(), settings.requestTimeoutMillis());
        } catch (BadRequestException e) {
            logger.warn("control socket: bad request: {}", e.getMessage());
            sink.write(ControlProtocol.FRAME_ERR, utf8("bad request: " + e.getMessage() + "\n"));
            sink.status(1);
            return;
        } catch (IOException e) {
            logger.debug("control socket: no request read: {}", e.toString());
            return;
        }
        logger.debug("control socket: executing {}", line);
        int status = execute(line, sink);
        sink.status(status);
    }

    /** @return the exit status: 0 success, 1 the command threw */
    private int execute(String line, FrameSink sink) {
        FrameOutputStream outFrames = new FrameOutputStream(sink, ControlProtocol.FRAME_OUT);
        FrameOutputStream errFrames = new FrameOutputStream(sink, ControlProtocol.FRAME_ERR);
        PrintStream out = new PrintStream(outFrames, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errFrames, true, StandardCharsets.UTF_8);
        InputStream in = new ByteArrayInputStream(NO_INPUT);
        CommandSession session = null;
        try {
            session = processor.createSession(in, out, err);
            Object result = session.execute(line);
            out.flush();
            err.flush();
            if (result != null) {
                String text = String.valueOf(session.format(result, Converter.INSPECT));
                if (!text.isEmpty()) {
                    sink.write(ControlProtocol.FRAME_OUT, utf8(text.endsWith("\n") ? text : text + "\n"));
                }
            }
            return 0;
        } catch (Throwable t) { // a command's failure is the client's business, whatever its kind
            out.flush();
            err.flush();
            sink.write(ControlProtocol.FRAME_ERR, utf8(failureMessage(t) + "\n"));
            if (t instanceof Error) {
                logger.error("control socket: command '{}' failed", line, t);
            } else {
                logger.debug("control socket: command '{}' failed: {}", line, t.toString());
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return 1;
        } finally {
            if (session != null) {
                try {
                    session.close();
                } catch (RuntimeException e) {
                    logger.debug("control socket: closing the session of '{}' failed: {}", line, e.toString());
                }
            }
            out.flush();
            err.flush();
        }
    }

    private String failureMessage(Throwable t) {
        if (t instanceof InterruptedException && stopping.getAsBoolean()) {
            return "interrupted: the control socket is stopping";
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getName() : message;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
