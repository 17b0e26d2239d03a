package dev.revisor.bench.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fault campaign of issue 11: runs scenarios ({@link Scenario}) one after the other, each with its own seed, home
 * and runtime process, and sums them up. Scenario seeds are {@code seed, seed+1, ...}: a failing scenario is replayed
 * alone with {@code bench/run faults --seed SEED --scenarios 1}. Runs on the caller's thread.
 */
public final class Campaign {
    /** How a campaign runs. {@code dist}: the assembled distribution (runtime/target/revisor). */
    public record Settings(Path dist, Path work, int minSteps, int maxSteps, int maxBlockMs, Duration settleTimeout,
            Map<String, String> deploySettings) {
        /** The settings of both the short run (mvn verify) and the long one: only the number of scenarios differs. */
        public static Settings standard(Path dist, Path work) {
            Map<String, String> deploy = new LinkedHashMap<>();
            deploy.put("start.timeout.ms:Long", "1500");
            deploy.put("verify.timeout.ms:Long", "3000");
            deploy.put("refresh.timeout.ms:Long", "15000");
            deploy.put("settle.ms:Long", "500");
            return new Settings(dist.toAbsolutePath().normalize(), work.toAbsolutePath().normalize(), 3, 6, 2500,
                    Duration.ofSeconds(25), deploy);
        }
    }

    /** What a campaign found. */
    public record Result(int scenarios, int steps, int kills, List<String> violations, List<Long> failedSeeds, List<String> errors) {
        public String summary() {
            return scenarios + " scenarios, " + steps + " steps, " + kills + " kill -9, " + violations.size() + " violations"
                    + (failedSeeds.isEmpty() ? "" : " (seeds " + failedSeeds + ")") + (errors.isEmpty() ? "" : ", " + errors.size() + " errors");
        }
    }

    private final Settings settings;

    public Campaign(Settings settings) {
        if (!Files.isExecutable(settings.dist().resolve("bin/revisor"))) {
            throw new IllegalArgumentException(settings.dist() + " is not an assembled Revisor distribution (no bin/revisor): run "
                    + "'mvn -o -q -DskipTests install -pl runtime -am' first");
        }
        this.settings = settings;
    }

    /** Runs one scenario per seed. */
    public Result run(List<Long> seeds) throws IOException {
        Path homes = settings.work().resolve("faults");
        deleteTree(homes);
        Fixtures fixtures = new Fixtures(homes.resolve("jars"));
        int steps = 0;
        int kills = 0;
        List<String> violations = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int n = 0;
        for (long seed : seeds) {
            n++;
            System.out.println("== faults: scenario " + n + " of " + seeds.size() + ", seed " + seed
                    + " (replay: bench/run faults --seed " + seed + " --scenarios 1)");
            Path home = homes.resolve("seed-" + seed);
            Scenario.Result r = new Scenario(seed, settings, fixtures, home).run();
            steps += r.steps();
            kills += r.kills();
            violations.addAll(r.violations());
            if (r.error() != null) {
                errors.add(r.error());
                System.out.println("  ERROR " + r.error());
            }
            if (!r.violations().isEmpty() || r.error() != null) {
                failed.add(seed);
            } else {
                deleteTree(home); // keep the homes of failed scenarios only: their journal and run.log explain them
            }
        }
        return new Result(seeds.size(), steps, kills, violations, failed, errors);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * {@code rm -rf ROOT}. The runtime may write into the tree meanwhile (a marker into deploy/ as the folder goes), and
     * then a directory is not empty when its turn comes: as a person would, it deletes again (a few times at most).
     */
    static void deleteTree(Path root) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(root)) {
                return;
            }
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException
                    | java.io.UncheckedIOException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
