package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * Writes response frames to one client connection. Output may come from Gogo's pipe threads and from the
 * connection's own thread at once; each frame is written whole, under this object's lock.
 * <p>
 * The first write failure (the client went away) marks the sink broken: everything written afterwards is
 * discarded without an exception, so the command runs to its end undisturbed.
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class FrameSink {
    private final SocketChannel channel;
    private final Consumer<IOException> onBreak;
    private boolean broken; // guarded by this

    /**
     * @param channel a connected channel in blocking mode
     * @param onBreak told once, about the failure that broke the connection
     */
    FrameSink(SocketChannel channel, Consumer<IOException> onBreak) {
        this.channel = channel;
        this.onBreak = onBreak;
    }

    /** Sends {@code length} bytes as frames of {@code type}, split at the maximum payload; nothing if empty. */
    synchronized void write(byte type, byte[] bytes, int offset, int length) {
        int end = offset + length;
        while (offset < end && !broken) {
            int n = Math.min(ControlProtocol.MAX_FRAME_PAYLOAD, end - offset);
            send(ControlProtocol.encodeFrame(type, bytes, offset, n));
            offset += n;
        }
    }

    synchronized void write(byte type, byte[] bytes) {
        write(type, bytes, 0, bytes.length);
    }

    /** Sends the closing {@code R} frame. */
    synchronized void status(int status) {
        send(ControlProtocol.encodeStatus(status));
    }

    private void send(ByteBuffer frame) {
        if (broken) {
            return;
        }
        // A blocking channel is closed by an interrupt of the thread that uses it. A command that restored its
        // interrupt flag and then prints must not lose the rest of its output, so the write runs with the flag
        // clear; an interrupt that arrives during the write (the server stopping) still closes the channel.
        boolean interrupted = Thread.interrupted();
        try {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        } catch (IOException e) {
            broken = true;
            onBreak.accept(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
