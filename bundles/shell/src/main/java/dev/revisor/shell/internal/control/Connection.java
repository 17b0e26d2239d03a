package dev.revisor.shell.internal.control;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.osgi.service.log.Logger;

/**
 * One client connection: check the peer, read the request, run the command line in a fresh Gogo session whose
 * output and error streams send {@code O} and {@code E} frames, answer {@code R} with the exit status, close. A
 * batch ({@code B} requests) repeats the read-run-answer steps on the same connection, each command line with the
 * same limits as a single one (request size and time, specials, watchdog), until an {@code X} request or the client
 * closes; the peer is checked once, for the connection.
 * <p>
 * Its slot is given back exactly once: when the connection ends, or earlier when the watchdog abandons a command
 * that ran past {@code command.timeout.ms} (the client is told, the connection closed, the thread interrupted and
 * left to end on its own; its later output is discarded).
 * <p>
 * A command that stops the shell bundle itself ({@code stop}, {@code update} of it) runs {@link ControlServer#close()}
 * on its own Gogo thread: the server then {@link #detach() detaches} this connection instead of interrupting it, and
 * the thread ends when the command does (see {@link #detach()}).
 * <p>
 * Concurrent Semantics: runs on one pool thread; {@link #abort()}, {@link #timeOut()}, {@link #detach()},
 * {@link #runs(Job)} and {@link #stalledSince()} may be called from any thread.
 */
final class Connection implements Runnable {
    private static final byte[] NO_INPUT = new byte[0];
    /** At most this many reads of 8 KiB drop unread request bytes before the close. */
    private static final int DRAIN_ROUNDS = 16;
    /** How long the watchdog waits to send its message to a client whose command ran past the limit. */
    private static final long LAST_WORD_MILLIS = 1000;
    private static final int RUNNING = 0;
    private static final int ENDED = 1;
    private static final int TIMED_OUT = 2;
    private static final int DETACHED = 3;

    /** What a connection needs from its server. */
    interface Host {
        CommandProcessor processor();

        ControlServer.Settings settings();

        Logger logger();

        PeerCredentials access();

        ScheduledExecutorService watchdog();

        boolean stopping();

        /** @return whether one more abandoned command thread is allowed (and counts it) */
        boolean abandon();
    }

    private final SocketChannel socket;
    private final Host host;
    private final Runnable done;
    /** Since when the connection has waited for its client's next request ({@code System.nanoTime()}). */
    private volatile long waitingSince = System.nanoTime();
    private final AtomicBoolean released = new AtomicBoolean();
    private final AtomicBoolean evicted = new AtomicBoolean();
    private final AtomicInteger command = new AtomicInteger(RUNNING);
    private volatile ConnectionChannel channel;
    private volatile FrameSink sink;
    private volatile Thread thread;
    /** The Gogo session of the command that runs, or null. */
    private volatile CommandSession session;
    private volatile boolean requestRead;
    private volatile boolean abandoned;

    /** @param done run once to give back the slot, whatever happened */
    Connection(SocketChannel socket, Host host, Runnable done) {
        this.socket = socket;
        this.host = host;
        this.done = done;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            channel = new ConnectionChannel(socket);
            serve();
        } catch (IOException e) {
            host.logger().debug("control socket: a connection failed before its request: {}", e.toString());
        } finally {
            finish();
            release();
        }
    }

    /** Whether the watchdog gave this connection's slot back while its thread still ran a command. */
    boolean abandoned() {
        return abandoned;
    }

    /**
     * @return {@code System.nanoTime()} since which this connection has waited for its client: to send a request
     *         (since it was accepted) or to read the answer; 0 while it runs a command that makes progress
     */
    long stalledSince() {
        if (evicted.get()) {
            return 0;
        }
        if (!requestRead) {
            return waitingSince;
        }
        FrameSink s = sink;
        return s == null ? 0 : s.stalledSince();
    }

    private void release() {
        if (released.compareAndSet(false, true)) {
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
            socket.shutdownOutput();
            ByteBuffer discard = ByteBuffer.allocate(8192);
            for (int i = 0; i < DRAIN_ROUNDS && socket.read(discard.clear()) > 0; i++) {
                // discard (the channel is non-blocking)
            }
        } catch (IOException | RuntimeException e) {
            // the client is gone already
        } finally {
            abort();
        }
    }

    /** @return the thread that serves this connection, or null before it started */
    Thread thread() {
        return thread;
    }

    /** @return whether {@code job} (a Gogo job, null off Gogo's threads) is the command this connection runs */
    boolean runs(Job job) {
        CommandSession s = session;
        return job != null && s != null && job.session() == s;
    }

    /**
     * The server stops because of this connection's own command, on that command's Gogo thread (an {@code update}
     * or {@code stop} of the shell bundle sent through the socket). Tells the client, closes the connection and
     * leaves the command alone: interrupting it would reach the framework's next step on that thread (Gogo's job
     * thread cancels its pipes with an interrupt after the session closes, at a time nobody controls), the start of
     * the updated shell would fail and the shell would stay down. The command's later output is discarded and this
     * thread ends when the command returns, which it does once the framework call that stopped the shell returns.
     */
    void detach() {
        if (!command.compareAndSet(RUNNING, DETACHED)) {
            return;
        }
        host.logger().info("control socket: the command on {} stops the shell itself; its client is told, the "
                + "command goes on", thread == null ? "its connection" : thread.getName());
        FrameSink s = sink;
        if (s != null) {
            s.last(utf8(SELF_STOP + "\n"), 1, LAST_WORD_MILLIS);
        }
        abort();
    }

    /** Closes the connection: a thread waiting for the client to send or to read returns at once. */
    void abort() {
        try {
            ConnectionChannel c = channel;
            if (c != null) {
                c.close();
            } else {
                socket.close();
            }
        } catch (IOException e) {
            host.logger().debug("control socket: closing a connection failed: {}", e.toString());
        }
    }

    /**
     * Closes this connection to make room for a new one (all slots are taken and it waited for its client longer
     * than {@code pressure.idle.ms}).
     *
     * @return false if it was evicted already
     */
    boolean evict() {
        if (!evicted.compareAndSet(false, true)) {
            return false;
        }
        abort();
        return true;
    }

    /**
     * The watchdog: the command ran past {@code command.timeout.ms}. Tells the client, closes the connection,
     * interrupts the command's thread and gives the slot back unless too many abandoned threads still run.
     */
    void timeOut() {
        if (!command.compareAndSet(RUNNING, TIMED_OUT)) {
            return;
        }
        long limit = host.settings().commandTimeoutMillis();
        Thread t = thread;
        host.logger().warn("control socket: a command ran longer than {} ms; interrupting {} and closing its "
                + "connection", limit, t == null ? "its thread" : t.getName());
        if (t != null) {
            t.interrupt();
        }
        FrameSink s = sink;
        if (s != null) {
            s.last(utf8("timed out: the command ran longer than " + limit + " ms (command.timeout.ms); its thread"
                    + " was interrupted\n"), ControlProtocol.STATUS_TIMED_OUT, LAST_WORD_MILLIS);
        }
        abort();
        if (host.abandon()) {
            abandoned = true;
            release();
        } else {
            host.logger().warn("control socket: too many commands that ignore their interrupt still run; this "
                    + "connection's slot is given back only when its command ends");
        }
    }

    private void serve() throws IOException {
        FrameSink out = new FrameSink(channel, host.settings().writeTimeoutMillis(),
                e -> host.logger().debug("control socket: the client went away or does not read; its output is"
                        + " discarded: {}", e.toString()));
        sink = out;
        PeerCredentials.Peer peer;
        try {
            peer = PeerCredentials.peer(socket);
        } catch (IOException e) {
            host.logger().warn("control socket: refused a connection: {}", e.getMessage());
            out.write(ControlProtocol.FRAME_ERR, utf8("permission denied: " + e.getMessage() + "\n"));
            out.status(ControlProtocol.STATUS_PERMISSION_DENIED);
            return;
        }
        if (!host.access().allows(peer)) {
            host.logger().warn("control socket: refused {}", peer);
            out.write(ControlProtocol.FRAME_ERR, utf8("permission denied: " + host.access().refusal(peer) + "\n"));
            out.status(ControlProtocol.STATUS_PERMISSION_DENIED);
            return;
        }
        for (boolean first = true; ; first = false) {
            RequestReader.Request request;
            try {
                request = RequestReader.read(channel, host.settings().maxRequestBytes(),
                        host.settings().requestTimeoutMillis(), !first);
            } catch (BadRequestException e) {
                requestRead = true;
                refuse(out, e);
                return;
            } catch (IOException e) {
                host.logger().debug("control socket: no request read: {}", e.toString());
                return;
            }
            if (request == null) {
                return; // the client ended its batch between two requests
            }
            requestRead = true;
            boolean answered;
            try {
                RequestGuard.check(request.line(), host.settings().maxRequestSpecials());
                answered = run(request.line(), out);
            } catch (BadRequestException e) {
                refuse(out, e); // the whole request was read: a batch may go on
                answered = true;
            }
            if (!answered || !request.keepsOpen() || host.stopping()) {
                return;
            }
            waitingSince = System.nanoTime();
            requestRead = false;
        }
    }

    private void refuse(FrameSink out, BadRequestException e) {
        host.logger().warn("control socket: bad request: {}", e.getMessage());
        out.write(ControlProtocol.FRAME_ERR, utf8("bad request: " + e.getMessage() + "\n"));
        out.status(1);
    }

    /**
     * Runs one command line under the watchdog and answers its status.
     *
     * @return false if the watchdog took over the connection (the command ran past its limit)
     */
    private boolean run(String line, FrameSink out) {
        host.logger().debug("control socket: executing {}", line);
        command.set(RUNNING);
        ScheduledFuture<?> watch = host.watchdog().schedule(this::timeOut, host.settings().commandTimeoutMillis(),
                TimeUnit.MILLISECONDS);
        int status;
        try {
            status = execute(line, out);
        } finally {
            watch.cancel(false);
        }
        if (command.compareAndSet(RUNNING, ENDED)) {
            out.status(status);
            return true;
        }
        if (command.get() == DETACHED) {
            host.logger().info("control socket: the command that stopped the shell ended with status {}", status);
        } else {
            host.logger().info("control socket: the command that timed out ended after all");
        }
        return false;
    }

    /** @return the exit status: 0 success, 1 the command threw */
    private int execute(String line, FrameSink out) {
        FrameOutputStream outFrames = new FrameOutputStream(out, ControlProtocol.FRAME_OUT);
        FrameOutputStream errFrames = new FrameOutputStream(out, ControlProtocol.FRAME_ERR);
        PrintStream stdout = new PrintStream(outFrames, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(errFrames, true, StandardCharsets.UTF_8);
        InputStream in = new ByteArrayInputStream(NO_INPUT);
        CommandSession session = null;
        try {
            session = host.processor().createSession(in, stdout, stderr);
            this.session = session;
            Object result = session.execute(line);
            stdout.flush();
            stderr.flush();
            if (result != null) {
                String text = String.valueOf(session.format(result, Converter.INSPECT));
                if (!text.isEmpty()) {
                    out.write(ControlProtocol.FRAME_OUT, utf8(text.endsWith("\n") ? text : text + "\n"));
                }
            }
            return 0;
        } catch (Throwable t) { // a command's failure is the client's business, whatever its kind
            stdout.flush();
            stderr.flush();
            out.write(ControlProtocol.FRAME_ERR, utf8(failureMessage(t) + "\n"));
            if (t instanceof Error) {
                host.logger().error("control socket: command '{}' failed", line, t);
            } else {
                host.logger().debug("control socket: command '{}' failed: {}", line, t.toString());
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return 1;
        } finally {
            this.session = null;
            if (session != null) {
                try {
                    session.close();
                } catch (RuntimeException e) {
                    host.logger().debug("control socket: closing the session of '{}' failed: {}", line, e.toString());
                }
            }
            stdout.flush();
            stderr.flush();
            outFrames.seal();
            errFrames.seal();
        }
    }

    /** What a command interrupted by the server's stop is told. */
    static final String STOPPING = "interrupted: the control socket is stopping (the shell bundle stops; if this command "
            + "updated or refreshed it, the command goes on in the runtime and the socket comes back when the shell starts again)";

    /** What the client of a command that stops the shell itself is told (the command is not interrupted). */
    static final String SELF_STOP = "the control socket is stopping: this command stops the shell bundle; it goes on in "
            + "the runtime without its client (its further output is lost), and the socket comes back when the shell "
            + "starts again: bin/revisor status --wait 60";

    private String failureMessage(Throwable t) {
        if (t instanceof InterruptedException && host.stopping()) {
            return STOPPING;
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getName() : message;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
