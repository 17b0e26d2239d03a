package dev.revisor.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * (1b) The client (issue 15): the {@code bin/revisor exec lb} round trip side by side with a bare {@code java -version}
 * of the same Java, as shipped (class-data archive in use), without the archive ({@code REVISOR_CLIENT_CDS=off}) and with
 * bin/revisor as it was before issue 15; and the batch mode's cost per command line: {@code exec -} with N
 * lines against one line, (T(N) − T(1)) / (N − 1). All variants alternate within each round on one idle instance.
 */
final class ClientSuite {
    /** The client flags of bin/revisor before issue 15 (for the report; the script itself is a resource). */
    static final String BEFORE_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData";
    static final int BATCH_LINES = 200;

    private final Context ctx;

    ClientSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws IOException {
        int rounds = ctx.runs;
        int perRound = ctx.quick ? 3 : 5;
        System.out.println("== client: " + rounds + " rounds of " + perRound + " × (java -version, exec lb as shipped,"
                + " without the archive, the script before issue 15), then exec - with 1 and " + BATCH_LINES + " lines");
        String java = System.getenv("JAVA_HOME") != null && !System.getenv("JAVA_HOME").isEmpty()
                ? Path.of(System.getenv("JAVA_HOME"), "bin", "java").toString() : "java";
        List<Double> jv = new ArrayList<>(), shipped = new ArrayList<>(), noCds = new ArrayList<>(), before = new ArrayList<>();
        List<Double> batch1 = new ArrayList<>(), batchN = new ArrayList<>(), perLine = new ArrayList<>(), ratio = new ArrayList<>();
        try (RevisorInstance r = ctx.revisor("client", "", Map.of())) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            String bin = ctx.dist.resolve("bin/revisor").toString();
            String home = r.home.toString();
            Path beforeScript = writeBeforeScript();
            List<String> exec = List.of(bin, "--home", home, "exec", "lb");
            List<String> old = List.of(beforeScript.toString(), "--home", home, "exec", "lb");
            // the first exec after a build makes the archive; wait until the instance answers
            for (int i = 0; i < 600 && run(exec, Map.of(), null, false) < 0; i++) {
                Instance.sleep(100);
            }
            run(exec, Map.of(), null, true);
            byte[] one = "lb\n".getBytes(StandardCharsets.UTF_8);
            byte[] many = "lb\n".repeat(BATCH_LINES).getBytes(StandardCharsets.UTF_8);
            List<String> batch = List.of(bin, "--home", home, "exec", "-");
            for (int round = 0; round < rounds; round++) {
                List<Double> jvRound = new ArrayList<>(), shippedRound = new ArrayList<>();
                for (int k = 0; k < perRound; k++) {
                    jvRound.add(run(List.of(java, "-version"), Map.of(), null, true));
                    shippedRound.add(run(exec, Map.of(), null, true));
                    noCds.add(run(exec, Map.of("REVISOR_CLIENT_CDS", "off"), null, true));
                    before.add(run(old, Map.of(), null, true));
                }
                jv.addAll(jvRound);
                shipped.addAll(shippedRound);
                ratio.add(Stats.of(shippedRound).median() / Stats.of(jvRound).median());
                double t1 = run(batch, Map.of(), one, true);
                double tn = run(batch, Map.of(), many, true);
                batch1.add(t1);
                batchN.add(tn);
                perLine.add((tn - t1) / (BATCH_LINES - 1));
                System.out.printf(Locale.ROOT, "  round %d: java -version %.0f ms, exec lb %.0f ms (%.2f×), exec - %d lines"
                        + " %.0f ms (1 line %.0f ms)%n", round + 1, Stats.of(jvRound).median(), Stats.of(shippedRound).median(),
                        ratio.get(round), BATCH_LINES, tn, t1);
            }
        }
        Report rep = ctx.report;
        String s = "1b. The client (issue 15)";
        String shippedCmd = "bin/revisor --home H exec lb (class-data archive in lib/cds/, made by the first exec)";
        rep.row(s, "`exec lb` round trip as shipped vs bare `java -version`", "ms", Stats.of(shipped), Stats.of(jv),
                "java -version", Double.NaN, "≤ 1.2× java -version (issue 15)", shippedCmd + " | " + java + " -version");
        rep.row(s, "  ratio exec lb / java -version, per round (medians of " + perRound + ")", "×", Stats.of(ratio), null, null,
                1.2, "≤ 1.2×", "median exec lb ÷ median java -version within one round");
        rep.row(s, "`exec lb` without the class-data archive vs as shipped", "ms", Stats.of(noCds), Stats.of(shipped), "as shipped",
                Double.NaN, null, "REVISOR_CLIENT_CDS=off bin/revisor --home H exec lb");
        rep.row(s, "`exec lb` with bin/revisor before issue 15 vs as shipped", "ms", Stats.of(before), Stats.of(shipped),
                "as shipped", Double.NaN, null, "bin/revisor-before-issue-15 --home H exec lb (the script of commit 3226aa3:"
                        + " java " + BEFORE_FLAGS + ", no archive)");
        rep.row(s, "`exec -` cost per command line ((T(" + BATCH_LINES + ") − T(1)) / " + (BATCH_LINES - 1) + ")", "ms",
                Stats.of(perLine), Stats.of(shipped), "one exec lb", 5, "≤ 5 ms (issue 15)",
                "printf 'lb\\n%.0s' {1.." + BATCH_LINES + "} | bin/revisor --home H exec -");
        rep.row(s, "`exec -` with " + BATCH_LINES + " lines of lb vs 1 line", "ms", Stats.of(batchN), Stats.of(batch1), "1 line",
                Double.NaN, null, "bin/revisor --home H exec - < lines");
    }

    /**
     * bin/revisor as it was before issue 15 (a copy kept with the harness: its client JVM flags and its forks), as
     * {@code bin/revisor-before-issue-15} in the bench copy of the distribution, so that it finds the same lib/.
     */
    private Path writeBeforeScript() throws IOException {
        Path script = ctx.dist.resolve("bin/revisor-before-issue-15");
        try (InputStream in = ClientSuite.class.getResourceAsStream("revisor-before-issue-15")) {
            if (in == null) {
                throw new IllegalStateException("the harness has no revisor-before-issue-15");
            }
            Files.write(script, in.readAllBytes());
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /**
     * Runs a command to its end, standard input {@code stdin} (or none), output discarded.
     *
     * @return its wall time in ms; -1 if it failed and {@code mustSucceed} is false
     */
    private static double run(List<String> command, Map<String, String> env, byte[] stdin, boolean mustSucceed)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (stdin != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            }
        }
        byte[] err;
        try (InputStream e = p.getErrorStream()) {
            err = e.readAllBytes();
        }
        int status;
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " hung");
            }
            status = p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        double millis = (System.nanoTime() - t0) / 1e6;
        boolean versionText = command.get(command.size() - 1).equals("-version");
        if (status != 0 || (err.length > 0 && !versionText)) {
            if (mustSucceed) {
                throw new IllegalStateException(command + " exited " + status + ": " + new String(err, StandardCharsets.UTF_8));
            }
            return -1;
        }
        return millis;
    }
}
