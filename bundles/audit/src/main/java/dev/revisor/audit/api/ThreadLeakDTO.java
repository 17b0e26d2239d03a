package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** The thread of a {@code thread} or {@code threadlocal} finding. */
public class ThreadLeakDTO extends DTO {
    /** Thread id. */
    public long id;
    /** Thread name. */
    public String name;
    /** Thread state: {@code RUNNABLE}, {@code TIMED_WAITING}, ... */
    public String state;
    public boolean daemon;
    /**
     * How the thread was tied to the revision: {@code thread-class}, {@code runnable}, {@code executor-task},
     * {@code executor-thread-factory}, {@code timer-task}, {@code context-class-loader}, {@code stack-frame},
     * {@code thread-local}.
     */
    public String attribution;
    /** The class (or stack frame) of the revision that tied it. */
    public String culprit;
    /** The top of its stack, one frame a line. */
    public List<String> stack;
}
