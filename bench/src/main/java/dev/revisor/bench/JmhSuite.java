package dev.revisor.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH benchmarks of small in-process work, each in a forked JVM with an embedded framework ({@link EmbeddedRevisor}):
 * {@link JournalBenchmark} and {@link DiagnosticsBenchmark}. The table shows the median of the measurement iterations
 * (each an average over about a second of calls) and their spread; JMH's own ± (99.9 % interval) goes into the notes.
 */
final class JmhSuite {
    private final Context ctx;

    JmhSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        Path scale = ctx.work.resolve("scale-1000");
        ScaleGenerator.generate(scale);
        int warmups = ctx.quick ? 2 : 4;
        int iterations = ctx.quick ? 3 : 8;
        System.out.println("== jmh: 1 fork, " + warmups + " warm-up and " + iterations + " measured iterations of 1 s");
        Options options = new OptionsBuilder()
                .include(JournalBenchmark.class.getName())
                .include(DiagnosticsBenchmark.class.getName())
                .forks(1)
                .warmupIterations(warmups).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Xmx1g", "-XX:+UseSerialGC", "-Drevisor.bench.dist=" + ctx.dist, "-Drevisor.bench.scale=" + scale)
                .shouldFailOnError(false)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        String s = "6. JMH (in-process, embedded framework)";
        String command = "java -jar bench/target/revisor-bench.jar jmh (JMH 1.37: -f 1 -wi " + warmups + " -i " + iterations + " -w 1s -r 1s)";
        List<String> found = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceFirst("^.*\\.", "");
            String klass = r.getParams().getBenchmark().replaceFirst("\\.[^.]*$", "").replaceFirst("^.*\\.", "");
            found.add(klass + "." + name);
            List<Double> its = new ArrayList<>();
            for (BenchmarkResult br : r.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    its.add(ir.getPrimaryResult().getScore());
                }
            }
            if (its.isEmpty()) {
                continue;
            }
            String unit = r.getPrimaryResult().getScoreUnit().replace("us/op", "µs/op");
            double target = Double.NaN;
            String targetText = null;
            String what = klass + "." + name;
            if (what.equals("DiagnosticsBenchmark.conflicts")) {
                what += " (Diagnostics.conflicts(), 1,000 bundles, no JSON)";
                target = 200;
                targetText = "≤ 200 ms (issue 3, for the command)";
            } else if (what.equals("DiagnosticsBenchmark.plan")) {
                what += " (Refreshes.plan(b000, UPDATE), 1,000 bundles)";
            } else if (what.equals("JournalBenchmark.record")) {
                what += " (Journal.record on the caller's thread)";
            }
            ctx.report.row(s, what, unit, Stats.of(its), null, null, target, targetText, command);
            ctx.report.note(String.format(Locale.ROOT, "JMH %s: %.3f ± %.3f %s (99.9 %% interval)", klass + "." + name,
                    r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(), unit));
        }
        for (String expected : List.of("JournalBenchmark.record", "DiagnosticsBenchmark.conflicts", "DiagnosticsBenchmark.plan")) {
            if (!found.contains(expected)) {
                ctx.report.notMeasured("JMH " + expected, "the benchmark failed in its fork (see the JMH output above)");
            }
        }
    }

    static TimeUnit unit() {
        return TimeUnit.MILLISECONDS;
    }
}
