package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * (1) Cold start to ready and idle RSS: Revisor ({@code bin/revisor run}, fresh home) and plain Felix (fresh cache),
 * alternating which goes first in each round.
 */
final class StartupSuite {
    private final Context ctx;

    StartupSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws IOException {
        System.out.println("== startup: " + ctx.runs + " cold starts of each, alternating");
        int settle = ctx.quick ? 3 : 5;
        List<Double> rReady = new ArrayList<>(), pReady = new ArrayList<>(), rExec = new ArrayList<>(), rLine = new ArrayList<>();
        List<Double> rJvm = new ArrayList<>(), pJvm = new ArrayList<>(), rRss = new ArrayList<>(), pRss = new ArrayList<>();
        List<Double> rtt = new ArrayList<>(), rStop = new ArrayList<>(), pStop = new ArrayList<>(), rWaitExec = new ArrayList<>();
        List<Double> rClasses = new ArrayList<>(), pClasses = new ArrayList<>(), rHeap = new ArrayList<>(), pHeap = new ArrayList<>();
        Map<String, List<Double>> rBundleStart = new HashMap<>(), pBundleStart = new HashMap<>();
        Map<String, List<Double>> rBundleCost = new HashMap<>(), pBundleCost = new HashMap<>();
        List<Double> rToProbe = new ArrayList<>(), pToProbe = new ArrayList<>(), rProbeToReady = new ArrayList<>(), pProbeToReady = new ArrayList<>();
        // The first run of a distribution writes the runtime's class-data archive when it stops (docs/running.md,
        // "Start-up of the runtime"); every later start uses it. That first start is measured apart, not in the rounds.
        double firstReady;
        double firstStop;
        try (Instance first = ctx.revisor("startup-first", "", Map.of())) {
            first.start();
            Events.Event ready = first.awaitReady(Duration.ofSeconds(60));
            firstReady = (ready.micros() - first.spawnMicros) / 1000.0;
            firstStop = first.stop();
        }
        System.out.printf(Locale.ROOT, "  first start of this distribution (it writes the class-data archive): ready %.0f ms,"
                + " stop %.0f ms%n", firstReady, firstStop);
        for (int i = 0; i < ctx.runs; i++) {
            // three starts a round, in an order that rotates: Revisor, plain Felix, Revisor with a waiting client
            for (int k = 0; k < 3; k++) {
                int kind = (k + i) % 3;
                if (kind == 2) {
                    rWaitExec.add(waitingClient());
                    continue;
                }
                boolean revisor = kind == 0;
                Instance inst = revisor ? ctx.revisor("startup", "", Map.of()) : ctx.plain("startup", List.of(), 0, Map.of());
                try (inst) {
                    inst.start();
                    Events.Event ready = inst.awaitReady(Duration.ofSeconds(60));
                    double readyMs = (ready.micros() - inst.spawnMicros) / 1000.0;
                    double jvmMs = jvmStartMillis(inst) - inst.spawnMicros / 1000.0;
                    (revisor ? rReady : pReady).add(readyMs);
                    (revisor ? rJvm : pJvm).add(jvmMs);
                    bundleStarts(inst, revisor ? rBundleStart : pBundleStart);
                    bundleStartCosts(inst.events.since(0), revisor ? rBundleCost : pBundleCost);
                    double probeMs = inst.events.since(0).stream().filter(e -> e.type().equals("PROBE")).findFirst()
                            .map(e -> (e.micros() - inst.spawnMicros) / 1000.0).orElse(Double.NaN);
                    (revisor ? rToProbe : pToProbe).add(probeMs - jvmMs);
                    (revisor ? rProbeToReady : pProbeToReady).add(readyMs - probeMs);
                    if (revisor) {
                        RevisorInstance r = (RevisorInstance) inst;
                        while (!Files.exists(r.socket())) {
                            Instance.sleep(2);
                            if (!r.alive()) {
                                throw new IllegalStateException("Revisor exited: " + Instance.tail(r.home.resolve("run.log")));
                            }
                        }
                        while (r.exec("lb").status() != 0) {
                            Instance.sleep(2);
                        }
                        rExec.add((dev.revisor.bench.probe.EventLog.nowMicros() - r.spawnMicros) / 1000.0);
                        OptionalLong line = Instance.parseStartedLine(Files.readString(r.home.resolve("run.log")));
                        line.ifPresent(v -> rLine.add((double) v));
                    }
                    Instance.sleep(settle * 1000L);
                    (revisor ? rRss : pRss).add(inst.rssKiB() / 1024.0);
                    if (revisor && i < 3) {
                        for (int e = 0; e < 5; e++) {
                            rtt.add(((RevisorInstance) inst).exec("lb").millis());
                        }
                    }
                    Map<String, List<String>> heap = inst.task("heap", "heap", Duration.ofSeconds(30));
                    (revisor ? rClasses : pClasses).add(Double.parseDouble(heap.get("loadedClasses").get(0)));
                    (revisor ? rHeap : pHeap).add(Double.parseDouble(heap.get("heapUsed").get(0)) / 1024 / 1024);
                    (revisor ? rStop : pStop).add((double) inst.stop());
                }
            }
            System.out.printf(Locale.ROOT, "  round %d: Revisor ready %.0f ms (exec %.0f ms; exec --wait started with it %.0f ms),"
                    + " plain %.0f ms%n", i + 1, rReady.get(i), rExec.get(i), rWaitExec.get(i), pReady.get(i));
        }
        List<Double> restartCached = new ArrayList<>(), restartParsed = new ArrayList<>();
        for (int i = 0; i < ctx.runs; i++) {
            boolean cachedFirst = i % 2 == 0;
            for (int k = 0; k < 2; k++) {
                boolean cached = (k == 0) == cachedFirst;
                (cached ? restartCached : restartParsed).add(restart(cached));
            }
        }
        System.out.printf(Locale.ROOT, "  restarts of a home that ran before: ds.cache.metadata true %s, false %s%n",
                restartCached, restartParsed);
        String rCmd = "bin/revisor --home FRESH run (REVISOR_OPTS=" + String.join(" ", Context.JVM_OPTIONS) + ", probe feature added)";
        String pCmd = "java " + String.join(" ", Context.JVM_OPTIONS) + " -jar org.apache.felix.main-7.0.5.jar (felix.auto.start.N = the org.apache.felix/org.osgi bundles of revisor-core + probe, fresh cache)";
        Report rep = ctx.report;
        String s = "1. Cold start and idle memory";
        rep.row(s, "spawn → all bundles Active (probe READY)", "ms", Stats.of(rReady), Stats.of(pReady), "plain Felix", 1000, "≤ 1000 ms", rCmd + " | " + pCmd);
        rep.row(s, "first start of the distribution → READY (it writes the class-data archive at its stop; not in the other rows)",
                "ms", Stats.of(List.of(firstReady)), Stats.of(pReady), "plain Felix", Double.NaN, null, rCmd);
        rep.row(s, "  its clean stop (SIGTERM → exit), the archive written", "ms", Stats.of(List.of(firstStop)), Stats.of(pStop),
                "plain Felix", Double.NaN, null, "kill -TERM PID");
        rep.row(s, "spawn → first `exec lb` answered (Revisor) vs plain Felix READY", "ms", Stats.of(rExec), Stats.of(pReady), "plain Felix", 1000, "≤ 1000 ms (issue 2)", rCmd + "; then bin/revisor exec lb until exit 0");
        rep.row(s, "spawn → first `exec --wait 60 lb` answered, the client started right after the instance (Revisor) vs plain"
                + " Felix READY", "ms", Stats.of(rWaitExec), Stats.of(pReady), "plain Felix", Double.NaN, "≤ 1.3× plain Felix (issue 15)",
                rCmd + " & bin/revisor --home H exec --wait 60 lb");
        rep.row(s, "restart of a home that ran before (a clean stop, then run again): spawn → READY, SCR's kept component"
                + " descriptions (ds.cache.metadata = true, shipped) vs parsed again (false)", "ms", Stats.of(restartCached),
                Stats.of(restartParsed), "ds.cache.metadata = false", Double.NaN, null,
                "bin/revisor --home H run; kill -TERM; bin/revisor --home H run (etc/config.properties: ds.cache.metadata = true | false)");
        if (!rLine.isEmpty()) {
            rep.row(s, "launcher's own 'started in N ms' line", "ms", Stats.of(rLine), null, null, Double.NaN, null, rCmd);
        }
        rep.row(s, "spawn → JVM start (RuntimeMXBean start time)", "ms", Stats.of(rJvm), Stats.of(pJvm), "plain Felix", Double.NaN, null, rCmd);
        rep.row(s, "  JVM start → probe active (launcher/Main, framework init, bundle installs, start level 1)", "ms", Stats.of(rToProbe),
                Stats.of(pToProbe), "plain Felix", Double.NaN, null, rCmd);
        rep.row(s, "  probe active → all bundles Active (start levels 1–5)", "ms", Stats.of(rProbeToReady), Stats.of(pProbeToReady),
                "plain Felix", Double.NaN, null, rCmd);
        rep.row(s, "idle RSS " + settle + " s after ready (VmRSS)", "MiB", Stats.of(rRss), Stats.of(pRss), "plain Felix", 100, "≤ 100 MiB (issue 2)", "/proc/PID/status VmRSS");
        rep.row(s, "`bin/revisor exec lb` round trip on an idle instance", "ms", Stats.of(rtt), null, null, 250, "≤ 250 ms (issue 2)", "bin/revisor --home H exec lb");
        rep.row(s, "heap used after 2× System.gc()", "MiB", Stats.of(rHeap), Stats.of(pHeap), "plain Felix", Double.NaN, null, "probe task heap");
        rep.row(s, "loaded classes when idle", "classes", Stats.of(rClasses), Stats.of(pClasses), "plain Felix", Double.NaN, null, "probe task heap");
        rep.row(s, "clean stop (SIGTERM → exit)", "ms", Stats.of(rStop), Stats.of(pStop), "plain Felix", Double.NaN, null, "kill -TERM PID");
        rep.note("Start: median bundle start times (STARTING → STARTED, from the probe's synchronous listener), slowest five. Revisor: "
                + slowest(rBundleStart) + ". Plain Felix: " + slowest(pBundleStart) + ". Felix calls synchronous bundle"
                + " listeners in the order of a HashMap of bundle contexts, so whether SCR's listener, which activates a DS"
                + " bundle's components on STARTED, runs before the probe's (and is counted) differs between builds: see the next note.");
        rep.note("Start cost: median time from a bundle's STARTING to the next bundle's STARTING (or READY), which holds every"
                + " synchronous listener of its start, SCR's component activation included, whatever their order; slowest five and"
                + " Revisor's own bundles. Revisor: " + slowest(rBundleCost) + "; " + own(rBundleCost) + ". Plain Felix: "
                + slowest(pBundleCost) + ".");
    }

    /**
     * A fresh home started, stopped cleanly (SCR writes its kept descriptions then, when {@code cached}) and started
     * again: spawn → READY of the second start, in ms.
     */
    private double restart(boolean cached) throws IOException {
        try (RevisorInstance r = ctx.revisor("startup-restart", "", Map.of("ds.cache.metadata", String.valueOf(cached)))) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            Instance.sleep(500);
            r.stop();
            r.start();
            Events.Event ready = r.awaitReady(Duration.ofSeconds(60));
            double millis = (ready.micros() - r.spawnMicros) / 1000.0;
            Instance.sleep(500);
            r.stop();
            return millis;
        }
    }

    /**
     * A fresh instance and, right after its spawn, {@code bin/revisor exec --wait 60 lb} (what a script that runs the
     * instance and sends it commands does): spawn → the client's exit 0, in ms.
     */
    private double waitingClient() throws IOException {
        try (RevisorInstance r = (RevisorInstance) ctx.revisor("startup-wait", "", Map.of())) {
            r.start();
            Process client = r.execWaiting(60, "lb");
            int status;
            try {
                if (!client.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                    client.destroyForcibly();
                    throw new IllegalStateException("exec --wait 60 lb hung");
                }
                status = client.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            double millis = (dev.revisor.bench.probe.EventLog.nowMicros() - r.spawnMicros) / 1000.0;
            if (status != 0) {
                throw new IllegalStateException("exec --wait 60 lb exited " + status + "; log: " + Instance.tail(r.home.resolve("run.log")));
            }
            r.awaitReady(Duration.ofSeconds(60));
            r.stop();
            return millis;
        }
    }

    static double jvmStartMillis(Instance inst) {
        return inst.events.since(0).stream().filter(e -> e.type().equals("PROBE")).findFirst()
                .map(e -> Double.parseDouble(e.rest().replace("jvmStartMillis=", ""))).orElse(Double.NaN);
    }

    /** Per bundle: STARTING → STARTED in ms, added to {@code into}. */
    static void bundleStarts(Instance inst, Map<String, List<Double>> into) {
        Map<Long, Long> starting = new HashMap<>();
        for (Events.Event e : inst.events.since(0)) {
            if (e.type().equals("STARTING")) {
                starting.put(e.bundleId(), e.micros());
            } else if (e.type().equals("STARTED") && starting.containsKey(e.bundleId())) {
                into.computeIfAbsent(e.bsn(), k -> new ArrayList<>()).add((e.micros() - starting.get(e.bundleId())) / 1000.0);
            }
        }
    }

    /**
     * Per bundle: its STARTING → the next STARTING of another bundle (or READY) in ms, added to {@code into}: the
     * start-level thread starts one bundle after the other, so this holds all the synchronous work of a start.
     */
    static void bundleStartCosts(List<Events.Event> events, Map<String, List<Double>> into) {
        for (int i = 0; i < events.size(); i++) {
            Events.Event e = events.get(i);
            if (!e.type().equals("STARTING")) {
                continue;
            }
            for (int j = i + 1; j < events.size(); j++) {
                Events.Event next = events.get(j);
                if (next.type().equals("READY") || (next.type().equals("STARTING") && next.bundleId() != e.bundleId())) {
                    into.computeIfAbsent(e.bsn(), k -> new ArrayList<>()).add((next.micros() - e.micros()) / 1000.0);
                    break;
                }
            }
        }
    }

    /** The medians of Revisor's own bundles ({@code dev.revisor.*}, the bench probe left out). */
    static String own(Map<String, List<Double>> starts) {
        return starts.entrySet().stream().filter(e -> e.getKey().startsWith("dev.revisor.") && !e.getKey().startsWith("dev.revisor.bench"))
                .sorted(Map.Entry.comparingByKey())
                .map(e -> String.format(Locale.ROOT, "%s %.1f ms", e.getKey(), Stats.of(e.getValue()).median()))
                .collect(Collectors.joining(", "));
    }

    static String slowest(Map<String, List<Double>> starts) {
        return starts.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, List<Double>> e) -> -Stats.of(e.getValue()).median()))
                .limit(5).map(e -> String.format(Locale.ROOT, "%s %.1f ms", e.getKey(), Stats.of(e.getValue()).median()))
                .collect(Collectors.joining(", "));
    }
}
