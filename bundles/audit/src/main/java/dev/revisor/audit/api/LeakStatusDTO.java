package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** How leak detection works in this JVM. */
public class LeakStatusDTO extends DTO {
    /**
     * What {@code System.gc()} does here: {@code full} (a full collection: zombies are found after one call),
     * {@code concurrent} ({@code -XX:+ExplicitGCInvokesConcurrent}: slower, several calls) or {@code disabled}
     * ({@code -XX:+DisableExplicitGC}: zombie revisions cannot be detected).
     */
    public String gc;
    /** Whether thread internals (Runnable, ThreadLocals, executor and Timer tasks, shutdown hooks) can be read. */
    public boolean inspectable;
    /** Limits of this JVM that the findings are subject to, in plain words; empty when there are none. */
    public List<String> notes;
    /** Revisions out of use and not checked yet: still removal-pending (waiting for a refresh), or waiting for the next check. */
    public int pending;
    /** Where the heap analyzer was looked for, and whether it is there. */
    public String analyzer;
}
