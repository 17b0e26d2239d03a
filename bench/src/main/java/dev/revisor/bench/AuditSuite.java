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
 * called directly inside Revisor by the probe. Two Revisor runtimes of the same distribution run side by side, one with
 * the {@code dev.revisor.audit} bundle stopped at start (every hook, listener and the journal writer go with it); both
 * are warmed up, then legs of cycles alternate between them, on, off, off, on, on, ... (ABBA, which cancels a linear
 * drift of the machine), one runtime idle while the other works. Nothing is switched during the measurement: stopping
 * and starting the audit between legs of one runtime (the former method, still reported for comparison) makes the JIT
 * throw away and recompile the framework's code paths at each switch, which no runtime in use does and which cost
 * more than the audit itself. Each leg begins after 500 ms of quiet and 50 settle cycles, reported apart. Legs of 500
 * cycles without a pause are the issue's benchmark; four of 2,000 add the leak checks and the operation ends that
 * longer churn brings. The same cycles in plain Felix are reported
 * beside them for reference.
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

    /** One ABBA series of the cycles task: per-cycle times, per-leg wall and CPU, settle cycles, by state. */
    private static final class Legs {
        final List<Double> cycleOn = new ArrayList<>(), cycleOff = new ArrayList<>();
        final List<Double> settleOn = new ArrayList<>(), settleOff = new ArrayList<>();
        final List<Double> wallOn = new ArrayList<>(), wallOff = new ArrayList<>();
        final List<Double> ownCpuOn = new ArrayList<>(), ownCpuOff = new ArrayList<>();
        double cpuOn, cpuOff, cyclesOn, cyclesOff;
        long gcOn, gcOff;
        /** CPU nanoseconds per thread name (digits dropped), summed over the legs of each state */
        final Map<String, Double> threadsOn = new java.util.TreeMap<>(), threadsOff = new java.util.TreeMap<>();

        /** Legs of one run of the cycles task, "on" and "off" as the task switched the audit. */
        Legs(Map<String, List<String>> res, int perLeg) {
            add(res, perLeg, null);
        }

        Legs() {
        }

        /**
         * Adds the legs of one run of the cycles task.
         *
         * @param audit whether they ran with the audit on (in the runtime without it: off); {@code null}: as the task
         *              switched it
         */
        Legs add(Map<String, List<String>> res, int perLeg, Boolean audit) {
            for (String c : res.get("cycle")) {
                String[] f = c.split(" ");
                (state(f[1], audit) ? cycleOn : cycleOff).add(Double.parseDouble(f[2]) / 1000.0);
            }
            for (String c : res.getOrDefault("settle", List.of())) {
                String[] f = c.split(" ");
                (state(f[1], audit) ? settleOn : settleOff).add(Double.parseDouble(f[2]) / 1000.0);
            }
            for (String l : res.get("leg")) {
                String[] f = l.split(" ");
                boolean on = state(f[1], audit);
                (on ? wallOn : wallOff).add(Double.parseDouble(f[2]) / 1e6);
                if (on) {
                    cpuOn += Double.parseDouble(f[3]);
                    cyclesOn += perLeg;
                    gcOn += Long.parseLong(f[4]);
                } else {
                    cpuOff += Double.parseDouble(f[3]);
                    cyclesOff += perLeg;
                    gcOff += Long.parseLong(f[4]);
                }
                (on ? ownCpuOn : ownCpuOff).add(Double.parseDouble(f[5]) / 1e6);
            }
            for (String l : res.getOrDefault("threads", List.of())) {
                String[] f = l.split(" ");
                Map<String, Double> into = state(f[1], audit) ? threadsOn : threadsOff;
                for (int i = 2; i < f.length; i++) {
                    int eq = f[i].lastIndexOf('=');
                    String name = f[i].substring(0, eq);
                    if (name.startsWith("fileinstall-")) {
                        name = "fileinstall"; // FileInstall names its thread after the watched folder's path
                    }
                    into.merge(name, Double.parseDouble(f[i].substring(eq + 1)), Double::sum);
                }
            }
            return this;
        }

        private static boolean state(String word, Boolean audit) {
            return audit != null ? audit : word.equals("on");
        }

        /**
         * @return where the process CPU per cycle goes, on vs off: each Java thread with more than 1 µs per cycle, and
         *         the rest of the process (JIT compilers, garbage collector, VM thread), in µs per cycle
         */
        String cpuByThread() {
            java.util.Set<String> names = new java.util.TreeSet<>(threadsOn.keySet());
            names.addAll(threadsOff.keySet());
            List<String> parts = new ArrayList<>();
            double javaOn = 0, javaOff = 0;
            for (String n : names) {
                double a = threadsOn.getOrDefault(n, 0.0) / cyclesOn / 1000, b = threadsOff.getOrDefault(n, 0.0) / cyclesOff / 1000;
                javaOn += a;
                javaOff += b;
                if (a > 1 || b > 1) {
                    parts.add(String.format(Locale.ROOT, "%s %.0f vs %.0f", n, a, b));
                }
            }
            parts.add(String.format(Locale.ROOT, "JIT, GC and VM threads (process CPU minus the Java threads) %.0f vs %.0f",
                    cpuOn / cyclesOn / 1000 - javaOn, cpuOff / cyclesOff / 1000 - javaOff));
            return String.join("; ", parts);
        }
    }

    void run() throws IOException {
        int perLeg = 100;
        int legs = ctx.quick ? 8 : 20; // half on, half off
        int settle = 50;
        int issueLeg = 500; // the issue's benchmark: 500 cycles, audit on and off
        int issueLegs = ctx.quick ? 4 : 8;
        int longLeg = ctx.quick ? 1000 : 2000;
        int longLegs = 4;
        System.out.println("== audit: two Revisor runtimes, one with the audit stopped; " + legs + " legs of " + settle + " + " + perLeg
                + " cycles alternating ABBA between them, then " + issueLegs + " of " + issueLeg + " and " + longLegs + " of " + longLeg + "; then the audit switched in one runtime");
        Path jars = ctx.work.resolve("homes/audit-jars");
        Files.createDirectories(jars);
        Path jar = ctx.factory.plugin(jars.resolve("cycle.jar"), "bench.cycle", "1.0.0", "cycle");
        List<Double> plain = new ArrayList<>();
        Legs main = new Legs();
        Legs issue = new Legs();
        Legs churn = new Legs();
        Legs switched;
        Legs spaced;
        try (RevisorInstance r = ctx.revisor("audit", "", Map.of());
             RevisorInstance q = ctx.revisor("audit-off", "", Map.of());
             PlainFelixInstance p = ctx.plain("audit", List.of(), 0, Map.of())) {
            r.start();
            q.start();
            p.start();
            r.awaitReady(Duration.ofSeconds(60));
            q.awaitReady(Duration.ofSeconds(60));
            p.awaitReady(Duration.ofSeconds(60));
            q.task("stop", "stop " + AUDIT_BSN, Duration.ofMinutes(1));
            Instance.sleep(2000);
            // warm-up (JIT), not counted: each runtime reaches its own steady state, nothing is switched afterwards
            for (RevisorInstance x : List.of(r, q)) {
                x.task("warmup", "cycles " + jar + " " + perLeg + " 10 - " + settle, Duration.ofMinutes(5));
            }
            p.task("warmup", "cycles " + jar + " " + perLeg + " 1 -", Duration.ofMinutes(5));
            for (int leg = 0; leg < legs; leg++) {
                boolean on = leg % 4 == 0 || leg % 4 == 3; // on off off on | on off off on ...
                main.add((on ? r : q).task("leg" + leg, "cycles " + jar + " " + perLeg + " 1 - " + settle, Duration.ofMinutes(5)),
                        perLeg, on);
            }
            for (int leg = 0; leg < issueLegs; leg++) {
                boolean on = leg % 4 == 0 || leg % 4 == 3;
                issue.add((on ? r : q).task("issue" + leg, "cycles " + jar + " " + issueLeg + " 1 - " + settle, Duration.ofMinutes(5)),
                        issueLeg, on);
            }
            for (int leg = 0; leg < longLegs; leg++) {
                boolean on = leg % 4 == 0 || leg % 4 == 3;
                churn.add((on ? r : q).task("churn" + leg, "cycles " + jar + " " + longLeg + " 1 - " + settle, Duration.ofMinutes(5)),
                        longLeg, on);
            }
            Map<String, List<String>> pres = p.task("cycles", "cycles " + jar + " " + perLeg + " 5 -", Duration.ofMinutes(10));
            for (String c : pres.get("cycle")) {
                plain.add(Double.parseDouble(c.split(" ")[2]) / 1000.0);
            }
            // the former method, for comparison: the audit bundle stopped and started again between legs of one runtime
            switched = new Legs(r.task("switched", "cycles " + jar + " " + perLeg + " " + legs + " " + AUDIT_BSN + " " + settle,
                    Duration.ofMinutes(10)), perLeg);
            // which share is the leak detection's: the same legs, "off" = only the leak detector's DS component disabled
            spaced = new Legs(r.task("spaced", "cycles " + jar + " " + perLeg + " " + legs + " component:" + LEAK_COMPONENT
                    + " " + settle, Duration.ofMinutes(10)), perLeg);
        }
        profile(jar, perLeg);
        Report rep = ctx.report;
        String s = "3. Audit overhead (install/start/stop/uninstall cycles, in-process)";
        String how = " in the runtime with the audit and in the one where dev.revisor.audit is stopped, legs alternating "
                + "on,off,off,on,... between the two; each leg after 500 ms quiet and " + settle + " settle cycles";
        String cmd = "probe task: cycles JAR " + perLeg + " 1 - " + settle + ", " + legs + " times," + how;
        Stats sOn = Stats.of(main.cycleOn), sOff = Stats.of(main.cycleOff);
        rep.row(s, "one cycle, runtime with the audit vs the one without (audit bundle stopped)", "µs", sOn, sOff, "Revisor, audit off",
                sOff.median() * 1.05, "overhead ≤ 5 %", cmd);
        rep.row(s, "one leg of " + perLeg + " cycles (wall), audit on vs off", "ms", Stats.of(main.wallOn), Stats.of(main.wallOff),
                "Revisor, audit off", Stats.of(main.wallOff).median() * 1.05, "overhead ≤ 5 %", cmd);
        rep.row(s, "one leg of " + perLeg + " cycles, CPU of the thread making the changes", "ms", Stats.of(main.ownCpuOn),
                Stats.of(main.ownCpuOff), "Revisor, audit off", Double.NaN, null, cmd);
        String icmd = "probe task: cycles JAR " + issueLeg + " 1 - " + settle + ", " + issueLegs + " times," + how;
        rep.row(s, issueLeg + " cycles without a pause (wall), audit on vs off (the issue's benchmark)", "ms", Stats.of(issue.wallOn),
                Stats.of(issue.wallOff), "Revisor, audit off", Stats.of(issue.wallOff).median() * 1.05, "overhead ≤ 5 %", icmd);
        String ccmd = "probe task: cycles JAR " + longLeg + " 1 - " + settle + ", " + longLegs + " times," + how;
        rep.row(s, longLeg + " cycles without a pause (wall), audit on vs off", "ms", Stats.of(churn.wallOn), Stats.of(churn.wallOff),
                "Revisor, audit off", Double.NaN, null, ccmd);
        rep.row(s, "the " + settle + " settle cycles that begin each leg, after 500 ms of quiet (not in the rows above)", "µs", Stats.of(main.settleOn),
                Stats.of(main.settleOff), "Revisor, audit off", Double.NaN, null, cmd);
        String wcmd = "probe task: cycles JAR " + perLeg + " " + legs + " dev.revisor.audit " + settle
                + " (one runtime; the audit bundle stopped and started between legs)";
        rep.row(s, "one cycle, audit switched on vs off between legs of one runtime", "µs", Stats.of(switched.cycleOn),
                Stats.of(switched.cycleOff), "Revisor, audit switched off", Double.NaN, null, wcmd);
        rep.row(s, "one cycle, Revisor (audit on) vs plain Felix", "µs", sOn, Stats.of(plain), "plain Felix", Double.NaN, null,
                "probe task: cycles JAR " + perLeg + " 5 - (plain Felix)");
        String scmd = "probe task: cycles JAR " + perLeg + " " + legs + " component:" + LEAK_COMPONENT + " " + settle
                + " (off = scr:disable of that component)";
        rep.row(s, "one cycle, full audit vs audit without its leak detector (the detector's share)", "µs", Stats.of(spaced.cycleOn),
                Stats.of(spaced.cycleOff), "audit without leak detector", Double.NaN, null, scmd);
        rep.row(s, "one leg of " + perLeg + " cycles, full audit vs audit without leak detector", "ms", Stats.of(spaced.wallOn),
                Stats.of(spaced.wallOff), "audit without leak detector", Double.NaN, null, scmd);
        double cpuOn = main.cpuOn / main.cyclesOn / 1000, cpuOff = main.cpuOff / main.cyclesOff / 1000;
        rep.note(String.format(Locale.ROOT, "Audit overhead: median cycle %.0f µs on vs %.0f µs off = %+.1f %%; mean %.0f vs %.0f µs = %+.1f %%; "
                + "process CPU per cycle (all threads, the journal writer's included) %.0f µs on vs %.0f µs off = %+.1f %%; "
                + "%d cycles without a pause: %.0f vs %.0f ms = %+.1f %%; %d cycles: %.0f vs %.0f ms = %+.1f %%.", sOn.median(), sOff.median(),
                (sOn.median() / sOff.median() - 1) * 100, sOn.mean(), sOff.mean(), (sOn.mean() / sOff.mean() - 1) * 100,
                cpuOn, cpuOff, (cpuOn / cpuOff - 1) * 100, issueLeg, Stats.of(issue.wallOn).median(), Stats.of(issue.wallOff).median(),
                (Stats.of(issue.wallOn).median() / Stats.of(issue.wallOff).median() - 1) * 100, longLeg, Stats.of(churn.wallOn).median(),
                Stats.of(churn.wallOff).median(), (Stats.of(churn.wallOn).median() / Stats.of(churn.wallOff).median() - 1) * 100));
        rep.note("CPU per cycle by thread, µs, audit on vs off (the " + perLeg + "-cycle legs of the two runtimes): " + main.cpuByThread()
                + ". In the " + issueLeg + "-cycle legs: " + issue.cpuByThread() + ". In the " + longLeg + "-cycle legs: " + churn.cpuByThread() + ". With the audit switched in one runtime: "
                + switched.cpuByThread() + ".");
        rep.note(String.format(Locale.ROOT, "Full collections (System.gc() with the serial collector) during the cycles: %d in the %d on-legs, "
                + "%d in the off-legs; in the %d-cycle legs %d on, %d off; audit switched: %d, %d; with and without the leak detector: %d, %d.",
                main.gcOn, legs / 2, main.gcOff, longLeg, churn.gcOn, churn.gcOff, switched.gcOn, switched.gcOff, spaced.gcOn, spaced.gcOff));
    }
}
