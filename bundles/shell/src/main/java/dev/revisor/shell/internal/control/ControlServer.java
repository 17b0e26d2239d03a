package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.service.log.Logger;

/**
 * The control socket server: a Unix-domain server socket, one accept thread ({@value #ACCEPT_THREAD}) and a
 * bounded pool of connection threads ({@value #WORKER_PREFIX}N). At most {@code maxConcurrent} connections
 * are served at once; the accept thread takes the next one only when a slot is free, so further clients wait
 * in the kernel's accept queue. There is no TCP listener.
 * <p>
 * Every thread it starts is named and is stopped by {@link #close()}.
 * <p>
 * Concurrent Semantics: thread safe; {@link #close()} is idempotent.
 */
final class ControlServer implements AutoCloseable {
    static final String ACCEPT_THREAD = "revisor-control-accept";
    static final String WORKER_PREFIX = "revisor-control-";
    /** How long {@link #close()} waits for commands to react to their interrupt before it cuts their connections. */
    static final long GRACE_MILLIS = 1000;
    /** How long {@link #close()} waits for each group of threads to end after that. */
    static final long STOP_TIMEOUT_MILLIS = 5000;

    /**
     * @param maxConcurrent        connections served at once
     * @param maxRequestBytes      longest command line accepted
     * @param requestTimeoutMillis how long a client may take to send its whole request
     */
    record Settings(int maxConcurrent, int maxRequestBytes, long requestTimeoutMillis) {
        Settings {
            if (maxConcurrent < 1) {
                throw new IllegalArgumentException("max.concurrent must be at least 1, is " + maxConcurrent);
            }
            if (maxRequestBytes < 0) {
                throw new IllegalArgumentException("max.request.bytes must not be negative, is " + maxRequestBytes);
            }
            if (requestTimeoutMillis < 1) {
                throw new IllegalArgumentException("request.timeout.ms must be at least 1, is " + requestTimeoutMillis);
            }
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final CommandProcessor processor;
    private final Settings settings;
    private final Logger logger;
    private final Semaphore slots;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Pool pool;
    private final Thread acceptor;
    private volatile boolean stopping;

    private ControlServer(Path socket, ServerSocketChannel server, CommandProcessor processor, Settings settings,
            Logger logger) {
        this.socket = socket;
        this.server = server;
        this.processor = processor;
        this.settings = settings;
        this.logger = logger;
        this.slots = new Semaphore(settings.maxConcurrent());
        this.pool = new Pool(settings.maxConcurrent(), logger);
        this.acceptor = new Thread(this::acceptLoop, ACCEPT_THREAD);
        this.acceptor.setDaemon(true);
    }

    /**
     * Prepares the socket's directory, replaces a stale socket file, binds and starts accepting.
     *
     * @param owner the user who runs Revisor: the directory must belong to this user
     * @throws IOException naming the socket path and what is wrong, if the socket cannot be served
     */
    static ControlServer start(Path socket, UserPrincipal owner, Settings settings, CommandProcessor processor,
            Logger logger) throws IOException {
        Path path = socket.toAbsolutePath();
        ServerSocketChannel channel = null;
        try {
            SocketDirectory.prepare(path.getParent(), owner, logger);
            SocketDirectory.removeStale(path, logger);
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            throw new IOException("cannot open the control socket " + path + ": " + e.getMessage(), e);
        }
        SocketDirectory.restrictSocket(path, logger);
        ControlServer server = new ControlServer(path, channel, processor, settings, logger);
        server.acceptor.start();
        return server;
    }

    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        try {
            while (!stopping) {
                slots.acquire(); // at most maxConcurrent connections: the rest wait in the accept queue
                SocketChannel client = null;
                boolean dispatched = false;
                try {
                    client = server.accept();
                    dispatched = dispatch(client);
                } catch (ClosedChannelException e) { // closed or interrupted: stopping
                    return;
                } catch (IOException | RuntimeException e) { // one failure never ends the loop
                    if (client != null) {
                        closeQuietly(client);
                    }
                    logger.warn("control socket {}: accepting a connection failed, going on: {}", socket, e.toString());
                    Thread.sleep(100); // no busy loop on a persistent failure such as too many open files
                } finally {
                    if (!dispatched) {
                        slots.release();
                    }
                }
            }
        } catch (InterruptedException e) {
            // close(): stop accepting
        } catch (Error e) {
            logger.error("control socket {}: the accept loop failed; bin/revisor exec cannot reach this instance "
                    + "until the shell bundle restarts", socket, e);
            throw e;
        }
    }

    /**
     * Hands a connection to the pool, which then owns its slot (Connection.run gives it back exactly once).
     *
     * @return false if the pool refused it (only while stopping); the connection is then closed
     */
    private boolean dispatch(SocketChannel client) {
        Connection connection = new Connection(client, processor, settings, logger, () -> stopping, slots::release);
        connections.add(connection);
        try {
            pool.execute(new Tracked(connection));
            return true;
        } catch (RejectedExecutionException e) {
            connections.remove(connection);
            connection.abort();
            return false;
        }
    }

    private void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            logger.debug("control socket {}: closing a refused connection failed: {}", socket, e.toString());
        }
    }

    /** Removes a connection from {@link #connections} when its run ends. */
    private final class Tracked implements Runnable {
        private final Connection connection;

        Tracked(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            try {
                connection.run();
            } finally {
                connections.remove(connection);
            }
        }
    }

    /**
     * Stops accepting, interrupts running commands, closes every connection, waits (bounded) for every thread
     * this server started, and deletes the socket file.
     * <p>
     * The waits are not cut short by an interrupt of the calling thread: a command sent through this socket may
     * stop the shell bundle itself, and then this runs on that command's Gogo thread, which the connection
     * interrupts when it closes its session. The interrupt status is restored on return.
     */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        boolean interrupted = false;
        try {
            server.close(); // wakes accept()
        } catch (IOException e) {
            logger.debug("control socket {}: closing the server channel failed: {}", socket, e.toString());
        }
        acceptor.interrupt(); // wakes slots.acquire()
        interrupted |= join(acceptor);

        List<Runnable> neverStarted = pool.shutdownNow(); // interrupts running commands
        for (Runnable r : neverStarted) {
            ((Tracked) r).connection.abort();
        }
        Deadline grace = new Deadline(GRACE_MILLIS);
        interrupted |= grace.await(pool);
        if (!grace.done) {
            // a command that ignores its interrupt, or writes to a client that does not read: cut the line
            connections.forEach(Connection::abort);
            Deadline last = new Deadline(STOP_TIMEOUT_MILLIS);
            interrupted |= last.await(pool);
            if (!last.done) {
                logger.warn("control socket {}: connection threads still running {} ms after the stop: {}", socket,
                        GRACE_MILLIS + STOP_TIMEOUT_MILLIS, pool.threadNames());
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            logger.warn("control socket {}: could not delete the socket file: {}", socket, e.toString());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the calling thread was interrupted while it waited */
    private boolean join(Thread thread) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MILLIS);
        while (thread.isAlive() && System.nanoTime() < deadline) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (thread.isAlive()) {
            logger.warn("control socket {}: thread {} did not stop within {} ms", socket, thread.getName(),
                    STOP_TIMEOUT_MILLIS);
        }
        return interrupted;
    }

    /** A bounded wait for the pool that an interrupt does not cut short. */
    private static final class Deadline {
        private final long end;
        boolean done;

        Deadline(long millis) {
            end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        }

        /** @return whether the calling thread was interrupted while it waited */
        boolean await(Pool pool) {
            boolean interrupted = false;
            while (!done) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                try {
                    done = pool.awaitTermination(Math.max(0, left), TimeUnit.MILLISECONDS)
                            && pool.joinAll(Math.max(1, left));
                    if (left <= 0) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return interrupted;
        }
    }

    /**
     * The connection threads: at most {@code maxConcurrent}, named, daemon, idle ones retire after a minute.
     * Failures that escape a connection are logged in {@link #afterExecute}.
     */
    private static final class Pool extends ThreadPoolExecutor {
        private final Logger logger;
        /** Every thread this pool made that may still be alive; pruned as new ones are made. */
        private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        Pool(int maxConcurrent, Logger logger) {
            super(maxConcurrent, maxConcurrent, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(maxConcurrent));
            this.logger = logger;
            allowCoreThreadTimeOut(true);
            AtomicInteger count = new AtomicInteger();
            setThreadFactory(r -> {
                threads.removeIf(t -> !t.isAlive());
                Thread t = new Thread(r, WORKER_PREFIX + count.incrementAndGet());
                t.setDaemon(true);
                threads.add(t);
                return t;
            });
        }

        /**
         * Waits until every thread of this terminated pool has really ended: {@link #awaitTermination} returns
         * while the last worker is still on its way out.
         */
        boolean joinAll(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            return threads.stream().noneMatch(Thread::isAlive);
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            super.afterExecute(r, t);
            if (t != null) {
                logger.error("control socket: a connection failed", t);
            }
        }

        String threadNames() {
            return threads.stream().filter(Thread::isAlive).map(Thread::getName).sorted()
                    .collect(Collectors.joining(", "));
        }
    }
}
