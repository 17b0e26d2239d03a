package dev.revisor.shell.internal.control;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The wire format of the control socket, protocol version 1 (docs/control-socket.md): the request header and
 * body, and the {@code O}/{@code E}/{@code R} response frames. Pure functions over bytes and streams; the
 * socket handling lives in {@link ControlServer}. Concurrent Semantics: stateless, thread safe.
 */
final class ControlProtocol {
    /** {@code RVSR}. */
    static final byte[] MAGIC = {'R', 'V', 'S', 'R'};
    static final int VERSION = 1;
    static final byte OP_EXECUTE = 'X';
    /**
     * Execute a command line and keep the connection open for the next request (batch mode, {@code exec -}): after
     * the {@code R} frame the server reads another request from the same connection; the client ends the batch by
     * sending an {@code X} request last, or by closing the connection between requests.
     */
    static final byte OP_BATCH = 'B';
    /** Magic (4), version (1), operation (1), length (4). */
    static final int HEADER_BYTES = 10;
    /**
     * The default and documented limit for a command line: far below what the header could announce, because Gogo's
     * parser is slower than linear (see {@link RequestGuard}).
     */
    static final int MAX_REQUEST_BYTES = 8 * 1024;
    /** The {@code R} status of a connection refused for its peer's credentials (sysexits' EX_NOPERM). */
    static final int STATUS_PERMISSION_DENIED = 77;
    /** The {@code R} status of a command that ran past {@code command.timeout.ms} (as timeout(1) exits). */
    static final int STATUS_TIMED_OUT = 124;

    static final byte FRAME_OUT = 'O';
    static final byte FRAME_ERR = 'E';
    static final byte FRAME_STATUS = 'R';
    /** Type (1) and length (4). */
    static final int FRAME_HEADER_BYTES = 5;
    /** The server never sends a frame with a larger payload; longer output is split over several frames. */
    static final int MAX_FRAME_PAYLOAD = 64 * 1024;

    private ControlProtocol() {
    }

    // ---------------------------------------------------------------- requests

    /** @return the complete request that executes {@code commandLine} */
    static byte[] encodeRequest(String commandLine) {
        return encodeRequest(OP_EXECUTE, commandLine);
    }

    /** @return the complete request of {@code operation} ({@link #OP_EXECUTE} or {@link #OP_BATCH}) */
    static byte[] encodeRequest(byte operation, String commandLine) {
        byte[] line = commandLine.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + line.length);
        b.put(MAGIC).put((byte) VERSION).put(operation).putInt(line.length).put(line);
        return b.array();
    }

    /**
     * Checks as much of a request header as has arrived, so that garbage is refused as soon as it can be
     * recognised (a client that sends {@code "GET "} and waits hears about it at once, not after a timeout).
     *
     * @param header    the header bytes received so far
     * @param available how many of them are valid (0 to {@link #HEADER_BYTES})
     * @param maxBytes  the largest command line accepted
     * @throws BadRequestException at the first field that is complete and wrong
     */
    static void checkHeader(byte[] header, int available, int maxBytes) throws BadRequestException {
        if (available >= 4 && !Arrays.equals(header, 0, 4, MAGIC, 0, 4)) {
            throw new BadRequestException("expected magic RVSR, got " + describe(header, 0, 4));
        }
        if (available >= 5 && header[4] != VERSION) {
            throw new BadRequestException("unsupported protocol version " + (header[4] & 0xff)
                    + " (this server speaks version " + VERSION + ")");
        }
        if (available >= 6 && header[5] != OP_EXECUTE && header[5] != OP_BATCH) {
            throw new BadRequestException("unknown operation " + describe(header, 5, 1)
                    + " (the operations are 'X', execute a command line, and 'B', execute one of a batch)");
        }
        if (available >= HEADER_BYTES) {
            int length = ByteBuffer.wrap(header, 6, 4).getInt();
            if (length < 0) {
                throw new BadRequestException("negative command line length " + length);
            }
            if (length > maxBytes) {
                throw new BadRequestException("command line of " + length + " bytes exceeds the limit of "
                        + maxBytes + " bytes");
            }
        }
    }

    /**
     * @param header a complete header that passed {@link #checkHeader}
     * @return whether the request is one of a batch ({@link #OP_BATCH}): the connection stays open after its answer
     */
    static boolean keepsOpen(byte[] header) {
        return header[5] == OP_BATCH;
    }

    /**
     * @param header a complete header that passed {@link #checkHeader}
     * @return the length of the command line that follows it
     */
    static int commandLength(byte[] header) {
        return ByteBuffer.wrap(header, 6, 4).getInt();
    }

    /** @return the command line; the request carries it as strict UTF-8 */
    static String decodeCommandLine(byte[] bytes) throws BadRequestException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException("the command line is not valid UTF-8");
        }
    }

    /**
     * Reads and checks one request from a blocking stream. The server reads from its socket with a deadline
     * instead ({@link RequestReader}); this form serves tests and any client-side tooling.
     */
    static String readRequest(InputStream in, int maxBytes) throws IOException, BadRequestException {
        byte[] header = new byte[HEADER_BYTES];
        for (int n = 0; n < HEADER_BYTES; ) {
            int r = in.read(header, n, HEADER_BYTES - n);
            if (r < 0) {
                checkHeader(header, n, maxBytes);
                throw new BadRequestException(truncated(n, HEADER_BYTES, "header"));
            }
            n += r;
            checkHeader(header, n, maxBytes);
        }
        int length = commandLength(header);
        byte[] line = in.readNBytes(length);
        if (line.length < length) {
            throw new BadRequestException(truncated(line.length, length, "command line"));
        }
        return decodeCommandLine(line);
    }

    static String truncated(int got, int expected, String what) {
        return "truncated request: the connection ended after " + got + " of " + expected + " " + what + " bytes";
    }

    /**
     * @return the bytes as text in double quotes when they are printable ASCII, otherwise as hex
     *         ({@code 0x16030100}), so that an error message never carries control characters
     */
    static String describe(byte[] bytes, int offset, int length) {
        boolean printable = true;
        for (int i = offset; i < offset + length; i++) {
            printable &= bytes[i] >= 0x20 && bytes[i] < 0x7f;
        }
        if (printable) {
            return "\"" + new String(bytes, offset, length, StandardCharsets.US_ASCII) + "\"";
        }
        StringBuilder hex = new StringBuilder("0x");
        for (int i = offset; i < offset + length; i++) {
            hex.append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(Character.forDigit(bytes[i] & 0xf, 16));
        }
        return hex.toString();
    }

    // ---------------------------------------------------------------- frames

    /** A response frame: its type ({@code O}, {@code E} or {@code R}) and payload. */
    record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int status() {
            if (type != FRAME_STATUS || payload.length != 4) {
                throw new IllegalStateException("not a status frame: " + (char) type + " of " + payload.length + " bytes");
            }
            return ByteBuffer.wrap(payload).getInt();
        }

        @Override
        public String toString() {
            return type == FRAME_STATUS && payload.length == 4 ? "R " + status() : (char) type + " " + text();
        }
    }

    /**
     * Encodes one frame into a buffer ready to write, header included.
     *
     * @throws IllegalArgumentException if the payload is longer than {@link #MAX_FRAME_PAYLOAD}
     */
    static ByteBuffer encodeFrame(byte type, byte[] payload, int offset, int length) {
        if (length > MAX_FRAME_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + length + " bytes exceeds " + MAX_FRAME_PAYLOAD);
        }
        ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER_BYTES + length);
        b.put(type).putInt(length).put(payload, offset, length);
        return b.flip();
    }

    /** @return the {@code R} frame with this exit status */
    static ByteBuffer encodeStatus(int status) {
        return encodeFrame(FRAME_STATUS, ByteBuffer.allocate(4).putInt(status).array(), 0, 4);
    }

    /** Writes {@code payload} as frames of {@code type}, split at {@link #MAX_FRAME_PAYLOAD} bytes. */
    static void writeFrames(OutputStream out, byte type, byte[] payload) throws IOException {
        int offset = 0;
        do {
            int n = Math.min(MAX_FRAME_PAYLOAD, payload.length - offset);
            ByteBuffer frame = encodeFrame(type, payload, offset, n);
            out.write(frame.array(), 0, frame.limit());
            offset += n;
        } while (offset < payload.length);
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or {@code null} at a clean end of stream before a frame started
     * @throws IOException if the stream ends inside a frame, or the frame is not one of version 1
     */
    static Frame readFrame(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        if (type != FRAME_OUT && type != FRAME_ERR && type != FRAME_STATUS) {
            throw new IOException("unknown frame type " + describe(new byte[] {(byte) type}, 0, 1));
        }
        byte[] len = in.readNBytes(4);
        if (len.length < 4) {
            throw new EOFException("the stream ended inside a frame header");
        }
        int length = ByteBuffer.wrap(len).getInt();
        if (length < 0 || length > MAX_FRAME_PAYLOAD || (type == FRAME_STATUS && length != 4)) {
            throw new IOException("bad frame length " + length + " for a " + (char) type + " frame");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("the stream ended after " + payload.length + " of " + length + " payload bytes");
        }
        return new Frame((byte) type, payload);
    }
}
