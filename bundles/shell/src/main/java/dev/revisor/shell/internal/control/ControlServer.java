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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Job;
import org.osgi.service.log.Logger;

/**
 * The control socket server: a Unix-domain server socket, one accept thread ({@value #ACCEPT_THREAD}), a bounded
 * pool of connection threads ({@value #WORKER_PREFIX}N) and one watchdog thread ({@value #WATCHDOG_THREAD}) that
 * ends commands running past their limit. There is no TCP listener.
 * <p>
 * At most {@code maxConcurrent} connections hold a slot at once. The accept thread takes one new client at a time;
 * when every slot is taken it waits for one, and meanwhile closes the connection that has waited longest for its
 * client (to send a request, or to read the answer) once that wait passes {@code pressureIdleMillis}: idle and
 * non-reading clients cannot keep others out. Further clients wait in the kernel's accept queue.
 * <p>
 * Every thread it starts is named and is stopped by {@link #close()}.
 * <p>
 * Concurrent Semantics: thread safe; {@link #close()} is idempotent.
 */
final class ControlServer implements AutoCloseable, Connection.Host {
    static final String ACCEPT_THREAD = "revisor-control-accept";
    static final String WORKER_PREFIX = "revisor-control-";
    static final String WATCHDOG_THREAD = "revisor-control-watchdog";
    /** How often the accept thread looks for a connection to close while every slot is taken. */
    static final long PRESSURE_POLL_MILLIS = 20;
    /** How long {@link #close()} waits for commands to react to their interrupt before it cuts their connections. */
    static final long GRACE_MILLIS = 1000;
    /** How long {@link #close()} waits for each group of threads to end after that. */
    static final long STOP_TIMEOUT_MILLIS = 5000;

    /**
     * @param maxConcurrent        connections served at once
     * @param maxRequestBytes      longest command line accepted
     * @param requestTimeoutMillis how long a client may take to send its whole request
     * @param writeTimeoutMillis   how long a client may read nothing while an answer waits for it
     * @param commandTimeoutMillis how long a command may run before it is reported, interrupted and abandoned
     * @param pressureIdleMillis   while every slot is taken and a new client waits: how long a connection may wait
     *                             for its client (to send its request, or to read) before it is closed for the new one
     * @param maxRequestSpecials   most characters with a meaning to Gogo's parser in one command line
     */
    record Settings(int maxConcurrent, int maxRequestBytes, long requestTimeoutMillis, long writeTimeoutMillis,
            long commandTimeoutMillis, long pressureIdleMillis, int maxRequestSpecials) {
        static final long DEFAULT_WRITE_TIMEOUT_MILLIS = 5_000;
        static final long DEFAULT_COMMAND_TIMEOUT_MILLIS = 600_000;
        static final long DEFAULT_PRESSURE_IDLE_MILLIS = 200;

        Settings {
            if (maxConcurrent < 1) {
                throw new IllegalArgumentException("max.concurrent must be at least 1, is " + maxConcurrent);
            }
            if (maxRequestBytes < 0) {
                throw new IllegalArgumentException("max.request.bytes must not be negative, is " + maxRequestBytes);
            }
            positive(requestTimeoutMillis, "request.timeout.ms");
            positive(writeTimeoutMillis, "write.timeout.ms");
            positive(commandTimeoutMillis, "command.timeout.ms");
            positive(pressureIdleMillis, "pressure.idle.ms");
            if (maxRequestSpecials < 0) {
                throw new IllegalArgumentException("max.request.specials must not be negative, is "
                        + maxRequestSpecials);
            }
        }

        /** The documented defaults for everything but these three. */
        Settings(int maxConcurrent, int maxRequestBytes, long requestTimeoutMillis) {
            this(maxConcurrent, maxRequestBytes, requestTimeoutMillis, DEFAULT_WRITE_TIMEOUT_MILLIS,
                    DEFAULT_COMMAND_TIMEOUT_MILLIS, DEFAULT_PRESSURE_IDLE_MILLIS, RequestGuard.MAX_SPECIALS);
        }

        private static void positive(long value, String key) {
            if (value < 1) {
                throw new IllegalArgumentException(key + " must be at least 1, is " + value);
            }
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final CommandProcessor processor;
    private final Settings settings;
    private final PeerCredentials access;
    private final Logger logger;
    private final Semaphore slots;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ConnectionPool pool;
    private final ScheduledThreadPoolExecutor watchdog;
    private final Set<Thread> watchdogThreads = ConcurrentHashMap.newKeySet();
    /** Command threads abandoned by the watchdog that still run; at most maxConcurrent. */
    private final AtomicInteger abandoned = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean stopping;

    private ControlServer(Path socket, ServerSocketChannel server, CommandProcessor processor, Settings settings,
            PeerCredentials access, Logger logger) {
        this.socket = socket;
        this.server = server;
        this.processor = processor;
        this.settings = settings;
        this.access = access;
        this.logger = logger;
        this.slots = new Semaphore(settings.maxConcurrent());
        // room for maxConcurrent abandoned threads besides the slots, so a new connection never queues behind one
        this.pool = new ConnectionPool(2 * settings.maxConcurrent(), WORKER_PREFIX, logger);
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, WATCHDOG_THREAD);
            t.setDaemon(true);
            watchdogThreads.add(t);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.acceptor = new Thread(this::acceptLoop, ACCEPT_THREAD);
        this.acceptor.setDaemon(true);
    }

    /** As {@link #start(Path, UserPrincipal, Settings, PeerCredentials, CommandProcessor, Logger)}, serving the owner only. */
    static ControlServer start(Path socket, UserPrincipal owner, Settings settings, CommandProcessor processor,
            Logger logger) throws IOException {
        return start(socket, owner, settings, new PeerCredentials(owner.getName(), Set.of(), Set.of()), processor,
                logger);
    }

    /**
     * Prepares the socket's directory, replaces a stale socket file, binds and starts accepting.
     *
     * @param owner  the user who runs Revisor: the directory must belong to this user
     * @param access who may run commands
     * @throws IOException naming the socket path and what is wrong, if the socket cannot be served
     */
    static ControlServer start(Path socket, UserPrincipal owner, Settings settings, PeerCredentials access,
            CommandProcessor processor, Logger logger) throws IOException {
        Path path = socket.toAbsolutePath();
        ServerSocketChannel channel = null;
        try {
            SocketDirectory.prepare(path.getParent(), owner, shared(access), logger);
            SocketDirectory.removeStale(path, logger);
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            throw new IOException("cannot open the control socket " + path + ": " + e.getMessage(), e);
        }
        SocketDirectory.restrictSocket(path, shared(access), logger);
        if (!PeerCredentials.available()) {
            logger.warn("control socket {}: this platform does not tell the peer's user (SO_PEERCRED); only the "
                    + "directory's mode 0700 keeps other users out", path);
        }
        ControlServer server = new ControlServer(path, channel, processor, settings, access, logger);
        server.acceptor.start();
        return server;
    }

    Path socket() {
        return socket;
    }

    /** Others may reach the socket only when an allow-list names them and the kernel tells us who connects. */
    private static boolean shared(PeerCredentials access) {
        return access.allowsOthers() && PeerCredentials.available();
    }

    @Override
    public CommandProcessor processor() {
        return processor;
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public PeerCredentials access() {
        return access;
    }

    @Override
    public ScheduledExecutorService watchdog() {
        return watchdog;
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    @Override
    public boolean abandon() {
        while (true) {
            int n = abandoned.get();
            if (n >= settings.maxConcurrent()) {
                return false;
            }
            if (abandoned.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void acceptLoop() {
        try {
            while (!stopping) {
                SocketChannel client = null;
                boolean slot = false;
                boolean dispatched = false;
                try {
                    client = server.accept();
                    awaitSlot(); // at most maxConcurrent connections: the rest wait in the accept queue
                    slot = true;
                    dispatched = dispatch(client);
                } catch (ClosedChannelException e) { // closed or interrupted: stopping
                    return;
                } catch (IOException | RuntimeException e) { // one failure never ends the loop
                    logger.warn("control socket {}: accepting a connection failed, going on: {}", socket, e.toString());
                    Thread.sleep(100); // no busy loop on a persistent failure such as too many open files
                } finally {
                    if (!dispatched) {
                        if (client != null) {
                            closeQuietly(client);
                        }
                        if (slot) {
                            slots.release();
                        }
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
     * Takes a slot for the client just accepted. While every slot is taken, closes the connection that has waited
     * longest for its client, once that wait passes {@code pressureIdleMillis}, one at a time.
     */
    private void awaitSlot() throws InterruptedException {
        long poll = Math.min(PRESSURE_POLL_MILLIS, settings.pressureIdleMillis());
        while (!slots.tryAcquire(poll, TimeUnit.MILLISECONDS)) {
            evictOldestStalled();
        }
    }

    private void evictOldestStalled() {
        long now = System.nanoTime();
        long limit = TimeUnit.MILLISECONDS.toNanos(settings.pressureIdleMillis());
        Connection oldest = null;
        long oldestSince = 0;
        for (Connection c : connections) {
            long since = c.stalledSince();
            if (since != 0 && now - since >= limit && (oldest == null || since - oldestSince < 0)) {
                oldest = c;
                oldestSince = since;
            }
        }
        if (oldest != null && oldest.evict()) {
            logger.info("control socket {}: all {} slots are taken; closed a connection that waited {} ms for its "
                    + "client", socket, settings.maxConcurrent(), TimeUnit.NANOSECONDS.toMillis(now - oldestSince));
        }
    }

    /**
     * Hands a connection to the pool, which then owns its slot (Connection.run gives it back exactly once).
     *
     * @return false if the pool refused it (only while stopping); the connection is then closed
     */
    private boolean dispatch(SocketChannel client) {
        Connection connection = new Connection(client, this, slots::release);
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
                if (connection.abandoned()) {
                    abandoned.decrementAndGet();
                }
            }
        }
    }

    /**
     * Stops accepting, interrupts running commands, closes every connection, waits (bounded) for every thread
     * this server started, and deletes the socket file.
     * <p>
     * A command sent through this socket may stop the shell bundle itself ({@code stop} or {@code update} of it):
     * then this runs on that command's Gogo thread, inside the framework call that goes on after it returns (the
     * start of the updated shell). That command's connection is {@link Connection#detach() detached}, not
     * interrupted, and not waited for: an interrupt would reach this thread late, when the connection closes its
     * Gogo session and Gogo's job thread cancels its pipes, and the framework's next step (the start) would fail,
     * leaving the shell down with no control socket. Its thread ends when the command returns.
     * <p>
     * The waits are not cut short by an interrupt of the calling thread, and an interrupt that arrives while they
     * run is this server's own doing and dropped; an interrupt status the caller had on entry is restored.
     */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        boolean interruptedOnEntry = Thread.interrupted();
        boolean interrupted = false;
        Connection own = ownConnection();
        Thread spared = own == null ? null : own.thread();
        try {
            server.close(); // wakes accept()
        } catch (IOException e) {
            logger.debug("control socket {}: closing the server channel failed: {}", socket, e.toString());
        }
        acceptor.interrupt(); // wakes slots.acquire()
        interrupted |= join(acceptor);
        watchdog.shutdownNow();
        for (Thread t : watchdogThreads) {
            interrupted |= join(t);
        }

        if (own != null) {
            own.detach();
        }
        List<Runnable> neverStarted = pool.shutdownNowSparing(spared); // interrupts running commands but our own
        for (Runnable r : neverStarted) {
            ((Tracked) r).connection.abort();
        }
        Deadline grace = new Deadline(GRACE_MILLIS);
        interrupted |= grace.await(pool, spared);
        if (!grace.done) {
            // a command that ignores its interrupt, or writes to a client that does not read: cut the line
            connections.forEach(Connection::abort);
            Deadline last = new Deadline(STOP_TIMEOUT_MILLIS);
            interrupted |= last.await(pool, spared);
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
        if (interrupted || Thread.interrupted()) {
            logger.debug("control socket {}: interrupted while it stopped (its own sessions closing); not passed on", socket);
        }
        if (interruptedOnEntry) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return the connection whose command runs on this thread (a Gogo pipe thread) and stops the shell bundle, and
     *         with it this server; null when the server is closed from elsewhere
     */
    private Connection ownConnection() {
        Job job = Job.Utils.current();
        if (job == null) {
            return null;
        }
        for (Connection c : connections) {
            if (c.runs(job)) {
                return c;
            }
        }
        return null;
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

        /**
         * @param spared a thread not to wait for (it runs the command that closes the server), or null
         * @return whether the calling thread was interrupted while it waited
         */
        boolean await(ConnectionPool pool, Thread spared) {
            boolean interrupted = false;
            while (!done) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                try {
                    done = (spared != null || pool.awaitTermination(Math.max(0, left), TimeUnit.MILLISECONDS))
                            && pool.joinAll(Math.max(1, left), spared);
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

}
