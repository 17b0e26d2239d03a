package dev.revisor.launcher;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWiring;

/**
 * In a run that makes the runtime's class-data archive (the first clean run of a distribution, {@code bin/revisor run}
 * with {@code -XX:ArchiveClassesAtExit}: docs/running.md, "Start-up of the runtime"): keeps the bundles' class loaders
 * from the framework's stop until the JVM exits, so that their classes go into the archive.
 * <p>
 * The JVM writes the archive at its exit from the classes that are loaded then. Without this, a collection after the
 * stop (the stamp that {@link ClientArchive#afterCommand()} writes reads every bundle jar) unloads the classes of every
 * bundle whose class loader nothing else holds: the archive kept only Logback's, which stay reachable from the JDK's
 * logging, and every later run parsed and verified the other bundles' classes from their jars again (about 550: SCR's,
 * Configuration Admin's, Gogo's and Revisor's own among them; docs/benchmarks.md).
 * <p>
 * A class of the run path only: the client never loads it (it names framework types). Concurrent Semantics: thread
 * safe.
 */
final class ArchivedBundleClasses {
    /** The loaders of the last stop of the framework in this run. Guarded by itself. */
    private static final List<ClassLoader> KEPT = new ArrayList<>();

    private ArchivedBundleClasses() {
    }

    /** Whether this JVM writes the runtime's archive when it exits. */
    static boolean archiving() {
        return ClientArchive.runtime() && System.getProperty("revisor.cds.create") != null;
    }

    /**
     * When the framework begins to stop, in a run that makes the archive: keeps the class loaders of the bundles'
     * current revisions until the JVM exits, in place of those of an earlier start of the same run. Does nothing in
     * any other run.
     */
    static void keep(Bundle[] bundles) {
        if (!archiving()) {
            return;
        }
        List<ClassLoader> loaders = new ArrayList<>();
        for (Bundle bundle : bundles) {
            BundleWiring wiring = bundle.adapt(BundleWiring.class);
            ClassLoader loader = wiring == null ? null : wiring.getClassLoader();
            if (loader != null) {
                loaders.add(loader);
            }
        }
        synchronized (KEPT) {
            KEPT.clear();
            KEPT.addAll(loaders);
        }
    }

    /** The framework starts again (a system bundle update): the loaders of its last start are let go. */
    static void release() {
        synchronized (KEPT) {
            KEPT.clear();
        }
    }
}
