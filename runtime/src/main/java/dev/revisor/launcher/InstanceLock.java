package dev.revisor.launcher;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The instance lock of a home: an OS file lock on {@code data/revisor.lock} held for the life of the process, and
 * {@code data/revisor.pid} naming that process. Acquiring a lock that another process holds changes no file.
 */
final class InstanceLock implements AutoCloseable {
    private final Path lockFile;
    private final Path pidFile;
    private final FileChannel channel;
    private final FileLock lock;
    private final long pid;

    private InstanceLock(Path lockFile, Path pidFile, FileChannel channel, FileLock lock, long pid) {
        this.lockFile = lockFile;
        this.pidFile = pidFile;
        this.channel = channel;
        this.lock = lock;
        this.pid = pid;
    }

    /** Thrown when another process holds the lock; {@link #pid} is -1 when its pid file cannot be read. */
    static final class InUseException extends Exception {
        private static final long serialVersionUID = 1L;
        final long pid;

        InUseException(long pid) {
            super("in use by " + (pid > 0 ? "process " + pid : "another process"));
            this.pid = pid;
        }
    }

    /**
     * Takes the lock (creating the data directory and the lock file if they are missing) and writes this process's
     * pid. Throws {@link InUseException} without touching anything when another process holds it.
     */
    static InstanceLock acquire(Path lockFile, Path pidFile) throws IOException, InUseException {
        Files.createDirectories(lockFile.getParent());
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very JVM
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new InUseException(readPid(pidFile));
        }
        long pid = ProcessHandle.current().pid();
        try {
            Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
            Files.write(tmp, (pid + "\n").getBytes(StandardCharsets.US_ASCII));
            Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            lock.release();
            channel.close();
            throw new IOException("cannot write " + pidFile + ": " + e.getMessage(), e);
        }
        return new InstanceLock(lockFile, pidFile, channel, lock, pid);
    }

    /** Whether some process holds the lock of this file; false when the file does not exist. Creates nothing. */
    static boolean isHeld(Path lockFile) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        try (channel) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    /** The pid in a pid file, or -1 if it is missing or not a number. */
    static long readPid(Path pidFile) {
        try {
            return Long.parseLong(new String(Files.readAllBytes(pidFile), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    long pid() {
        return pid;
    }

    Path lockFile() {
        return lockFile;
    }

    /** Removes the pid file (if it still names this process) and releases the lock. */
    @Override
    public void close() {
        try {
            if (readPid(pidFile) == pid) {
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            // a stale pid file is harmless: the lock decides whether an instance runs
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the OS drops the lock when the process ends
        }
        Reference.reachabilityFence(this);
    }
}
