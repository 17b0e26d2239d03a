package dev.revisor.launcher;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The client side of the control socket (docs/control-socket.md, protocol version 1): sends a command line (or, for
 * {@link BatchCommand}, several over one connection), copies
 * {@code O} frames to standard output and {@code E} frames to standard error as they arrive, and returns the status of
 * the {@code R} frame.
 *
 * <p>Exit status: the {@code R} status (0 success, 1 the command failed or the request was refused, 77 the instance
 * refused this user, 124 the command ran past the instance's limit); 1 when the reply breaks the protocol or ends
 * before its {@code R} frame; 2 when no instance listens on the socket; 77 when this user may not reach the socket
 * (permission denied); 124 when connecting, sending or any wait for the next bytes of the answer takes longer than
 * the timeout (a suspended or wedged instance).
 *
 * <p>Every wait is bounded: the channel is non-blocking and waits in a selector of its own with the timeout.
 * Kept free of lambdas, String.format and any library so that the client JVM starts fast.
 */
final class ExecClient {
    static final byte[] MAGIC = {'R', 'V', 'S', 'R'};
    static final int VERSION = 1;
    static final int OP_EXECUTE = 'X';
    /** One command line of a batch: the instance keeps the connection open after the answer. */
    static final int OP_BATCH = 'B';
    static final int MAX_COMMAND_LINE = 1 << 20;
    /** The default of {@code --timeout} for exec (and of {@code REVISOR_EXEC_TIMEOUT}), in seconds. */
    static final long DEFAULT_TIMEOUT_SECONDS = 60;

    private final Path socket;
    private final Path home;
    private final OutputStream out;
    private final OutputStream err;
    private final long timeoutMillis;
    /** The open connection, between {@link #open} and {@link #close}. */
    private SocketChannel channel;
    private Selector selector;
    private SelectionKey key;
    private Input input;

    ExecClient(Path socket, Path home, OutputStream out, OutputStream err) {
        this(socket, home, out, err, DEFAULT_TIMEOUT_SECONDS * 1000);
    }

    /** @param timeoutMillis the longest wait for the connection and for each part of the answer; 0: no limit */
    ExecClient(Path socket, Path home, OutputStream out, OutputStream err, long timeoutMillis) {
        this.socket = socket;
        this.home = home;
        this.out = out;
        this.err = err;
        this.timeoutMillis = timeoutMillis;
    }

    /** The connection went quiet for longer than the timeout. */
    static final class TimedOut extends IOException {
        private static final long serialVersionUID = 1L;

        TimedOut(String what) {
            super(what);
        }
    }

    /** Runs one command line over a connection of its own ({@code exec 'COMMAND LINE'}). */
    int execute(String commandLine) {
        byte[] line = commandLine.getBytes(StandardCharsets.UTF_8);
        if (line.length > MAX_COMMAND_LINE) {
            message("revisor: the command line is " + line.length + " bytes long; the control socket takes at most "
                    + MAX_COMMAND_LINE);
            return ExitCodes.FAILURE;
        }
        int connected = open();
        if (connected != ExitCodes.OK) {
            return connected;
        }
        try {
            return send(line, false);
        } finally {
            close();
        }
    }

    /**
     * Opens the channel and its selector, not yet connected, unless that was done already. {@code exec --wait} calls
     * it before it waits for the instance: the JDK's set-up of Unix-domain sockets (its {@code SecureRandom} and the
     * selector) then happens while the instance starts, not after it is ready.
     *
     * @return {@link ExitCodes#OK}, or the exit status of the failure (its message written to standard error)
     */
    int prepare() {
        if (channel != null) {
            return ExitCodes.OK;
        }
        SelectorProviders.preferTheDefault();
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.configureBlocking(false);
            selector = Selector.open();
        } catch (IOException | UnsupportedOperationException e) {
            message("revisor: cannot open a Unix domain socket: " + e.getMessage());
            close();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    /**
     * Connects to the instance; the connection stays open for {@link #send} until {@link #close}.
     *
     * @return {@link ExitCodes#OK}, or the exit status of the failure (its message written to standard error)
     */
    int open() {
        try {
            Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            close();
            message("revisor: no Revisor instance runs in " + home + " (no control socket " + socket + ")");
            return ExitCodes.NO_INSTANCE;
        } catch (AccessDeniedException e) {
            close();
            return permissionDenied("cannot enter " + socket.getParent() + " (only the user who runs Revisor may)");
        } catch (IOException e) {
            close();
            message("revisor: cannot look at the control socket " + socket + ": " + e);
            return ExitCodes.FAILURE;
        }
        int prepared = prepare();
        if (prepared != ExitCodes.OK) {
            return prepared;
        }
        try {
            connect(channel, selector);
        } catch (TimedOut e) {
            close();
            return timedOut(e.getMessage());
        } catch (IOException e) {
            close();
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("Permission denied")) {
                return permissionDenied("may not connect to " + socket);
            }
            message("revisor: no Revisor instance runs in " + home + " (cannot connect to " + socket + ": "
                    + reason + ")");
            return ExitCodes.NO_INSTANCE;
        }
        key = channel.keyFor(selector);
        input = new Input(channel, selector, key);
        return ExitCodes.OK;
    }

    /**
     * Sends one command line over the open connection and copies its answer out.
     *
     * @param more whether another command line follows on this connection (a batch request, {@code B}); the last
     *             one is sent as {@code X}, after which the instance closes the connection
     * @return the command's exit status, or that of the failure
     */
    int send(byte[] line, boolean more) {
        try {
            sendRequest(channel, selector, key, line, more ? OP_BATCH : OP_EXECUTE);
        } catch (TimedOut e) {
            return timedOut(e.getMessage());
        } catch (IOException e) {
            // the instance may have answered and closed before the whole request was sent (a peer it refuses, a
            // header it refuses as soon as it arrives): that answer is still to be read, and says more than the write
            try {
                return readReply(input);
            } catch (IOException notAnswered) {
                message("revisor: lost the connection to " + socket + ": " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        }
        try {
            return readReply(input);
        } catch (TimedOut e) {
            return timedOut(e.getMessage());
        } catch (IOException e) {
            message("revisor: lost the connection to " + socket + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        }
    }

    /** Closes the connection, if one is open; the instance ends a batch quietly when its client closes. */
    void close() {
        try {
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing left to tell
        }
        selector = null;
        channel = null;
        key = null;
        input = null;
    }

    private void connect(SocketChannel channel, Selector selector) throws IOException {
        long deadline = deadline();
        SelectionKey key = channel.register(selector, 0);
        while (true) {
            try {
                if (channel.connect(UnixDomainSocketAddress.of(socket))) {
                    return;
                }
                break;
            } catch (IOException e) {
                // a full accept queue refuses a non-blocking connect at once (EAGAIN): try again until the deadline
                if (!String.valueOf(e.getMessage()).contains("temporarily unavailable")) {
                    throw e;
                }
                await(selector, key, 0, deadline, "connecting to " + socket);
                sleep(20);
            }
        }
        while (!channel.finishConnect()) {
            await(selector, key, SelectionKey.OP_CONNECT, deadline, "connecting to " + socket);
        }
    }

    private void sendRequest(SocketChannel channel, Selector selector, SelectionKey key, byte[] line, int operation)
            throws IOException {
        ByteBuffer request = ByteBuffer.allocate(10 + line.length);
        request.put(MAGIC).put((byte) VERSION).put((byte) operation).putInt(line.length).put(line).flip();
        long deadline = deadline();
        while (request.hasRemaining()) {
            if (channel.write(request) > 0) {
                deadline = deadline();
            } else {
                await(selector, key, SelectionKey.OP_WRITE, deadline, "sending the command line");
            }
        }
    }

    private long deadline() {
        return timeoutMillis == 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    /** Waits for {@code ops} on the channel until the deadline ({@code ops} 0: only the deadline is checked). */
    private void await(Selector selector, SelectionKey key, int ops, long deadline, String what) throws IOException {
        long left = deadline == Long.MAX_VALUE ? 0 : (deadline - System.nanoTime()) / 1_000_000L;
        if (deadline != Long.MAX_VALUE && left <= 0) {
            throw new TimedOut(what);
        }
        if (ops != 0) {
            key.interestOps(ops);
            selector.select(left); // 0: no limit
            selector.selectedKeys().clear();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The answer, read with the timeout applied to each wait for more bytes. */
    private final class Input {
        private final SocketChannel channel;
        private final Selector selector;
        private final SelectionKey key;
        private final ByteBuffer buffer = ByteBuffer.allocate(16384);

        Input(SocketChannel channel, Selector selector, SelectionKey key) {
            this.channel = channel;
            this.selector = selector;
            this.key = key;
            buffer.flip();
        }

        /** @return false at the end of the stream */
        private boolean fill() throws IOException {
            long deadline = deadline();
            while (!buffer.hasRemaining()) {
                buffer.clear();
                int n = channel.read(buffer);
                buffer.flip();
                if (n < 0) {
                    return false;
                }
                if (n == 0) {
                    await(selector, key, SelectionKey.OP_READ, deadline, "waiting for the answer");
                }
            }
            return true;
        }

        int read() throws IOException {
            return fill() ? buffer.get() & 0xff : -1;
        }

        int readInt() throws IOException {
            int value = 0;
            for (int i = 0; i < 4; i++) {
                int b = read();
                if (b < 0) {
                    throw new EOFException();
                }
                value = (value << 8) | b;
            }
            return value;
        }

        /** Copies {@code length} bytes to {@code target}; false if the stream ends first. */
        boolean copy(int length, OutputStream target) throws IOException {
            int left = length;
            while (left > 0) {
                if (!fill()) {
                    return false;
                }
                int n = Math.min(left, buffer.remaining());
                target.write(buffer.array(), buffer.position(), n);
                buffer.position(buffer.position() + n);
                left -= n;
            }
            return true;
        }
    }

    private int readReply(Input in) throws IOException {
        while (true) {
            int type = in.read();
            if (type < 0) {
                return protocolError("the connection closed before the exit status (R frame) arrived");
            }
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                return protocolError("the connection closed inside a frame header");
            }
            if (length < 0) {
                return protocolError("a frame announces a negative length (" + length + ")");
            }
            if (type == 'O' || type == 'E') {
                OutputStream target = type == 'O' ? out : err;
                boolean whole = in.copy(length, target);
                target.flush();
                if (!whole) {
                    return protocolError("the connection closed inside an " + (char) type + " frame");
                }
            } else if (type == 'R') {
                if (length != 4) {
                    return protocolError("the R frame has " + length + " bytes instead of 4");
                }
                int status;
                try {
                    status = in.readInt();
                } catch (EOFException e) {
                    return protocolError("the connection closed inside the R frame");
                }
                if (status < 0 || status > 255) {
                    message("revisor: the instance answered exit status " + status + ", reported as 1");
                    return ExitCodes.FAILURE;
                }
                return status;
            } else {
                return protocolError("unknown frame type 0x" + Integer.toHexString(type));
            }
        }
    }

    private int permissionDenied(String what) {
        message("revisor: permission denied: " + System.getProperty("user.name") + " " + what + "; run exec as the"
                + " user who runs the instance in " + home + " (or see revisor.control.allow.users in"
                + " docs/control-socket.md)");
        return ExitCodes.PERMISSION_DENIED;
    }

    private int timedOut(String what) {
        message("revisor: timed out after " + timeoutMillis / 1000.0 + " s " + what + " on " + socket
                + ": the instance does not answer (suspended or wedged?); --timeout SECONDS or REVISOR_EXEC_TIMEOUT"
                + " change the limit");
        return ExitCodes.TIMED_OUT;
    }

    private int protocolError(String what) {
        message("revisor: unexpected reply on " + socket + ": " + what);
        return ExitCodes.FAILURE;
    }

    void message(String text) {
        try {
            out.flush();
            err.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // standard error is gone: nobody to tell
        }
    }
}
