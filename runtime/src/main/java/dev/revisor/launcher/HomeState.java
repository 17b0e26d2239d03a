package dev.revisor.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Whether an instance runs in a home, decided by its instance lock (never by the pid file or the socket alone, which
 * a killed instance leaves behind), for {@code start}, {@code stop}, {@code restart} and {@code status}. Creates
 * nothing. Immutable.
 */
final class HomeState {
    enum Kind {
        /** Nobody holds the lock. */
        STOPPED,
        /** A live process holds the lock and the pid file names it. */
        RUNNING,
        /** The lock is held but its holder cannot be named, or the lock cannot be checked. */
        UNKNOWN
    }

    final Kind kind;
    /** RUNNING: the holder; STOPPED: the pid a stale pid file names, or -1. */
    final long pid;
    /** UNKNOWN: why; STOPPED: a note about stale files, or null. */
    final String detail;

    private HomeState(Kind kind, long pid, String detail) {
        this.kind = kind;
        this.pid = pid;
        this.detail = detail;
    }

    static HomeState of(Layout layout) {
        boolean held;
        try {
            held = InstanceLock.isHeld(layout.lockFile());
        } catch (IOException e) {
            return new HomeState(Kind.UNKNOWN, -1, "cannot check the instance lock " + layout.lockFile() + ": "
                    + e.getMessage());
        }
        long pid = InstanceLock.readPid(layout.pidFile());
        if (!held) {
            String note = null;
            if (pid > 0) {
                note = "a stale " + layout.pidFile() + " names process " + pid + ", which no longer holds the lock"
                        + " (killed?); it is harmless and the next start replaces it";
            } else if (Files.exists(layout.pidFile())) {
                note = "a stale, unreadable " + layout.pidFile() + " is harmless; the next start replaces it";
            }
            return new HomeState(Kind.STOPPED, pid, note);
        }
        if (pid <= 0) {
            return new HomeState(Kind.UNKNOWN, -1, "a process holds " + layout.lockFile() + " but " + layout.pidFile()
                    + " does not name it (missing or unreadable: " + (Files.isReadable(layout.pidFile())
                    ? "not a number" : "cannot read it") + ")");
        }
        if (pid == ProcessHandle.current().pid()) {
            return new HomeState(Kind.UNKNOWN, pid, layout.pidFile() + " names this very process (" + pid + ")");
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return new HomeState(Kind.UNKNOWN, pid, "a process holds " + layout.lockFile() + " but the process " + pid
                    + " named by " + layout.pidFile() + " does not exist (another host on a shared disk, or a"
                    + " container?)");
        }
        return new HomeState(Kind.RUNNING, pid, null);
    }

    /** The lock holder as a handle; only for RUNNING. */
    Optional<ProcessHandle> process() {
        return kind == Kind.RUNNING ? ProcessHandle.of(pid) : Optional.empty();
    }
}
