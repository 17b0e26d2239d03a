package dev.revisor.launcher;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.text.SimpleDateFormat;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Work of a start that needs nothing from the framework, done on a launcher thread of its own
 * ({@value #THREAD_NAME}) while the main thread reads the plan and fills the framework, so that it is off the start's
 * critical path when a second processor is free:
 * <ol>
 * <li>the well-formedness check of {@code etc/logback.xml} ({@link LogSetup#checkWellFormed}); the main thread waits for
 * its outcome before it creates the framework ({@link #awaitCheck}), so a malformed file still stops the start at the
 * same point, with the same message, and nothing is installed;</li>
 * <li>then the JDK's one-time set-ups that the bundles would otherwise do on the framework's start-level thread, in
 * the order the start reaches them: the default time zone and the locale data of date formatting (CLDR calendar
 * data, date-format symbols), which Logback's first log line needs at start level 1 and which cost more than any
 * other single step of that level; the {@code java.time} formatters the audit's journal uses for its times; and the
 * JDK's Unix-domain socket support, whose static {@code SecureRandom} loads the security providers and reads
 * {@code java.security} when the shell bundle's control socket opens (about 20 ms on a quiet machine,
 * docs/benchmarks.md). The launcher formats two dates into strings it drops, and opens and closes one unconnected
 * Unix-domain channel (nothing is bound or connected; a platform without them only skips the step).</li>
 * </ol>
 * The thread is a daemon, ends by itself, and {@link #close} waits for it. Concurrent Semantics: {@link #awaitCheck}
 * and {@link #close} are called by the main thread only.
 */
final class EarlyWork implements AutoCloseable {
    static final String THREAD_NAME = "revisor-launcher-early";

    private final Path logbackFile;
    private final Thread thread;
    private final CountDownLatch checked = new CountDownLatch(1);
    private volatile ConfigException checkFailure;

    private EarlyWork(Path logbackFile) {
        this.logbackFile = logbackFile;
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    /**
     * Starts the thread.
     *
     * @param logbackFile the file {@link LogSetup#apply} will check ({@link LogSetup#fileToCheck}), or null
     */
    static EarlyWork begin(Path logbackFile) {
        EarlyWork work = new EarlyWork(logbackFile);
        work.thread.start();
        return work;
    }

    private void run() {
        try {
            if (logbackFile != null) {
                LogSetup.checkWellFormed(logbackFile);
            }
        } catch (ConfigException e) {
            checkFailure = e;
        } finally {
            checked.countDown();
        }
        try {
            new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(new Date());
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC).format(Instant.now());
        } catch (RuntimeException e) {
            // nothing to prepare: whoever formats a date first will say what is wrong
        }
        SelectorProviders.preferTheDefault();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.isOpen();
        } catch (IOException | RuntimeException e) {
            // no Unix-domain sockets here: the control socket will say so itself; nothing to prepare
        }
    }

    /**
     * The check for {@link LogSetup#apply}: the outcome of the early check when {@code file} is the file it checked,
     * else a check of {@code file} now.
     */
    void awaitCheck(Path file) throws ConfigException {
        if (!file.equals(logbackFile)) {
            LogSetup.checkWellFormed(file);
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                checked.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (checkFailure != null) {
            throw checkFailure;
        }
    }

    /** Waits (up to 5 s) for the thread to end; it has ended long before in every start. */
    @Override
    public void close() {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
