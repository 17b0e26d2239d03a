package dev.revisor.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.revisor.bench.probe.EventLog;

/**
 * (4) Scale: 1,000 generated bundles exporting 5,000 packages ({@link ScaleGenerator}) booted with the runtime
 * (Revisor: a feature at start order 6; plain Felix: felix.auto.start.6), cold, alternating. Then boot time, idle
 * RSS, heap after GC, and in Revisor the time of {@code audit:conflicts} and {@code audit:plan} inside the process
 * (a Gogo session, output formatting included) and through {@code bin/revisor exec}.
 */
final class ScaleSuite {
    static final String FEATURE = "bench-scale";
    private final Context ctx;

    ScaleSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        long g0 = System.nanoTime();
        List<Path> jars = ScaleGenerator.generate(ctx.work.resolve("scale-1000"));
        System.out.printf(Locale.ROOT, "== scale: %d generated bundles ready in %.1f s (cached after the first run)%n", jars.size(),
                (System.nanoTime() - g0) / 1e9);
        List<String> ids = new ArrayList<>();
        for (Path jar : jars) {
            String artifact = jar.getFileName().toString().replaceFirst("\\.jar$", "");
            Path target = ctx.dist.resolve("system/bench/scale/" + artifact + "/1.0.0/" + artifact + "-1.0.0.jar");
            Files.createDirectories(target.getParent());
            Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
            ids.add("bench.scale:" + artifact + ":1.0.0");
        }
        ctx.writeFeature(FEATURE, "dev.revisor.bench:bench-scale:1.0.0", ids, 6);
        int runs = ctx.quick ? 1 : 3;
        List<Double> rReady = new ArrayList<>(), pReady = new ArrayList<>(), rExecReady = new ArrayList<>();
        List<Double> rRss = new ArrayList<>(), pRss = new ArrayList<>(), rHeap = new ArrayList<>(), pHeap = new ArrayList<>();
        List<Double> conflicts = new ArrayList<>(), conflictsExec = new ArrayList<>(), plan = new ArrayList<>(), planExec = new ArrayList<>();
        String planError = null;
        String conflictsSample = "";
        String planSample = "";
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < 2; k++) {
                boolean revisor = (k == 0) == (i % 2 == 0);
                Instance inst = revisor ? ctx.revisor("scale", FEATURE, Map.of()) : ctx.plain("scale", jars, 6, Map.of());
                try (inst) {
                    inst.start();
                    Events.Event ready = inst.awaitReady(Duration.ofMinutes(5));
                    (revisor ? rReady : pReady).add((ready.micros() - inst.spawnMicros) / 1000.0);
                    if (revisor) {
                        RevisorInstance r = (RevisorInstance) inst;
                        while (r.exec("lb -s bench.scale.b000").status() != 0) {
                            Instance.sleep(2);
                        }
                        rExecReady.add((EventLog.nowMicros() - r.spawnMicros) / 1000.0);
                    }
                    Instance.sleep(3000);
                    (revisor ? rRss : pRss).add(inst.rssKiB() / 1024.0);
                    Map<String, List<String>> heap = inst.task("heap", "heap", Duration.ofSeconds(60));
                    (revisor ? rHeap : pHeap).add(Double.parseDouble(heap.get("heapUsed").get(0)) / 1024 / 1024);
                    if (revisor) {
                        RevisorInstance r = (RevisorInstance) inst;
                        Map<String, List<String>> c = r.task("conflicts", "gogo 10 audit:conflicts --json", Duration.ofMinutes(5));
                        for (String line : c.get("run")) {
                            conflicts.add(Double.parseDouble(line.split(" ")[0]) / 1e6);
                        }
                        conflictsSample = c.get("run").get(0).split(" ")[1] + " characters";
                        for (int e = 0; e < 3; e++) {
                            RevisorInstance.Exec x = r.exec("audit:conflicts --json");
                            if (x.status() != 0) {
                                throw new IllegalStateException("exec audit:conflicts failed: " + x.output());
                            }
                            conflictsExec.add(x.millis());
                        }
                        try {
                            Map<String, List<String>> p = r.task("plan", "gogo 10 audit:plan --update --json " + ScaleGenerator.bsn(0),
                                    Duration.ofMinutes(5));
                            for (String line : p.get("run")) {
                                plan.add(Double.parseDouble(line.split(" ")[0]) / 1e6);
                            }
                            planSample = p.get("run").get(0).split(" ")[1] + " characters";
                            for (int e = 0; e < 3; e++) {
                                planExec.add(r.exec("audit:plan --update --json " + ScaleGenerator.bsn(0)).millis());
                            }
                        } catch (IllegalStateException e) {
                            planError = e.getMessage();
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "  round %d: Revisor ready %.0f ms, plain %.0f ms%n", i + 1, rReady.get(i), pReady.get(i));
        }
        Report rep = ctx.report;
        String s = "4. Scale (1,000 generated bundles, 5,000 exported packages)";
        rep.row(s, "cold boot → all 1,000 + core bundles Active (probe READY)", "ms", Stats.of(rReady), Stats.of(pReady), "plain Felix",
                Double.NaN, null, "bin/revisor run with features revisor-core bench-probe bench-scale | felix.main with felix.auto.start.6 = the 1,000 jars");
        rep.row(s, "cold boot → first `exec` answered", "ms", Stats.of(rExecReady), Stats.of(pReady), "plain Felix READY", Double.NaN, null,
                "bin/revisor exec 'lb -s bench.scale.b000' until exit 0");
        rep.row(s, "idle RSS 3 s after ready", "MiB", Stats.of(rRss), Stats.of(pRss), "plain Felix", Double.NaN, null, "/proc/PID/status VmRSS");
        rep.row(s, "heap used after 2× System.gc()", "MiB", Stats.of(rHeap), Stats.of(pHeap), "plain Felix", Double.NaN, null, "probe task heap");
        rep.row(s, "`audit:conflicts --json` in-process (Gogo session; " + conflictsSample + ")", "ms", Stats.of(conflicts), null, null,
                200, "≤ 200 ms (issue 3)", "probe task: gogo 10 audit:conflicts --json");
        rep.row(s, "`bin/revisor exec 'audit:conflicts --json'` round trip", "ms", Stats.of(conflictsExec), null, null, Double.NaN, null,
                "bin/revisor exec 'audit:conflicts --json'");
        if (plan.isEmpty()) {
            rep.notMeasured("audit:plan on 1,000 bundles", planError == null ? "no result" : planError);
        } else {
            rep.row(s, "`audit:plan --update --json " + ScaleGenerator.bsn(0) + "` in-process (" + planSample + ")", "ms", Stats.of(plan), null, null,
                    Double.NaN, null, "probe task: gogo 10 audit:plan --update --json " + ScaleGenerator.bsn(0));
            rep.row(s, "`bin/revisor exec 'audit:plan --update --json " + ScaleGenerator.bsn(0) + "'` round trip", "ms", Stats.of(planExec), null, null,
                    Double.NaN, null, "bin/revisor exec 'audit:plan --update --json " + ScaleGenerator.bsn(0) + "'");
        }
    }
}
