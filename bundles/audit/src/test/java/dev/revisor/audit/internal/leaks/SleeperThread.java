package dev.revisor.audit.internal.leaks;

/** Loaded by a separate class loader in {@link ThreadScanTest}: a thread class of a "revision". */
public class SleeperThread extends Thread {
    public SleeperThread() {
        super("sleeper");
        setDaemon(true);
    }

    @Override
    public void run() {
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            // ends
        }
    }
}
