package dev.revisor.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The benchmark harness: {@code java -jar bench/target/revisor-bench.jar [options] [suite...]} from the repository root
 * ({@code bench/run} builds what it needs and calls this). Suites: startup, why, deploy, audit, scale, leaks, jmh, socket; default all.
 * {@code faults} (the fault campaign of issue 11) runs only when named; its options are {@code --scenarios N} (default
 * 1000) and {@code --seed S} (the first scenario's seed, default random; printed).
 * Options: {@code --dist DIR} (default runtime/target/revisor), {@code --work DIR} (default bench/target/work),
 * {@code --runs N} (start-up rounds, default 7), {@code --quick} (fewer rounds everywhere: a smoke test of the harness,
 * not figures to publish). The report goes to standard output and {@code WORK/results/<time>/report.md}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Path dist = Path.of("runtime/target/revisor");
        Path work = Path.of("bench/target/work");
        int runs = -1;
        boolean quick = false;
        int scenarios = 1000;
        long seed = new java.util.Random().nextInt(1_000_000);
        Set<String> suites = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
            case "--dist": dist = Path.of(args[++i]); break;
            case "--work": work = Path.of(args[++i]); break;
            case "--runs": runs = Integer.parseInt(args[++i]); break;
            case "--quick": quick = true; break;
            case "--scenarios": scenarios = Integer.parseInt(args[++i]); break;
            case "--seed": seed = Long.parseLong(args[++i]); break;
            case "-h": case "--help":
                System.out.println("usage: java -jar revisor-bench.jar [--dist DIR] [--work DIR] [--runs N] [--quick] "
                        + "[--scenarios N] [--seed S] [startup|client|why|deploy|audit|scale|leaks|jmh|socket|config|faults|all]...");
                return;
            default:
                if (args[i].startsWith("-")) {
                    System.err.println("unknown option " + args[i]);
                    System.exit(64);
                }
                suites.add(args[i]);
            }
        }
        if (suites.isEmpty() || suites.contains("all")) {
            suites = new LinkedHashSet<>(List.of("startup", "why", "deploy", "audit", "scale", "leaks", "jmh", "socket", "config"));
        }
        if (runs < 0) {
            runs = quick ? 3 : 7;
        }
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
        String machine = Machine.describe();
        System.out.println("Revisor benchmarks, " + started + "\n" + machine);
        // a harness stopped half-way (Ctrl-C, timeout) must not leave runtimes behind
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy),
                "bench-stop-children"));
        Context ctx = new Context(dist, work, runs, quick);
        List<String> failures = new ArrayList<>();
        for (String suite : suites) {
            long t0 = System.nanoTime();
            try {
                switch (suite) {
                case "startup": new StartupSuite(ctx).run(); new ClientSuite(ctx).run(); break;
                case "client": new ClientSuite(ctx).run(); break;
                case "why": new StartupWhySuite(ctx).run(); break;
                case "deploy": new DeploySuite(ctx).run(); break;
                case "audit": new AuditSuite(ctx).run(); break;
                case "scale": new ScaleSuite(ctx).run(); break;
                case "leaks": new LeakSuite(ctx).run(); break;
                case "jmh": new JmhSuite(ctx).run(); break;
                case "socket": new SocketSuite(ctx).run(); break;
                case "config": new ConfigSuite(ctx).run(); break;
                case "faults": new FaultSuite(ctx, scenarios, seed).run(); break;
                default: throw new IllegalArgumentException("unknown suite " + suite);
                }
            } catch (Exception | AssertionError e) {
                failures.add(suite + ": " + e);
                ctx.report.notMeasured("suite " + suite, "it failed in this run: " + e.getMessage());
                e.printStackTrace(System.out);
            }
            System.out.printf("== %s took %.0f s%n", suite, (System.nanoTime() - t0) / 1e9);
        }
        String header = "## Run of " + started + "\n\n" + machine.replace("\n", "  \n") + "  \nload after the run: "
                + Machine.load() + "  \ncommand: `java -jar bench/target/revisor-bench.jar " + String.join(" ", args) + "`\n";
        Path out = work.resolve("results").resolve(started);
        ctx.report.write(out, header);
        System.out.println(Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8));
        System.out.println("report: " + out.resolve("report.md"));
        if (!failures.isEmpty()) {
            System.out.println("suites that failed: " + failures);
            System.exit(1);
        }
    }
}
