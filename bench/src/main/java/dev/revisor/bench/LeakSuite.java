package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * (5) Leak detection and explanation (issue 5), in Revisor only (plain Felix has nothing to compare with).
 * <ul>
 * <li>Detection latency: the probe installs a bundle, runs it 300 ms, stops, uninstalls and refreshes it; from the
 * moment the refresh completed (PACKAGES_REFRESHED, stamped in-process) to the journal's {@code leak.found} of kind
 * zombie for the leaky-thread example, and to the {@code leak.checked} that clears the leak-free example.</li>
 * <li>Explanation: {@code audit:leaks --explain --json} timed in-process with the runtime's used heap brought to
 * about 50, 200 and 800 MiB by live ballast (the runtime runs with -Xmx1200m here); the analyzer child JVM's peak
 * RSS (VmHWM of every descendant process, sampled every 20 ms).</li>
 * </ul>
 */
final class LeakSuite {
    private final Context ctx;

    LeakSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        Path root = ctx.sourceDist.getParent().getParent().getParent();
        Optional<Path> leaky = jar(root.resolve("bundles/examples/leaky-thread/target"), "example-leaky-thread-");
        Optional<Path> clean = jar(root.resolve("bundles/examples/leak-free/target"), "example-leak-free-");
        if (leaky.isEmpty() || clean.isEmpty()) {
            ctx.report.notMeasured("5. leak detection and explanation", "the example bundles leaky-thread and leak-free are not built "
                    + "(bench/run builds them; by hand: mvn -B -DskipTests install -pl bundles/examples/leaky-thread,bundles/examples/leak-free)");
            return;
        }
        System.out.println("== leaks");
        List<String> jvm = List.of("-Xms16m", "-Xmx1200m", "-XX:+UseSerialGC");
        try (RevisorInstance r = ctx.revisor("leaks", "", Map.of(), jvm)) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            Instance.sleep(1000);
            try {
                r.task("leaks-present", "gogo 1 audit:leaks --json", Duration.ofSeconds(60));
            } catch (IllegalStateException e) {
                ctx.report.notMeasured("5. leak detection and explanation", "audit:leaks does not run in this build: " + e.getMessage());
                return;
            }
            int rounds = ctx.quick ? 3 : 8;
            List<Double> zombie = new ArrayList<>(), cleared = new ArrayList<>(), checkMillis = new ArrayList<>();
            Path journal = r.home.resolve("data/audit/journal.jsonl");
            for (int i = 0; i < rounds; i++) {
                for (boolean isLeaky : new boolean[] {i % 2 == 0, i % 2 != 0}) {
                    long mark = lines(journal);
                    Map<String, List<String>> res = r.task("refresh", "refreshcycle " + (isLeaky ? leaky.get() : clean.get()), Duration.ofSeconds(60));
                    long refreshed = Long.parseLong(res.get("refreshed").get(0));
                    String bundleId = res.get("id").get(0);
                    if (isLeaky) {
                        JsonObject found = await(journal, mark, o -> type(o, "leak.found") && "zombie".equals(str(o.getAsJsonObject("details"), "kind"))
                                && String.valueOf(str(o.getAsJsonObject("details"), "revision")).contains("[" + bundleId + "]"),
                                "leak.found (zombie) of bundle " + bundleId);
                        zombie.add(millisBetween(refreshed, found));
                    } else {
                        JsonObject checked = await(journal, mark, o -> type(o, "leak.checked") && o.toString().contains("\"id\":" + bundleId + ","),
                                "leak.checked naming bundle " + bundleId);
                        cleared.add(millisBetween(refreshed, checked));
                        checkMillis.add(checked.getAsJsonObject("details").get("millis").getAsDouble());
                    }
                }
            }
            Report rep = ctx.report;
            String s = "5. Leak detection and explanation (Revisor only)";
            rep.row(s, "refresh done → `leak.found` (zombie, leaky-thread example)", "ms", Stats.of(zombie), null, null, 500, "≤ 500 ms (issue 5)",
                    "probe task refreshcycle example-leaky-thread.jar; journal data/audit/journal.jsonl");
            rep.row(s, "refresh done → `leak.checked` clean (leak-free example)", "ms", Stats.of(cleared), null, null, 500, "≤ 500 ms (issue 5)",
                    "probe task refreshcycle example-leak-free.jar");
            rep.row(s, "the check round itself (`leak.checked` millis)", "ms", Stats.of(checkMillis), null, null, Double.NaN, null, "journal");
            explain(r, rep, s);
        }
    }

    private void explain(RevisorInstance r, Report rep, String s) throws IOException {
        int reps = ctx.quick ? 1 : 3;
        int[] sizes = {50, 200, 800};
        for (int size : sizes) {
            List<Double> wall = new ArrayList<>(), hwm = new ArrayList<>(), analysis = new ArrayList<>();
            for (int k = 0; k < reps; k++) {
                r.task("ballast0", "ballast 0", Duration.ofSeconds(30));
                double used = Double.parseDouble(r.task("heap", "heap", Duration.ofSeconds(60)).get("heapUsed").get(0)) / 1024 / 1024;
                int ballast = (int) Math.max(0, size - used);
                r.task("ballast", "ballast " + ballast, Duration.ofSeconds(60));
                double after = Double.parseDouble(r.task("heap", "heap", Duration.ofSeconds(60)).get("heapUsed").get(0)) / 1024 / 1024;
                AtomicLong peak = new AtomicLong();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        ProcessHandle.of(r.pid()).ifPresent(h -> h.descendants().forEach(d -> peak.accumulateAndGet(hwmKiB(d.pid()), Math::max)));
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "bench-hwm-sampler");
                sampler.setDaemon(true);
                sampler.start();
                Path journal = r.home.resolve("data/audit/journal.jsonl");
                long mark = lines(journal);
                Map<String, List<String>> res;
                try {
                    res = r.task("explain", "gogo 1 audit:leaks --explain --json", Duration.ofMinutes(3));
                } finally {
                    sampler.interrupt();
                }
                wall.add(Double.parseDouble(res.get("run").get(0).split(" ")[0]) / 1e6);
                hwm.add(peak.get() / 1024.0);
                String status = null;
                String message = null;
                for (JsonObject o : events(journal, mark)) {
                    if (type(o, "leak.explained")) {
                        JsonObject d = o.getAsJsonObject("details");
                        status = str(d, "status");
                        message = str(d, "message");
                        if ("found".equals(status) && d.has("millis")) {
                            analysis.add(d.get("millis").getAsDouble());
                        }
                        break;
                    }
                }
                if (!"found".equals(status)) {
                    rep.notMeasured("5. explanation time and memory", "audit:leaks --explain gave no chain: status " + status
                            + (message == null ? "" : " (" + message + ")"));
                    r.task("ballast0", "ballast 0", Duration.ofSeconds(30));
                    return;
                }
                System.out.printf(Locale.ROOT, "  explain at %.0f MiB used: %.0f ms, analyzer peak RSS %.0f MiB%n", after, wall.get(wall.size() - 1),
                        hwm.get(hwm.size() - 1));
            }
            double target = size <= 200 ? 15000 : Double.NaN;
            rep.row(s, "`audit:leaks --explain --json`, heap ≈ " + size + " MiB used (dump + analysis, wall)", "ms", Stats.of(wall), null, null,
                    target, size <= 200 ? "≤ 15 s (issue 5)" : null, "probe task ballast, then gogo 1 audit:leaks --explain --json (REVISOR_OPTS -Xmx1200m)");
            if (!analysis.isEmpty()) {
                rep.row(s, "  of which the chain search (`leak.explained` millis), ≈ " + size + " MiB", "ms", Stats.of(analysis), null, null,
                        Double.NaN, null, "journal");
            }
            if (hwm.stream().anyMatch(v -> v > 0)) {
                rep.row(s, "  analyzer process peak RSS (VmHWM), ≈ " + size + " MiB", "MiB", Stats.of(hwm), null, null, Double.NaN, null,
                        "/proc/CHILD/status VmHWM, sampled every 20 ms");
            }
        }
        r.task("ballast0", "ballast 0", Duration.ofSeconds(30));
    }

    static long hwmKiB(long pid) {
        try {
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^VmHWM:\\s+(\\d+)", java.util.regex.Pattern.MULTILINE).matcher(status);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static Optional<Path> jar(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*.jar")) {
            for (Path p : s) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static long lines(Path journal) throws IOException {
        return Files.exists(journal) ? Files.readAllLines(journal).size() : 0;
    }

    static List<JsonObject> events(Path journal, long skip) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        if (!Files.exists(journal)) {
            return out;
        }
        List<String> all = Files.readAllLines(journal);
        for (int i = (int) skip; i < all.size(); i++) {
            try {
                out.add(JsonParser.parseString(all.get(i)).getAsJsonObject());
            } catch (RuntimeException e) {
                // a partial last line: the next poll reads it whole
            }
        }
        return out;
    }

    private static JsonObject await(Path journal, long mark, java.util.function.Predicate<JsonObject> match, String what) throws IOException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (JsonObject o : events(journal, mark)) {
                if (match.test(o)) {
                    return o;
                }
            }
            Instance.sleep(10);
        }
        throw new IllegalStateException("no " + what + " in the journal within 15 s");
    }

    static boolean type(JsonObject o, String type) {
        return o.has("type") && type.equals(o.get("type").getAsString());
    }

    static String str(JsonObject o, String key) {
        return o != null && o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
    }

    static double millisBetween(long refreshedMicros, JsonObject event) {
        Instant t = Instant.parse(event.get("time").getAsString());
        return (t.getEpochSecond() * 1_000_000L + t.getNano() / 1000 - refreshedMicros) / 1000.0;
    }
}
