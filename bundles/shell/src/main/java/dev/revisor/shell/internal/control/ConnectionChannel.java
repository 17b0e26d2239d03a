package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One client's socket in non-blocking mode with a selector of its own, so that every read and write can wait with a
 * deadline: a Unix-domain {@link SocketChannel} has neither a read nor a write timeout of its own. {@link #close()}
 * wakes a thread waiting in {@link #awaitReadable} or {@link #awaitWritable} at once.
 * <p>
 * Memory: no buffer of its own; the selector holds one file descriptor besides the socket's.
 * <p>
 * Concurrent Semantics: thread safe; waits are serialised on this object (the connection reads its request before
 * anything writes, so they never compete in practice).
 */
final class ConnectionChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;

    /** @param channel a connected channel; it is switched to non-blocking mode */
    ConnectionChannel(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        Selector opened = Selector.open();
        try {
            this.key = channel.register(opened, 0);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        this.selector = opened;
    }

    SocketChannel socket() {
        return channel;
    }

    int read(ByteBuffer buffer) throws IOException {
        return channel.read(buffer);
    }

    int write(ByteBuffer buffer) throws IOException {
        return channel.write(buffer);
    }

    /** @return whether the calling thread was interrupted (its flag is then cleared) */
    boolean awaitReadable(long millis) throws IOException {
        return await(SelectionKey.OP_READ, millis);
    }

    /** @return whether the calling thread was interrupted (its flag is then cleared) */
    boolean awaitWritable(long millis) throws IOException {
        return await(SelectionKey.OP_WRITE, millis);
    }

    private synchronized boolean await(int op, long millis) throws IOException {
        if (!channel.isOpen() || !selector.isOpen()) {
            throw new ClosedChannelException();
        }
        try {
            key.interestOps(op);
            selector.select(Math.max(1, millis)); // select(0) would wait forever
            selector.selectedKeys().clear();
        } catch (java.nio.channels.CancelledKeyException | java.nio.channels.ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        return Thread.interrupted();
    }

    /** Closes the socket and the selector; a waiting thread returns at once with a {@link ClosedChannelException}. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            selector.wakeup();
            closeSelectorLater();
        }
    }

    /** The selector is closed by whoever holds it next, or here if nobody waits. */
    private void closeSelectorLater() throws IOException {
        synchronized (this) {
            selector.close();
        }
    }
}
