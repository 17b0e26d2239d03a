package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Writes response frames to one client connection. Output may come from Gogo's pipe threads, from the
 * connection's own thread and from the command watchdog at once; each frame is written whole, under one lock.
 * <p>
 * Writes are bounded in time and memory: the channel is non-blocking, and a frame (at most
 * {@link ControlProtocol#MAX_FRAME_PAYLOAD} bytes plus its header: the only output buffer besides the 8 KiB of each
 * {@link FrameOutputStream}) that makes no progress for the write timeout breaks the sink. The first failure (the
 * client went away, or stopped reading) marks the sink broken: everything written afterwards is discarded without
 * an exception, so the command runs to its end undisturbed and without blocking.
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class FrameSink {
    private final ConnectionChannel channel;
    private final long writeTimeoutMillis;
    private final Consumer<IOException> onBreak;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean broken; // guarded by lock
    /** When a write began to wait for the client to read, {@code System.nanoTime()}; 0 while none waits. */
    private volatile long stalledSince;

    /**
     * @param channel            the connection's non-blocking channel
     * @param writeTimeoutMillis how long a frame may make no progress before the client is given up
     * @param onBreak            told once, about the failure that broke the connection
     */
    FrameSink(ConnectionChannel channel, long writeTimeoutMillis, Consumer<IOException> onBreak) {
        this.channel = channel;
        this.writeTimeoutMillis = writeTimeoutMillis;
        this.onBreak = onBreak;
    }

    /** Sends {@code length} bytes as frames of {@code type}, split at the maximum payload; nothing if empty. */
    void write(byte type, byte[] bytes, int offset, int length) {
        lock.lock();
        try {
            int end = offset + length;
            while (offset < end && !broken) {
                int n = Math.min(ControlProtocol.MAX_FRAME_PAYLOAD, end - offset);
                send(ControlProtocol.encodeFrame(type, bytes, offset, n), writeTimeoutMillis);
                offset += n;
            }
        } finally {
            lock.unlock();
        }
    }

    void write(byte type, byte[] bytes) {
        write(type, bytes, 0, bytes.length);
    }

    /** Sends the closing {@code R} frame. */
    void status(int status) {
        lock.lock();
        try {
            send(ControlProtocol.encodeStatus(status), writeTimeoutMillis);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The last word of a connection whose command is abandoned (the watchdog): sends an {@code E} frame and the
     * {@code R} frame if the lock is free within {@code waitMillis}, each write bounded by the same time, then
     * breaks the sink so that the command's later output is discarded.
     *
     * @return whether the frames were sent
     */
    boolean last(byte[] message, int status, long waitMillis) {
        boolean locked = false;
        try {
            locked = lock.tryLock(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            return false;
        }
        try {
            if (broken) {
                return false;
            }
            send(ControlProtocol.encodeFrame(ControlProtocol.FRAME_ERR, message, 0, message.length), waitMillis);
            send(ControlProtocol.encodeStatus(status), waitMillis);
            boolean sent = !broken;
            broken = true;
            return sent;
        } finally {
            lock.unlock();
        }
    }

    /** @return {@code System.nanoTime()} at which the current write began to wait for the client, or 0 */
    long stalledSince() {
        return stalledSince;
    }

    private void send(ByteBuffer frame, long timeoutMillis) {
        if (broken) {
            return;
        }
        // A command that restored its interrupt flag and then prints must not lose the rest of its output: the
        // wait below runs with the flag clear (a set flag would make every select return at once), and the flag
        // is restored afterwards. The write timeout bounds the wait either way.
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = 0;
            while (frame.hasRemaining()) {
                if (channel.write(frame) > 0) {
                    stalledSince = 0;
                    deadline = 0;
                    continue;
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                    stalledSince = now;
                } else if (now - deadline >= 0) {
                    throw new WriteTimeoutException("the client read nothing for " + timeoutMillis + " ms");
                }
                interrupted |= channel.awaitWritable(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now)));
            }
        } catch (ClosedChannelException e) {
            broken = true;
            onBreak.accept(new IOException("the connection was closed", e));
        } catch (IOException e) {
            broken = true;
            onBreak.accept(e);
        } finally {
            stalledSince = 0;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A client that stopped reading. */
    static final class WriteTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;

        WriteTimeoutException(String message) {
            super(message);
        }
    }
}
