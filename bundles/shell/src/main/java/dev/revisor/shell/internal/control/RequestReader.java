package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Reads a request of a connection (one, or several in a batch) against a deadline (a Unix-domain socket has no read timeout of its own),
 * through the connection's non-blocking {@link ConnectionChannel}.
 * <p>
 * Each header field is checked as soon as it has arrived: garbage is refused at once, not at the deadline. Memory:
 * the header and a body of at most {@code maxBytes}; the command line is checked by {@link RequestGuard} before any
 * of it reaches Gogo.
 * <p>
 * Concurrent Semantics: stateless; one thread per channel.
 */
final class RequestReader {
    private RequestReader() {
    }

    /** One request: its command line, and whether the connection stays open after its answer (a batch). */
    record Request(String line, boolean keepsOpen) {
    }

    /**
     * @param channel       the connection
     * @param maxBytes      the longest command line accepted, in bytes
     * @param timeoutMillis how long the whole request may take to arrive
     * @param endAllowed    whether the client may close the connection instead of sending a request (between the
     *                      requests of a batch)
     * @return the request; null if {@code endAllowed} and the connection ended before its first byte
     * @throws BadRequestException the request is malformed, truncated or late; the channel is still usable
     *                             for the answer
     * @throws IOException         the channel failed or the thread was interrupted
     */
    static Request read(ConnectionChannel channel, int maxBytes, long timeoutMillis, boolean endAllowed)
            throws IOException, BadRequestException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        ByteBuffer header = ByteBuffer.allocate(ControlProtocol.HEADER_BYTES);
        while (header.hasRemaining()) {
            if (!fill(channel, header, deadline, timeoutMillis, "header", endAllowed && header.position() == 0)) {
                return null;
            }
            ControlProtocol.checkHeader(header.array(), header.position(), maxBytes);
        }
        ByteBuffer body = ByteBuffer.allocate(ControlProtocol.commandLength(header.array()));
        while (body.hasRemaining()) {
            fill(channel, body, deadline, timeoutMillis, "command line", false);
        }
        return new Request(ControlProtocol.decodeCommandLine(body.array()),
                ControlProtocol.keepsOpen(header.array()));
    }

    /**
     * Reads at least one byte into {@code buffer}, waiting for the channel until the deadline.
     *
     * @return false if the stream ended and {@code endAllowed}
     */
    private static boolean fill(ConnectionChannel channel, ByteBuffer buffer, long deadline, long timeoutMillis,
            String what, boolean endAllowed) throws IOException, BadRequestException {
        while (true) {
            int n = channel.read(buffer);
            if (n > 0) {
                return true;
            }
            if (n < 0 && endAllowed) {
                return false;
            }
            if (n < 0) {
                throw new BadRequestException(ControlProtocol.truncated(buffer.position(), buffer.capacity(), what));
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new BadRequestException("timed out: no complete request within " + timeoutMillis + " ms (got "
                        + buffer.position() + " of " + buffer.capacity() + " " + what + " bytes)");
            }
            if (channel.awaitReadable(TimeUnit.NANOSECONDS.toMillis(remaining))) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a request");
            }
        }
    }
}
