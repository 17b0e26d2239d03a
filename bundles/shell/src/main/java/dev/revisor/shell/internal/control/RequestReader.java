package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Reads the one request of a connection against a deadline. A Unix-domain {@link SocketChannel} has no read
 * timeout ({@code socket().setSoTimeout} is not available for it), so the channel is read in non-blocking mode
 * through a selector of its own, and put back into blocking mode for the response.
 * <p>
 * Each header field is checked as soon as it has arrived: garbage is refused at once, not at the deadline.
 * <p>
 * Concurrent Semantics: stateless; one thread per channel.
 */
final class RequestReader {
    private RequestReader() {
    }

    /**
     * @param channel       a connected channel in blocking mode; it is in blocking mode again on return
     * @param maxBytes      the longest command line accepted, in bytes
     * @param timeoutMillis how long the whole request may take to arrive
     * @return the command line
     * @throws BadRequestException the request is malformed, truncated or late; the channel is still usable
     *                             for the answer
     * @throws IOException         the channel failed or the thread was interrupted
     */
    static String read(SocketChannel channel, int maxBytes, long timeoutMillis) throws IOException, BadRequestException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        byte[] line;
        channel.configureBlocking(false);
        try {
            try (Selector selector = Selector.open()) {
                channel.register(selector, SelectionKey.OP_READ);
                ByteBuffer header = ByteBuffer.allocate(ControlProtocol.HEADER_BYTES);
                while (header.hasRemaining()) {
                    fill(channel, selector, header, deadline, timeoutMillis, "header");
                    ControlProtocol.checkHeader(header.array(), header.position(), maxBytes);
                }
                ByteBuffer body = ByteBuffer.allocate(ControlProtocol.commandLength(header.array()));
                while (body.hasRemaining()) {
                    fill(channel, selector, body, deadline, timeoutMillis, "command line");
                }
                line = body.array();
            } // closing the selector deregisters the channel, which may then block again
        } finally {
            if (channel.isOpen()) {
                channel.configureBlocking(true);
            }
        }
        return ControlProtocol.decodeCommandLine(line);
    }

    /** Reads at least one byte into {@code buffer}, waiting for the channel until the deadline. */
    private static void fill(SocketChannel channel, Selector selector, ByteBuffer buffer, long deadline,
            long timeoutMillis, String what) throws IOException, BadRequestException {
        while (true) {
            int n = channel.read(buffer);
            if (n > 0) {
                return;
            }
            if (n < 0) {
                throw new BadRequestException(ControlProtocol.truncated(buffer.position(), buffer.capacity(), what));
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new BadRequestException("timed out: no complete request within " + timeoutMillis + " ms (got "
                        + buffer.position() + " of " + buffer.capacity() + " " + what + " bytes)");
            }
            // select(0) would wait forever: never pass less than 1 ms
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
            selector.selectedKeys().clear();
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while reading a request");
            }
        }
    }
}
