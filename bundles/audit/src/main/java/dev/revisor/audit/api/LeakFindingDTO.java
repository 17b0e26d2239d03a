package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One leak: something of a bundle revision that outlived it. Each field is documented for users in
 * {@code docs/leaks.md}; {@code audit:leaks --json} prints these.
 */
public class LeakFindingDTO extends DTO {
    /** Kind of a running thread that belongs to the revision. */
    public static final String THREAD = "thread";
    /** Kind of a ThreadLocal value, in any thread, whose class comes from the revision. */
    public static final String THREAD_LOCAL = "threadlocal";
    /** Kind of a service object that another bundle still holds after its provider's revision stopped. */
    public static final String SERVICE = "service";
    /** Kind of a class loader that is still reachable after the refresh and two garbage collections. */
    public static final String ZOMBIE = "zombie";
    /** Kind of a registration with the JVM itself: shutdown hook, JDBC driver, security provider, MBean. */
    public static final String JVM_GLOBAL = "jvm-global";

    /** Unique among the findings of this runtime, e.g. {@code leak-3}. */
    public String id;
    /** {@code thread}, {@code threadlocal}, {@code service}, {@code zombie} or {@code jvm-global}. */
    public String kind;
    /** The revision at fault: its bundle id, symbolic name and version. */
    public BundleRefDTO bundle;
    /** Which revision of that bundle, e.g. {@code r7 (org.example.x/1.0.0 [12], retired by update)}. */
    public String revision;
    /** The operation after which it was found, or {@code null}. */
    public String operation;
    /** ISO-8601 UTC time it was first found. */
    public String found;
    /** One line for people. */
    public String summary;
    /** The facts that prove it, one a line. */
    public List<String> evidence;
    /** What the developer should change. */
    public String fixHint;
    /** For {@code thread} and {@code threadlocal} findings: the thread. */
    public ThreadLeakDTO thread;
    /** For {@code service} findings: the service and who held it. */
    public ServiceLeakDTO service;
    /** For {@code zombie} findings once explained: the reference chain from a GC root. */
    public LeakChainDTO chain;
}
