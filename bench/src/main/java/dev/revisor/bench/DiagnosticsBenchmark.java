package dev.revisor.bench;

import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.osgi.framework.Bundle;

/**
 * {@code Diagnostics.conflicts()} (the analysis behind audit:conflicts, without JSON) and {@code Refreshes.plan(...)}
 * (behind audit:plan) on the live wiring of 1,000 generated bundles plus the core feature.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DiagnosticsBenchmark {
    private EmbeddedRevisor runtime;
    private Object diagnostics;
    private MethodHandle conflicts;
    private Object refreshes;
    private MethodHandle plan;
    private Object update;
    private List<Bundle> planned;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        runtime = new EmbeddedRevisor(Path.of(System.getProperty("revisor.bench.dist")),
                Path.of(System.getProperty("revisor.bench.scale")));
        diagnostics = runtime.service("dev.revisor.audit.api.Diagnostics");
        conflicts = EmbeddedRevisor.handle(diagnostics, "dev.revisor.audit.api.Diagnostics", "conflicts");
        try {
            refreshes = runtime.service("dev.revisor.audit.api.Refreshes");
            Class<?> change = refreshes.getClass().getClassLoader().loadClass("dev.revisor.audit.api.Refreshes$Change");
            update = enumConstant(change, "UPDATE");
            plan = EmbeddedRevisor.handle(refreshes, "dev.revisor.audit.api.Refreshes", "plan", Collection.class, change);
            planned = List.of(runtime.bundle(ScaleGenerator.bsn(0)));
        } catch (Exception | Error e) {
            plan = null; // not in this build: conflicts() is still measured, plan() reports the reason
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    @Benchmark
    public Object conflicts() throws Throwable {
        return conflicts.invokeExact(diagnostics);
    }

    @Benchmark
    public Object plan() throws Throwable {
        if (plan == null) {
            throw new IllegalStateException("no Refreshes.plan in this build");
        }
        return plan.invoke(refreshes, (Collection<Bundle>) planned, update);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.close();
    }
}
