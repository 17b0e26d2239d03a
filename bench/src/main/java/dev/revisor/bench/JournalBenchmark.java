package dev.revisor.bench;

import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Map;
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
 * The cost of one {@code Journal.record(type, operation, bundle, details)} call on the caller's thread, in the real
 * audit bundle inside a real framework (the journal writer thread runs as it does in production, so a sustained
 * rate that outruns it shows up here as the cost of back-pressure).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JournalBenchmark {
    private EmbeddedRevisor runtime;
    private Object journal;
    private MethodHandle record;
    private Bundle bundle;
    private final Map<String, Object> details = Map.of("file", "deploy/plugin.jar", "size", 4096);

    @Setup(Level.Trial)
    public void setup() throws Exception {
        runtime = new EmbeddedRevisor(Path.of(System.getProperty("revisor.bench.dist")), null);
        journal = runtime.service("dev.revisor.audit.api.Journal");
        record = EmbeddedRevisor.handle(journal, "dev.revisor.audit.api.Journal", "record", String.class, String.class,
                Bundle.class, Map.class);
        bundle = runtime.bundle("org.apache.felix.scr");
    }

    @Benchmark
    public Object record() throws Throwable {
        return record.invokeExact(journal, "bench.record", (String) null, bundle, details);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.close();
    }
}
