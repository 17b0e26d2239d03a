package dev.revisor.launcher;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code exec --wait SECONDS}: waits until the home's instance is ready, as {@code start} and {@code status --wait}
 * mean it: the running instance (the holder of the instance lock) has reached its start level and written
 * {@code data/instance.properties} naming itself. Waiting for the control socket alone would not do: the socket is up
 * once the shell bundle has started, before the deploy bundle registers its commands, so a script's first command
 * could be "Command not found".
 *
 * <p>Cheap while it waits: as long as {@code instance.properties} does not exist, one look at the file every
 * {@value #PAUSE_MILLIS} ms, so that a client started with the instance does not take the CPU its start needs; the lock
 * and the file's content are only checked once it exists (a file a killed instance left behind is then looked at
 * every {@value #STALE_PAUSE_MILLIS} ms until the next instance replaces it). Runs on the client's main thread.
 */
final class InstanceWait {
    static final long PAUSE_MILLIS = 5;
    static final long STALE_PAUSE_MILLIS = 25;

    /** Whether the instance that wrote the file is the one that runs now, and ready. */
    interface Check {
        boolean ready();
    }

    private InstanceWait() {
    }

    /** The check of a real home: the lock's holder runs, and the file names it. */
    static Check of(Layout layout) {
        return new HomeCheck(layout);
    }

    /** A class, not a lambda: the client starts without a lambda bootstrap of its own. */
    private static final class HomeCheck implements Check {
        private final Layout layout;

        HomeCheck(Layout layout) {
            this.layout = layout;
        }

        @Override
        public boolean ready() {
            return InstanceProbe.announced(HomeState.of(layout), InstanceInfo.read(InstanceInfo.file(layout)));
        }
    }

    /**
     * @param info   {@code data/instance.properties}
     * @param millis how long to wait at most; 0: one look
     * @return true once the instance is ready, false when the time ran out first
     */
    static boolean await(Path info, Check check, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            boolean written = Files.exists(info);
            if (written && check.ready()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long pause = written ? STALE_PAUSE_MILLIS : PAUSE_MILLIS;
            try {
                Thread.sleep(Math.max(1, Math.min(pause, left / 1_000_000L)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
