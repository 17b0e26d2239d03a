package dev.revisor.shell.internal.control;

import java.io.OutputStream;
import java.util.Objects;

/**
 * A command's standard output or error: bytes are collected in a small buffer and sent as frames of one type
 * when the buffer fills or on {@link #flush()}. The {@code PrintStream} around it flushes at line ends and
 * after every array write, so output reaches the client while a long command still runs. {@link #close()}
 * only flushes: the connection belongs to the server, not to the command. {@link #seal()} ends the stream for good
 * when its command's answer is complete: in a batch, output that a command's stray thread writes later is
 * discarded instead of landing in the next command's answer.
 * <p>
 * Concurrent Semantics: thread safe; never throws for a client that went away (see {@link FrameSink}).
 */
final class FrameOutputStream extends OutputStream {
    static final int BUFFER_BYTES = 8192;

    private final FrameSink sink;
    private final byte type;
    private final byte[] buffer = new byte[BUFFER_BYTES]; // guarded by this
    private int count; // guarded by this
    private boolean sealed; // guarded by this

    FrameOutputStream(FrameSink sink, byte type) {
        this.sink = sink;
        this.type = type;
    }

    @Override
    public synchronized void write(int b) {
        if (count == buffer.length) {
            drain();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, b.length);
        if (length > buffer.length - count) {
            drain();
            if (length >= buffer.length) {
                if (!sealed) {
                    sink.write(type, b, offset, length);
                }
                return;
            }
        }
        System.arraycopy(b, offset, buffer, count, length);
        count += length;
    }

    @Override
    public synchronized void flush() {
        drain();
    }

    @Override
    public void close() {
        flush();
    }

    /** Flushes, then discards everything written from now on. */
    synchronized void seal() {
        drain();
        sealed = true;
    }

    private void drain() {
        if (sealed) {
            count = 0;
        } else if (count > 0) {
            sink.write(type, buffer, 0, count);
            count = 0;
        }
    }
}
