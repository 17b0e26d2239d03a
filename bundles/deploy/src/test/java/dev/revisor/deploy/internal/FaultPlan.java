package dev.revisor.deploy.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where the fake framework and the fake audit fail, as a test names it: a step, the bundle it is about (its symbolic
 * name, or {@code null} for any), the how-manieth time that step reaches that bundle, and what is thrown there
 * (a {@code BundleException}, an {@code IllegalStateException}, a {@code TimeoutException}, a {@link Crash}, ...).
 * A fault fires once. {@link Step#REFRESH_SILENT} does not throw: the refresh runs but never tells its listener.
 * <p>
 * Concurrent Semantics: thread safe (the fakes consult it on the deploy thread, the start threads and the refresh thread).
 */
final class FaultPlan {
    /** The steps a fault can be put at. */
    enum Step {
        /** {@code BundleContext.installBundle}, before anything is installed. */
        INSTALL,
        /** {@code Bundle.update}, before the new bytes are read: the bundle keeps its revision. */
        UPDATE,
        /** {@code Bundle.uninstall}, before anything changes. */
        UNINSTALL,
        /** {@code Bundle.stop}, before the bundle's state changes. */
        STOP,
        /** {@code Bundle.start}, before the bundle's state changes. */
        START,
        /** {@code FrameworkWiring.refreshBundles}: thrown on the caller's thread, nothing is refreshed. */
        REFRESH,
        /** {@code FrameworkWiring.refreshBundles}: the refresh runs, but its listeners are never called. */
        REFRESH_SILENT,
        /** {@code Refreshes.refresh} of the audit API, before the framework is asked. */
        AUDIT_REFRESH,
        /** {@code Refreshes.plan} of the audit API: before anything changes. */
        AUDIT_PLAN
    }

    /**
     * What a kill -9 does to the deploy thread: nothing after it runs (the engine catches exceptions, not errors).
     * Used to leave a write-ahead record behind, as a crash would.
     */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(String where) {
            super("simulated crash at " + where);
        }
    }

    private static final class Fault {
        final Step step;
        final String symbolicName;
        final int occurrence;
        final Supplier<? extends Throwable> thrown;
        final AtomicInteger seen = new AtomicInteger();
        volatile boolean fired;

        Fault(Step step, String symbolicName, int occurrence, Supplier<? extends Throwable> thrown) {
            this.step = step;
            this.symbolicName = symbolicName;
            this.occurrence = occurrence;
            this.thrown = thrown;
        }
    }

    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<String> fired = new CopyOnWriteArrayList<>();

    /**
     * @param step         where
     * @param symbolicName the bundle it is about, or {@code null} for any bundle (and for steps about no bundle)
     * @param occurrence   1 for the first time the step reaches that bundle, 2 for the second, ...
     * @param thrown       makes what is thrown
     */
    FaultPlan at(Step step, String symbolicName, int occurrence, Supplier<? extends Throwable> thrown) {
        faults.add(new Fault(step, symbolicName, occurrence, thrown));
        return this;
    }

    FaultPlan at(Step step, String symbolicName, Supplier<? extends Throwable> thrown) {
        return at(step, symbolicName, 1, thrown);
    }

    /** The n-th refresh of the framework runs but never calls its listeners. */
    FaultPlan silentRefresh(int occurrence) {
        return at(Step.REFRESH_SILENT, null, occurrence, () -> null);
    }

    /** Throws what the plan says for this step and bundle now, if anything. */
    void check(Step step, String symbolicName) {
        Fault f = due(step, symbolicName);
        if (f != null) {
            Throwable t = f.thrown.get();
            if (t != null) {
                throw FaultPlan.<RuntimeException>sneaky(t);
            }
        }
    }

    /** @return whether a fault of this step is due now (and marks it fired) */
    boolean fires(Step step, String symbolicName) {
        return due(step, symbolicName) != null;
    }

    /** @return the faults that fired, {@code STEP symbolicName #n}, in order */
    List<String> fired() {
        return List.copyOf(fired);
    }

    /** @return the faults planned that have not fired: a test whose fault never fired tested nothing */
    List<String> unfired() {
        List<String> out = new java.util.ArrayList<>();
        for (Fault f : faults) {
            if (!f.fired) {
                out.add(f.step + " " + f.symbolicName + " #" + f.occurrence + " (reached " + f.seen.get() + " times)");
            }
        }
        return out;
    }

    private Fault due(Step step, String symbolicName) {
        for (Fault f : faults) {
            if (f.step != step || f.fired || (f.symbolicName != null && !f.symbolicName.equals(symbolicName))) {
                continue;
            }
            if (f.seen.incrementAndGet() == f.occurrence) {
                f.fired = true;
                fired.add(step + " " + symbolicName + " #" + f.occurrence);
                return f;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
