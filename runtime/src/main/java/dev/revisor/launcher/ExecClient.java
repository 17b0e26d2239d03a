package dev.revisor.launcher;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The client side of the control socket (docs/control-socket.md, protocol version 1): sends one command line, copies
 * {@code O} frames to standard output and {@code E} frames to standard error as they arrive, and returns the status of
 * the {@code R} frame.
 *
 * <p>Exit status: the {@code R} status (0 success, 1 the command failed or the request was refused); 1 when the reply
 * breaks the protocol or ends before its {@code R} frame; 2 when no instance listens on the socket.
 *
 * <p>Kept free of lambdas, String.format and any library so that the client JVM starts fast.
 */
final class ExecClient {
    static final byte[] MAGIC = {'R', 'V', 'S', 'R'};
    static final int VERSION = 1;
    static final int OP_EXECUTE = 'X';
    static final int MAX_COMMAND_LINE = 1 << 20;

    private final Path socket;
    private final Path home;
    private final OutputStream out;
    private final OutputStream err;

    ExecClient(Path socket, Path home, OutputStream out, OutputStream err) {
        this.socket = socket;
        this.home = home;
        this.out = out;
        this.err = err;
    }

    int execute(String commandLine) {
        byte[] line = commandLine.getBytes(StandardCharsets.UTF_8);
        if (line.length > MAX_COMMAND_LINE) {
            message("revisor: the command line is " + line.length + " bytes long; the control socket takes at most "
                    + MAX_COMMAND_LINE);
            return ExitCodes.FAILURE;
        }
        if (!Files.exists(socket)) {
            message("revisor: no Revisor instance runs in " + home + " (no control socket " + socket + ")");
            return ExitCodes.NO_INSTANCE;
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException | UnsupportedOperationException e) {
            message("revisor: cannot open a Unix domain socket: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        try {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                message("revisor: no Revisor instance runs in " + home + " (cannot connect to " + socket + ": "
                        + e.getMessage() + ")");
                return ExitCodes.NO_INSTANCE;
            }
            sendRequest(channel, line);
            return readReply(new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 16384)));
        } catch (IOException e) {
            message("revisor: lost the connection to " + socket + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        } finally {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to tell
            }
        }
    }

    private static void sendRequest(SocketChannel channel, byte[] line) throws IOException {
        ByteBuffer request = ByteBuffer.allocate(10 + line.length);
        request.put(MAGIC).put((byte) VERSION).put((byte) OP_EXECUTE).putInt(line.length).put(line).flip();
        while (request.hasRemaining()) {
            channel.write(request);
        }
    }

    private int readReply(DataInputStream in) throws IOException {
        byte[] buffer = new byte[8192];
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
                int left = length;
                while (left > 0) {
                    int n = in.read(buffer, 0, Math.min(buffer.length, left));
                    if (n < 0) {
                        target.flush();
                        return protocolError("the connection closed inside an " + (char) type + " frame");
                    }
                    target.write(buffer, 0, n);
                    left -= n;
                }
                target.flush();
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

    private int protocolError(String what) {
        message("revisor: unexpected reply on " + socket + ": " + what);
        return ExitCodes.FAILURE;
    }

    private void message(String text) {
        try {
            out.flush();
            err.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // standard error is gone: nobody to tell
        }
    }
}
