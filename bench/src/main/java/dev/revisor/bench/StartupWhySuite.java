package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.revisor.bench.probe.EventLog;

/**
 * Why Revisor's start takes what it takes: cold starts of Revisor with JVM option variants (the shipped options;
 * C1 only; an application class-data-sharing archive of the launcher and framework made by an earlier run; CDS off),
 * interleaved, plus the phases of a start (spawn → JVM → probe active → READY → exec) and one run with
 * {@code -Xlog:class+load} counting classes per source.
 */
final class StartupWhySuite {
    private final Context ctx;

    StartupWhySuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws IOException {
        int runs = ctx.quick ? 2 : 5;
        Path jsa = ctx.work.resolve("homes/revisor-appcds.jsa");
        // the archive: one run that writes the classes it loaded at exit (JDK 13+ dynamic archive)
        List<String> dump = new ArrayList<>(Context.JVM_OPTIONS);
        dump.add("-XX:ArchiveClassesAtExit=" + jsa);
        try (RevisorInstance r = ctx.revisor("why-cds-dump", "", Map.of(), dump)) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            awaitExec(r);
            r.stop();
        }
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("shipped options", Context.JVM_OPTIONS);
        variants.put("+ -XX:TieredStopAtLevel=1", with("-XX:TieredStopAtLevel=1"));
        if (Files.exists(jsa)) {
            variants.put("+ AppCDS archive (-XX:SharedArchiveFile)", with("-XX:SharedArchiveFile=" + jsa));
            variants.put("+ AppCDS + TieredStopAtLevel=1", with("-XX:SharedArchiveFile=" + jsa, "-XX:TieredStopAtLevel=1"));
        } else {
            ctx.report.notMeasured("start with an AppCDS archive", "-XX:ArchiveClassesAtExit wrote no archive on SIGTERM");
        }
        variants.put("+ -Xshare:off (no CDS at all)", with("-Xshare:off"));
        System.out.println("== why: " + runs + " cold starts of Revisor per JVM option variant, interleaved");
        Map<String, List<Double>> ready = new LinkedHashMap<>(), exec = new LinkedHashMap<>();
        Map<String, List<Double>> phases = new TreeMap<>();
        List<String> names = new ArrayList<>(variants.keySet());
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < names.size(); k++) {
                String v = names.get((k + i) % names.size());
                try (RevisorInstance r = ctx.revisor("why", "", Map.of(), variants.get(v))) {
                    r.start();
                    Events.Event e = r.awaitReady(Duration.ofSeconds(60));
                    double readyMs = (e.micros() - r.spawnMicros) / 1000.0;
                    double execMs = awaitExec(r);
                    ready.computeIfAbsent(v, x -> new ArrayList<>()).add(readyMs);
                    exec.computeIfAbsent(v, x -> new ArrayList<>()).add(execMs);
                    if (v.equals("shipped options")) {
                        phases(r, readyMs, execMs, phases);
                    }
                }
            }
        }
        Report rep = ctx.report;
        String s = "1b. Why the start takes what it takes (Revisor, JVM option variants)";
        Stats base = Stats.of(ready.get("shipped options"));
        for (String v : names) {
            rep.row(s, "spawn → READY, " + v, "ms", Stats.of(ready.get(v)), v.equals("shipped options") ? null : base,
                    "shipped options", 1000, "≤ 1000 ms", "REVISOR_OPTS='" + String.join(" ", variants.get(v)) + "' bin/revisor run");
            rep.row(s, "spawn → first exec, " + v, "ms", Stats.of(exec.get(v)), null, null, 1000, "≤ 1000 ms", "then bin/revisor exec lb");
        }
        rep.note("Phases of a cold Revisor start (shipped options, medians): " + phases.entrySet().stream()
                .map(p -> String.format(Locale.ROOT, "%s %.0f ms", p.getKey().substring(2), Stats.of(p.getValue()).median()))
                .collect(Collectors.joining("; ")) + ".");
        classLoading(rep);
        ablation(rep, runs);
    }

    /**
     * Which bundles the extra start-up time belongs to: Revisor's launcher booting the plain-Felix bundle set, then
     * adding Revisor's bundles group by group, beside plain Felix's own launcher; READY (probe) in each.
     */
    private void ablation(Report rep, int runs) throws IOException {
        List<Feature.Entry> core = ctx.core;
        List<Feature.Entry> baseline = ctx.baseline;
        List<Feature.Entry> withAudit = new ArrayList<>(baseline);
        core.stream().filter(e -> e.artifactId().equals("gson") || e.artifactId().equals("dev.revisor.audit")).forEach(withAudit::add);
        List<Feature.Entry> withShell = new ArrayList<>(withAudit);
        core.stream().filter(e -> e.artifactId().equals("dev.revisor.shell")).forEach(withShell::add);
        ctx.writeFeature("bench-ablation-1", baseline);
        ctx.writeFeature("bench-ablation-2", withAudit);
        ctx.writeFeature("bench-ablation-3", withShell);
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("plain Felix launcher, baseline bundles", null);
        sets.put("Revisor launcher, baseline bundles (" + baseline.size() + ")", "bench-ablation-1");
        sets.put("… + Gson + dev.revisor.audit (" + withAudit.size() + ")", "bench-ablation-2");
        sets.put("… + dev.revisor.shell (" + withShell.size() + ")", "bench-ablation-3");
        sets.put("… + the rest of revisor-core: deploy, bndlib, SLF4J, … (" + core.size() + ")", "revisor-core");
        List<String> names = new ArrayList<>(sets.keySet());
        Map<String, List<Double>> ready = new LinkedHashMap<>();
        System.out.println("== why (ablation): " + runs + " cold starts per bundle set, rotating");
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < names.size(); k++) {
                String n = names.get((k + i) % names.size());
                String feature = sets.get(n);
                Instance inst = feature == null ? ctx.plain("ablation", List.of(), 0, Map.of())
                        : ctx.revisorWithFeatures("ablation", feature + " " + Context.PROBE_FEATURE, Map.of(), Context.JVM_OPTIONS);
                try (inst) {
                    inst.start();
                    Events.Event e = inst.awaitReady(Duration.ofSeconds(60));
                    ready.computeIfAbsent(n, x -> new ArrayList<>()).add((e.micros() - inst.spawnMicros) / 1000.0);
                }
            }
        }
        String s = "1c. Start-up by bundle set (ablation: spawn → probe READY)";
        Stats plainStats = Stats.of(ready.get(names.get(0)));
        for (String n : names) {
            rep.row(s, n, "ms", Stats.of(ready.get(n)), n.equals(names.get(0)) ? null : plainStats, "plain Felix launcher",
                    Double.NaN, null, sets.get(n) == null ? "java -jar org.apache.felix.main-7.0.5.jar"
                            : "bin/revisor run with revisor.features = " + sets.get(n) + " " + Context.PROBE_FEATURE);
        }
    }

    private static List<String> with(String... extra) {
        List<String> l = new ArrayList<>(Context.JVM_OPTIONS);
        l.addAll(List.of(extra));
        return l;
    }

    private static double awaitExec(RevisorInstance r) throws IOException {
        while (!Files.exists(r.socket())) {
            Instance.sleep(2);
        }
        while (r.exec("lb").status() != 0) {
            Instance.sleep(2);
        }
        return (EventLog.nowMicros() - r.spawnMicros) / 1000.0;
    }

    /** spawn → JVM start → probe active (launcher, framework init, install, level 1) → READY → exec answered. */
    private static void phases(Instance r, double readyMs, double execMs, Map<String, List<Double>> into) {
        double jvm = StartupSuite.jvmStartMillis(r) - r.spawnMicros / 1000.0;
        double probe = r.events.since(0).stream().filter(e -> e.type().equals("PROBE")).findFirst()
                .map(e -> (e.micros() - r.spawnMicros) / 1000.0).orElse(Double.NaN);
        into.computeIfAbsent("1 spawn → JVM start (bash, JVM creation)", k -> new ArrayList<>()).add(jvm);
        into.computeIfAbsent("2 JVM start → probe active (launcher, features, framework init, installs)", k -> new ArrayList<>()).add(probe - jvm);
        into.computeIfAbsent("3 probe active → all bundles Active", k -> new ArrayList<>()).add(readyMs - probe);
        into.computeIfAbsent("4 READY → first exec lb answered (incl. the client JVM)", k -> new ArrayList<>()).add(execMs - readyMs);
    }

    /** One start with -Xlog:class+load: classes per source (the JDK's CDS archive, a jar, a bundle). */
    private void classLoading(Report rep) throws IOException {
        Path log = ctx.work.resolve("homes/class-load.log");
        List<String> opts = with("-Xlog:class+load=info:file=" + log);
        try (RevisorInstance r = ctx.revisor("why-classload", "", Map.of(), opts)) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            awaitExec(r);
        }
        Map<String, Integer> bySource = countBySource(Files.readAllLines(log));
        int total = bySource.values().stream().mapToInt(Integer::intValue).sum();
        rep.note("Classes loaded by a cold Revisor start until exec answered: " + total + "; by source: " + bySource.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, Integer> e) -> -e.getValue())).limit(12)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ".");
    }

    static Map<String, Integer> countBySource(List<String> lines) {
        Pattern p = Pattern.compile("\\] (\\S+) source: (.*)$");
        Map<String, Integer> out = new TreeMap<>();
        for (String line : lines) {
            Matcher m = p.matcher(line);
            if (!m.find()) {
                continue;
            }
            out.merge(source(m.group(2)), 1, Integer::sum);
        }
        return out;
    }

    /** "shared objects file", "jrt:/java.base", "revisor-launcher.jar", "bundle 12" ... */
    static String source(String raw) {
        String s = raw.trim();
        if (s.startsWith("shared objects file")) {
            return "CDS archive";
        }
        if (s.startsWith("jrt:/")) {
            return "JDK (" + s.substring(5) + ", not in CDS)";
        }
        Matcher bundle = Pattern.compile("bundle(\\d+)").matcher(s);
        if (s.contains("/cache/") && bundle.find()) {
            return "bundle cache #" + bundle.group(1);
        }
        if (s.startsWith("file:") || s.startsWith("/")) {
            return s.replaceFirst("^.*/", "");
        }
        return s.replaceAll("\\s.*$", "");
    }
}
