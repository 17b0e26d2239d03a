package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** A bundle stop in progress, as the stop watchdog sees it. */
public class StopDTO extends DTO {
    public BundleRefDTO bundle;
    /** The operation the stop belongs to, or {@code null}. */
    public String operation;
    /** The thread doing the stop (the one that fired STOPPING). */
    public String thread;
    public long threadId;
    /** ISO-8601 time the stop began. */
    public String since;
    public long elapsedMillis;
    /** Whether it has taken longer than the watchdog's limit. */
    public boolean hung;
    /** The stopping thread's stack, innermost frame first (filled in once the stop is hung). */
    public List<String> stack;
    /** The lock the stopping thread waits for, e.g. {@code java.lang.Object@1b2c3d}, or {@code null}. */
    public String lock;
    /** The thread that holds that lock, e.g. {@code "worker-1" (id 42)}, or {@code null}. */
    public String lockOwner;
    /** The stopping thread's state: BLOCKED, WAITING, TIMED_WAITING, RUNNABLE. */
    public String threadState;
}
