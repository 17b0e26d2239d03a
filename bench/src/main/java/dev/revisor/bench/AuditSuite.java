package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * (3) Audit overhead: install/start/stop/uninstall cycles of a small plugin (an activator that registers a service),
 * called directly inside Revisor by the probe, in legs with the audit on and off, ordered on, off, off, on, on, ...
 * (ABBA, which cancels a linear drift) in one run of one process. "Off" stops the {@code dev.revisor.audit} bundle
 * (every hook, listener and the journal writer go with it); "on" starts it again. The same cycles in plain Felix are
 * reported beside them for reference.
 */
final class AuditSuite {
    static final String AUDIT_BSN = "dev.revisor.audit";
    static final String LEAK_COMPONENT = "dev.revisor.audit.internal.leaks.LeakDetector";
    private final Context ctx;

    AuditSuite(Context ctx) {
        this.ctx = ctx;
    }

    /**
     * The evidence behind the figures: one more Revisor, recorded with JFR (settings=profile) during 10 × perLeg cycles
     * with the audit on; collections by cause, sampled Revisor frames, and how large the operations grew (journal).
     */
    private void profile(Path jar, int perLeg) throws IOException {
        Path jfr = ctx.work.resolve("homes/audit-cycles.jfr");
        List<String> opts = new ArrayList<>(Context.JVM_OPTIONS);
        opts.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
        int cycles = perLeg * 10;
        try (RevisorInstance r = ctx.revisor("audit-jfr", "", Map.of(), opts)) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            r.task("warmup", "cycles " + jar + " " + perLeg + " 1 -", Duration.ofMinutes(5));
            Map<String, List<String>> res = r.task("cycles", "cycles " + jar + " " + cycles + " 1 -", Duration.ofMinutes(10));
            String[] leg = res.get("leg").get(0).split(" ");
            Map<String, Integer> perOperation = new java.util.HashMap<>();
            for (com.google.gson.JsonObject o : LeakSuite.events(r.home.resolve("data/audit/journal.jsonl"), 0)) {
                if (o.has("operation") && !o.get("operation").isJsonNull() && o.has("bundle") && o.get("bundle").isJsonObject()
                        && String.valueOf(LeakSuite.str(o.getAsJsonObject("bundle"), "symbolicName")).equals("bench.cycle")) {
                    perOperation.merge(o.get("operation").getAsString(), 1, Integer::sum);
                }
            }
            r.stop();
            Profile p = Profile.read(jfr);
            int largest = perOperation.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            ctx.report.note(String.format(Locale.ROOT, "Profile of %d cycles with the audit on (JFR settings=profile, %s; %.0f ms wall, "
                    + "%d full GCs): %s. The journal's events about the cycle bundles fall into %d operations, the largest with %d events.",
                    cycles, jfr.getFileName(), Double.parseDouble(leg[2]) / 1e6, Long.parseLong(leg[4]), p.summary(8), perOperation.size(), largest));
        } catch (RuntimeException e) {
            ctx.report.note("Profile of the audit cycles failed: " + e);
        }
    }

    void run() throws IOException {
        int perLeg = ctx.quick ? 50 : 100;
        int legs = 10; // 5 on, 5 off
        System.out.println("== audit: " + legs + " legs of " + perLeg + " cycles, audit on/off alternating ABBA");
        Path jars = ctx.work.resolve("homes/audit-jars");
        Files.createDirectories(jars);
        Path jar = ctx.factory.plugin(jars.resolve("cycle.jar"), "bench.cycle", "1.0.0", "cycle");
        List<Double> on = new ArrayList<>(), off = new ArrayList<>(), plain = new ArrayList<>();
        double[] cpu = new double[4]; // cpu on, cycles on, cpu off, cycles off
        List<Double> legOn = new ArrayList<>(), legOff = new ArrayList<>();
        List<Double> spacedOn = new ArrayList<>(), spacedOff = new ArrayList<>(), spacedLegOn = new ArrayList<>(), spacedLegOff = new ArrayList<>();
        long[] gcPerLeg = new long[2];
        long[] spacedGc = new long[2];
        try (RevisorInstance r = ctx.revisor("audit", "", Map.of());
             PlainFelixInstance p = ctx.plain("audit", List.of(), 0, Map.of())) {
            r.start();
            p.start();
            r.awaitReady(Duration.ofSeconds(60));
            p.awaitReady(Duration.ofSeconds(60));
            Instance.sleep(2000);
            // warm-up (JIT), not counted
            r.task("warmup", "cycles " + jar + " " + perLeg + " 2 " + AUDIT_BSN, Duration.ofMinutes(5));
            p.task("warmup", "cycles " + jar + " " + perLeg + " 1 -", Duration.ofMinutes(5));
            Map<String, List<String>> res = r.task("cycles", "cycles " + jar + " " + perLeg + " " + legs + " " + AUDIT_BSN, Duration.ofMinutes(10));
            for (String c : res.get("cycle")) {
                String[] f = c.split(" ");
                (f[1].equals("on") ? on : off).add(Double.parseDouble(f[2]) / 1000.0);
            }
            for (String l : res.get("leg")) {
                String[] f = l.split(" ");
                boolean isOn = f[1].equals("on");
                (isOn ? legOn : legOff).add(Double.parseDouble(f[2]) / 1e6);
                cpu[isOn ? 0 : 2] += Double.parseDouble(f[3]);
                cpu[isOn ? 1 : 3] += perLeg;
                gcPerLeg[isOn ? 0 : 1] += f.length > 4 ? Long.parseLong(f[4]) : 0;
            }
            Map<String, List<String>> pres = p.task("cycles", "cycles " + jar + " " + perLeg + " 5 -", Duration.ofMinutes(10));
            for (String c : pres.get("cycle")) {
                plain.add(Double.parseDouble(c.split(" ")[2]) / 1000.0);
            }
            // which share is the leak detection's: the same legs, "off" = only the leak detector's DS component disabled
            Map<String, List<String>> spaced = r.task("spaced", "cycles " + jar + " " + perLeg + " " + legs + " component:" + LEAK_COMPONENT,
                    Duration.ofMinutes(10));
            for (String c : spaced.get("cycle")) {
                String[] f = c.split(" ");
                (f[1].equals("on") ? spacedOn : spacedOff).add(Double.parseDouble(f[2]) / 1000.0);
            }
            for (String l : spaced.get("leg")) {
                String[] f = l.split(" ");
                (f[1].equals("on") ? spacedLegOn : spacedLegOff).add(Double.parseDouble(f[2]) / 1e6);
                spacedGc[f[1].equals("on") ? 0 : 1] += f.length > 4 ? Long.parseLong(f[4]) : 0;
            }
        }
        profile(jar, perLeg);
        Report rep = ctx.report;
        String s = "3. Audit overhead (install/start/stop/uninstall cycles, in-process)";
        String cmd = "probe task: cycles JAR " + perLeg + " " + legs + " dev.revisor.audit (legs on,off,off,on,...; off = dev.revisor.audit stopped)";
        Stats sOn = Stats.of(on), sOff = Stats.of(off);
        rep.row(s, "one cycle, audit on vs audit off (same process)", "µs", sOn, sOff, "Revisor, audit off",
                sOff.median() * 1.05, "overhead ≤ 5 %", cmd);
        rep.row(s, "one leg of " + perLeg + " cycles (wall), audit on vs off", "ms", Stats.of(legOn), Stats.of(legOff), "Revisor, audit off",
                Stats.of(legOff).median() * 1.05, "overhead ≤ 5 %", cmd);
        rep.row(s, "one cycle, Revisor (audit on) vs plain Felix", "µs", sOn, Stats.of(plain), "plain Felix", Double.NaN, null,
                "probe task: cycles JAR " + perLeg + " 5 - (plain Felix)");
        String scmd = "probe task: cycles JAR " + perLeg + " " + legs + " component:" + LEAK_COMPONENT + " (off = scr:disable of that component)";
        rep.row(s, "one cycle, full audit vs audit without its leak detector (the detector's share)", "µs", Stats.of(spacedOn),
                Stats.of(spacedOff), "audit without leak detector", Double.NaN, null, scmd);
        rep.row(s, "one leg of " + perLeg + " cycles, full audit vs audit without leak detector", "ms", Stats.of(spacedLegOn),
                Stats.of(spacedLegOff), "audit without leak detector", Double.NaN, null, scmd);
        double cpuOn = cpu[0] / cpu[1] / 1000, cpuOff = cpu[2] / cpu[3] / 1000;
        rep.note(String.format(Locale.ROOT, "Audit overhead: median cycle %.0f µs on vs %.0f µs off = %+.1f %%; process CPU per cycle "
                + "(all threads, the journal writer's included) %.0f µs on vs %.0f µs off = %+.1f %%.", sOn.median(), sOff.median(),
                (sOn.median() / sOff.median() - 1) * 100, cpuOn, cpuOff, (cpuOn / cpuOff - 1) * 100));
        rep.note(String.format(Locale.ROOT, "Full collections (System.gc() with the serial collector) during the cycles: %d in the %d on-legs, "
                + "%d in the off-legs; with and without the leak detector: %d, %d.", gcPerLeg[0], legs / 2, gcPerLeg[1],
                spacedGc[0], spacedGc[1]));
    }
}
