package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.revisor.bench.probe.EventLog;

/**
 * (2) Deploy latency: a jar moved (renamed, atomically) into {@code deploy/} until its bundle is Active, for a new
 * bundle and for an update, in Revisor (its shipped poll interval), plain FileInstall at its default poll and at
 * Revisor's poll, and the in-process floor (install/update + refresh + start called directly by the probe).
 * All instances run at once and are measured in turn, the order rotating each round.
 * <p>
 * "Active" is the time of the last STARTED event of that bundle and version, as the probe's synchronous bundle
 * listener stamped it inside the runtime, within a settle window after the first one (an update is followed by a
 * refresh that restarts the bundle; the user waits for that too). The harness polls the probe's file only to move on.
 * Before each move the harness waits a random time within the variant's poll interval, so that the move lands at a
 * random phase of FileInstall's scan cycle.
 */
final class DeploySuite {
    private static final long SETTLE_MS = 400;
    /** The poll interval of the itests (and STACK.md's measurements): what the folder mechanism can do. */
    static final String FAST_POLL = "50";
    private final Context ctx;

    DeploySuite(Context ctx) {
        this.ctx = ctx;
    }

    /** One runtime under test. */
    private static final class Variant {
        final String label;
        final Instance instance;
        final boolean floor;
        /** the variant's poll interval: each move waits a random part of it first, so that it lands at a random
         *  phase of FileInstall's scan cycle (the harness's own rhythm would otherwise lock onto it) */
        int pollMs;
        final List<Double> created = new ArrayList<>();
        final List<Double> updated = new ArrayList<>();
        final List<Double> floorNew = new ArrayList<>();
        final List<Double> floorUpdate = new ArrayList<>();
        /** Revisor only: mv → the deploy operation's start (journal), and that start → Active */
        final List<Double> detectNew = new ArrayList<>(), transactNew = new ArrayList<>();
        final List<Double> detectUpdate = new ArrayList<>(), transactUpdate = new ArrayList<>();
        double idleCpu;

        Variant(String label, Instance instance, boolean floor) {
            this.label = label;
            this.instance = instance;
            this.floor = floor;
        }
    }

    void run() throws IOException {
        int rounds = ctx.quick ? 4 : 12;
        String poll = ctx.shippedPoll();
        System.out.println("== deploy: " + rounds + " rounds; Revisor polls every " + poll + " ms");
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("Revisor (poll " + poll + " ms)", ctx.revisor("deploy", "", Map.of()), true));
        variants.add(new Variant("plain FileInstall, poll " + poll + " ms", ctx.plain("deploy-same", List.of(), 0,
                Map.of("felix.fileinstall.poll", poll)), true));
        variants.add(new Variant("plain FileInstall, default poll (2000 ms)", ctx.plain("deploy-default", List.of(), 0, Map.of()), false));
        variants.get(0).pollMs = Integer.parseInt(poll);
        variants.get(1).pollMs = Integer.parseInt(poll);
        variants.get(2).pollMs = 2000;
        if (!poll.equals(FAST_POLL)) {
            variants.add(new Variant("Revisor, poll " + FAST_POLL + " ms", ctx.revisor("deploy-fast", "",
                    Map.of("felix.fileinstall.poll", FAST_POLL)), false));
            variants.add(new Variant("plain FileInstall, poll " + FAST_POLL + " ms", ctx.plain("deploy-fast", List.of(), 0,
                    Map.of("felix.fileinstall.poll", FAST_POLL)), false));
            variants.get(3).pollMs = Integer.parseInt(FAST_POLL);
            variants.get(4).pollMs = Integer.parseInt(FAST_POLL);
        }
        Path jars = ctx.work.resolve("homes/deploy-jars");
        Files.createDirectories(jars);
        Path floorNew = ctx.factory.plugin(jars.resolve("floor-1.0.0.jar"), "bench.floor", "1.0.0", "floor 1");
        Path floorUpdate = ctx.factory.plugin(jars.resolve("floor-1.0.1.jar"), "bench.floor", "1.0.1", "floor 2");
        try {
            for (Variant v : variants) {
                v.instance.start();
            }
            for (Variant v : variants) {
                v.instance.awaitReady(Duration.ofSeconds(60));
            }
            Instance.sleep(2000);
            long[] cpu0 = new long[variants.size()];
            for (int k = 0; k < variants.size(); k++) {
                cpu0[k] = variants.get(k).instance.cpuMillis();
            }
            Instance.sleep(10_000);
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get(k);
                v.idleCpu = (v.instance.cpuMillis() - cpu0[k]) / 10.0;
            }
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < variants.size(); k++) {
                    Variant v = variants.get((k + r) % variants.size());
                    String bsn = "bench.deploy.r" + r;
                    Path first = ctx.factory.plugin(jars.resolve(v.instance.home.getFileName() + "-" + bsn + "-1.0.0.jar"), bsn, "1.0.0", "r" + r + " 1");
                    Path second = ctx.factory.plugin(jars.resolve(v.instance.home.getFileName() + "-" + bsn + "-1.0.1.jar"), bsn, "1.0.1", "r" + r + " 2");
                    Instance.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(Math.max(1, v.pollMs)));
                    v.created.add(drop(v.instance, first, bsn, "1.0.0", v.detectNew, v.transactNew));
                    Instance.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(Math.max(1, v.pollMs)));
                    v.updated.add(drop(v.instance, second, bsn, "1.0.1", v.detectUpdate, v.transactUpdate));
                    remove(v.instance, bsn);
                    if (v.floor) {
                        Map<String, List<String>> f = v.instance.task("floor", "floor " + floorNew + " " + floorUpdate, Duration.ofSeconds(60));
                        v.floorNew.add(Double.parseDouble(f.get("new").get(0)) / 1000);
                        v.floorUpdate.add(Double.parseDouble(f.get("update").get(0)) / 1000);
                    }
                }
                System.out.printf("  round %d: %s%n", r + 1, summary(variants, r));
            }
        } finally {
            for (Variant v : variants) {
                v.instance.close();
            }
        }
        Variant rev = variants.get(0), same = variants.get(1), dflt = variants.get(2);
        Report rep = ctx.report;
        String s = "2. Deploy latency (jar renamed into deploy/ → bundle Active)";
        String cmd = "mv STAGED.jar deploy/NAME.jar (same file system, atomic rename); Active = last STARTED of that bundle and version (probe)";
        rep.row(s, "new bundle, vs plain FileInstall at the same poll", "ms", Stats.of(rev.created), Stats.of(same.created), same.label, 150, "≤ 150 ms (issue 6)", cmd);
        rep.row(s, "update of a small bundle, vs plain FileInstall at the same poll", "ms", Stats.of(rev.updated), Stats.of(same.updated), same.label, 150, "≤ 150 ms (issue 6)", cmd);
        rep.row(s, "new bundle, vs plain FileInstall at its default poll", "ms", Stats.of(rev.created), Stats.of(dflt.created), dflt.label, 150, "≤ 150 ms (issue 6)", cmd);
        rep.row(s, "update, vs plain FileInstall at its default poll", "ms", Stats.of(rev.updated), Stats.of(dflt.updated), dflt.label, 150, "≤ 150 ms (issue 6)", cmd);
        String fcmd = "probe task floor: installBundle+start; update+refreshBundles+start (called directly, no folder)";
        rep.row(s, "floor: install + start, called directly", "ms", Stats.of(rev.floorNew), Stats.of(same.floorNew), "plain Felix", Double.NaN, null, fcmd);
        if (variants.size() > 3) {
            Variant rf = variants.get(3), pf = variants.get(4);
            rep.row(s, "new bundle at poll " + FAST_POLL + " ms (Revisor's etc/ changed), vs plain at " + FAST_POLL + " ms", "ms",
                    Stats.of(rf.created), Stats.of(pf.created), pf.label, 150, "≤ 150 ms (issue 6)", cmd + "; felix.fileinstall.poll=" + FAST_POLL);
            rep.row(s, "update at poll " + FAST_POLL + " ms, vs plain at " + FAST_POLL + " ms", "ms",
                    Stats.of(rf.updated), Stats.of(pf.updated), pf.label, 150, "≤ 150 ms (issue 6)", cmd + "; felix.fileinstall.poll=" + FAST_POLL);
        }
        if (!rev.detectNew.isEmpty()) {
            String jcmd = "journal: operation.started (trigger deploy:NAME.jar), ms precision";
            rep.row(s, "Revisor, new: mv → deploy operation started (FileInstall noticed a stable file)", "ms", Stats.of(rev.detectNew), null, null,
                    Double.NaN, null, jcmd);
            rep.row(s, "Revisor, new: deploy operation started → Active (checks, install, start)", "ms", Stats.of(rev.transactNew), null, null,
                    Double.NaN, null, jcmd);
        }
        if (!rev.detectUpdate.isEmpty()) {
            String jcmd = "journal: operation.started (trigger deploy:NAME.jar), ms precision";
            rep.row(s, "Revisor, update: mv → deploy operation started", "ms", Stats.of(rev.detectUpdate), null, null, Double.NaN, null, jcmd);
            rep.row(s, "Revisor, update: deploy operation started → Active (checks, API gate, plan, update, refresh, start)", "ms",
                    Stats.of(rev.transactUpdate), null, null, Double.NaN, null, jcmd);
        }
        StringBuilder idle = new StringBuilder("Idle CPU of each instance over 10 s before the rounds (ms of CPU per second, /proc/PID/stat): ");
        for (Variant v : variants) {
            idle.append(String.format(java.util.Locale.ROOT, "%s %.1f; ", v.label, v.idleCpu));
        }
        rep.note(idle.toString());
        rep.row(s, "floor: update + refresh + start, called directly", "ms", Stats.of(rev.floorUpdate), Stats.of(same.floorUpdate), "plain Felix", Double.NaN, null, fcmd);
    }

    private static String summary(List<Variant> variants, int r) {
        StringBuilder sb = new StringBuilder();
        for (Variant v : variants) {
            sb.append(String.format(java.util.Locale.ROOT, "%s new %.0f upd %.0f; ", v.label, v.created.get(r), v.updated.get(r)));
        }
        return sb.toString();
    }

    /** Moves the jar into deploy/ and returns ms until the bundle of that version was (last) STARTED. */
    static double drop(Instance inst, Path jar, String bsn, String version, List<Double> detect, List<Double> transact)
            throws IOException {
        Path journal = inst.home.resolve("data/audit/journal.jsonl");
        long journalMark = inst instanceof RevisorInstance ? LeakSuite.lines(journal) : 0;
        Path staging = inst.home.resolve("staging");
        Files.createDirectories(staging);
        Path staged = staging.resolve(bsn + ".jar");
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Path target = inst.deployDir().resolve(bsn + ".jar");
        int mark = inst.events.mark();
        long t0 = EventLog.nowMicros();
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        inst.events.await(mark, e -> e.type().equals("STARTED") && e.bsn().equals(bsn) && e.version().equals(version),
                Duration.ofSeconds(30), inst::alive, () -> bsn + " " + version + " Active in " + inst.name + failed(target));
        Instance.sleep(SETTLE_MS);
        long last = 0;
        for (Events.Event e : inst.events.since(mark)) {
            if (e.type().equals("STARTED") && e.bsn().equals(bsn) && e.version().equals(version)) {
                last = e.micros();
            }
        }
        if (inst instanceof RevisorInstance) {
            for (com.google.gson.JsonObject o : LeakSuite.events(journal, journalMark)) {
                if (LeakSuite.type(o, "operation.started") && ("deploy:" + bsn + ".jar").equals(LeakSuite.str(o.getAsJsonObject("details"), "trigger"))) {
                    double opStart = LeakSuite.millisBetween(t0, o);
                    detect.add(opStart);
                    transact.add((last - t0) / 1000.0 - opStart);
                    break;
                }
            }
        }
        return (last - t0) / 1000.0;
    }

    private static String failed(Path jar) {
        Path failed = jar.resolveSibling(jar.getFileName() + ".failed");
        try {
            return Files.exists(failed) ? " (" + failed.getFileName() + ": " + Files.readString(failed).trim() + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void remove(Instance inst, String bsn) throws IOException {
        int mark = inst.events.mark();
        Files.delete(inst.deployDir().resolve(bsn + ".jar"));
        inst.events.await(mark, e -> e.type().equals("UNINSTALLED") && e.bsn().equals(bsn), Duration.ofSeconds(30),
                inst::alive, () -> bsn + " uninstalled in " + inst.name);
        Instance.sleep(200);
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
