package dev.revisor.bench.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.revisor.bench.faults.Snapshot.Bundle;

/**
 * One seeded scenario against a fresh home and a real runtime process: a few steps drawn from {@code new Random(seed)}
 * (deploys, updates and removals, in bursts with shell refreshes and stop/start between them, activators that throw
 * or block, the folder deleted, re-created or swapped, kill -9 at a random moment and restarts on the same home),
 * each followed by the settle step and the {@link Checker}. The same seed gives the same steps (not the same
 * timing). Runs on the campaign's thread; the runtime is killed in {@link #run()}'s finally.
 */
final class Scenario {
    /** What one scenario found. */
    record Result(long seed, int steps, int kills, List<String> violations, String error) {
    }

    private static final String[] FILES = {"lib.jar", "user1.jar", "user2.jar", "p1.jar", "p2.jar", "p3.jar"};

    private final long seed;
    private final Random random;
    private final Campaign.Settings settings;
    private final Fixtures fixtures;
    private final Checker checker;
    private final FaultRuntime rt;
    private final JournalReader journal;
    private final Path staging;
    private final Map<String, Fixtures.Variant> inFolder = new LinkedHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Set<String> goneThisStep = new HashSet<>();
    private final Set<String> reportedLastLook = new HashSet<>();
    private int step;
    private String stepText = "start";
    private int kills;

    Scenario(long seed, Campaign.Settings settings, Fixtures fixtures, Path home) {
        this.seed = seed;
        this.random = new Random(seed);
        this.settings = settings;
        this.fixtures = fixtures;
        this.checker = new Checker(fixtures);
        this.rt = new FaultRuntime(settings.dist(), home);
        this.journal = new JournalReader(home);
        this.staging = home.resolve("staging");
    }

    Result run() {
        String error = null;
        try {
            Files.createDirectories(staging);
            rt.prepare(settings.deploySettings());
            rt.start();
            rt.awaitReady(Duration.ofSeconds(60));
            Snapshot before = settleAndCheck(null);
            int steps = settings.minSteps() + random.nextInt(settings.maxSteps() - settings.minSteps() + 1);
            for (step = 1; step <= steps && before != null; step++) {
                goneThisStep.clear();
                act();
                before = settleAndCheck(before);
            }
        } catch (Exception | AssertionError e) {
            error = "seed " + seed + ", step " + step + " (" + stepText + "): the campaign could not go on: " + e;
        } finally {
            rt.close();
        }
        return new Result(seed, step - 1, kills, violations, error);
    }

    /** @return the settled look, or null when the folder did not settle (reported as a violation; the scenario ends) */
    private Snapshot settleAndCheck(Snapshot before) throws IOException {
        Snapshot now;
        try {
            now = Snapshot.settle(rt, journal, settings.settleTimeout());
        } catch (Snapshot.NotSettled e) {
            violation(e.getMessage());
            return null;
        }
        Set<String> found = new java.util.LinkedHashSet<>(checker.check(before, now, goneThisStep));
        for (String sentence : found) {
            if (!reportedLastLook.contains(sentence)) { // a state that merely persists is reported once
                violation(sentence);
            }
        }
        reportedLastLook.clear();
        reportedLastLook.addAll(found);
        for (String problem : journal.newProblems()) {
            violation(problem);
        }
        return now;
    }

    private void violation(String sentence) {
        String full = "seed " + seed + ", step " + step + " (" + stepText + "): " + sentence;
        violations.add(full);
        System.out.println("  VIOLATION " + full);
    }

    private void act() throws Exception {
        int dice = random.nextInt(100);
        if (step == 1) {
            // the library first, so that its importers start and a later removal or major update has someone to strand
            Fixtures.Variant lib = fixtures.build("lib.jar", "start=ok", false);
            moveIn(lib);
            List<String> done = new ArrayList<>(List.of("deploy lib.jar " + lib.describe()));
            for (int i = random.nextInt(4); i >= 0; i--) {
                Campaign.sleep(random.nextInt(150));
                done.add(fileChange(true));
            }
            stepText = "burst: " + String.join(", ", done);
        } else if (dice < 25) {
            stepText = "burst";
            int n = 1 + random.nextInt(inFolder.isEmpty() ? 4 : 3);
            List<String> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                done.add(fileChange(inFolder.isEmpty() || random.nextInt(3) == 0));
                Campaign.sleep(random.nextInt(150));
            }
            stepText = "burst: " + String.join(", ", done);
        } else if (dice < 45) {
            stepText = "mixed";
            List<String> done = new ArrayList<>();
            done.add(fileChange(false));
            Campaign.sleep(random.nextInt(120));
            done.add(shell());
            if (random.nextBoolean()) {
                Campaign.sleep(random.nextInt(120));
                done.add(fileChange(false));
            }
            stepText = "mixed: " + String.join(", ", done);
        } else if (dice < 55) {
            stepText = shell();
        } else if (dice < 62) {
            recreateFolder();
        } else if (dice < 69) {
            swapFolder();
        } else {
            kill();
        }
        System.out.println("  seed " + seed + " step " + step + ": " + stepText);
    }

    /** A deploy, an update or a removal. @return what it did */
    private String fileChange(boolean preferNew) throws IOException {
        List<String> absent = new ArrayList<>();
        for (String f : FILES) {
            if (!inFolder.containsKey(f)) {
                absent.add(f);
            }
        }
        List<String> present = new ArrayList<>(inFolder.keySet());
        if (!absent.isEmpty() && (preferNew || present.isEmpty())) {
            String f = absent.get(random.nextInt(absent.size()));
            Fixtures.Variant v = fixtures.build(f, behaviour(false), false);
            moveIn(v);
            return "deploy " + f + " " + v.describe();
        }
        String f = present.get(random.nextInt(present.size()));
        if (random.nextInt(4) == 0) {
            remove(f);
            return "remove " + f;
        }
        boolean major = Fixtures.isLib(f) && random.nextInt(5) == 0;
        Fixtures.Variant v = fixtures.build(f, behaviour(true), major);
        moveIn(v);
        return "update " + f + " to " + v.describe();
    }

    private String behaviour(boolean update) {
        int d = random.nextInt(100);
        if (d < 55) {
            return "start=ok";
        } else if (d < 63) {
            return "start=throw";
        } else if (d < 73) {
            return "start=block start.ms=" + (200 + random.nextInt(settings.maxBlockMs()));
        } else if (d < 86) {
            return "start=ok stop=block stop.ms=" + (200 + random.nextInt(settings.maxBlockMs()));
        } else {
            return "start=sleep-throw start.ms=" + (200 + random.nextInt(settings.maxBlockMs() / 2));
        }
    }

    /** Copies the jar beside the folder, then renames it in (atomic). */
    private void moveIn(Fixtures.Variant v) throws IOException {
        Path staged = staging.resolve(v.file());
        Files.copy(v.jar(), staged, StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(rt.deploy);
        Files.move(staged, rt.deploy.resolve(v.file()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        inFolder.put(v.file(), v);
    }

    private void remove(String file) throws IOException {
        Files.deleteIfExists(rt.deploy.resolve(file));
        inFolder.remove(file);
        goneThisStep.add(file);
    }

    /** A Gogo refresh of a deployed bundle, audit:refresh, or a stop and start of a deployed bundle, through the control socket. */
    private String shell() throws IOException {
        List<Bundle> deployed = new ArrayList<>();
        try {
            Snapshot s = Snapshot.take(rt, journal);
            s.bundles.values().stream().filter(b -> b.bsn().startsWith(Fixtures.PREFIX)).forEach(deployed::add);
        } catch (IOException e) {
            return "shell command skipped (" + e.getMessage() + ")";
        }
        int d = random.nextInt(3);
        if (d == 1 || deployed.isEmpty()) {
            exec("audit:refresh --json");
            return "shell audit:refresh";
        }
        // one draw whatever the number of bundles (a power-of-two bound): the steps after it stay those of the seed
        Bundle b = deployed.get(random.nextInt(1 << 20) % deployed.size());
        if (d == 0) {
            exec("refresh " + b.id()); // Gogo's refresh without arguments throws a NullPointerException (gogo.command 1.1.2)
            return "shell refresh " + b.describe();
        }
        exec("stop " + b.id());
        Campaign.sleep(random.nextInt(100));
        exec("start " + b.id());
        return "shell stop/start " + b.describe();
    }

    private void exec(String line) throws IOException {
        ControlClient.Answer a = rt.client.execute(line);
        if (a.status() != 0) {
            System.out.println("  (seed " + seed + ": '" + line + "' failed: " + a.err().trim() + ")");
        }
    }

    /** rm -rf deploy; mkdir deploy; some of the files (and maybe a new one) moved in again. */
    private void recreateFolder() throws IOException {
        Map<String, Fixtures.Variant> was = new LinkedHashMap<>(inFolder);
        Campaign.deleteTree(rt.deploy);
        goneThisStep.addAll(was.keySet());
        inFolder.clear();
        Campaign.sleep(random.nextInt(400));
        Files.createDirectories(rt.deploy);
        List<String> back = new ArrayList<>();
        for (Fixtures.Variant v : was.values()) {
            if (random.nextInt(3) > 0) {
                moveIn(v);
                back.add(v.file());
            }
        }
        String extra = random.nextBoolean() ? fileChange(true) : "nothing new";
        stepText = "rm -rf deploy; mkdir deploy; moved back " + back + "; " + extra;
    }

    /** mv deploy deploy.old; mv deploy.next deploy (the next folder: the same jars, one changed or added). */
    private void swapFolder() throws IOException {
        Path next = rt.home.resolve("deploy.next");
        Path old = rt.home.resolve("deploy.old");
        Campaign.deleteTree(next);
        Files.createDirectories(next);
        for (Fixtures.Variant v : inFolder.values()) {
            Files.copy(v.jar(), next.resolve(v.file()));
        }
        String f = FILES[random.nextInt(FILES.length)];
        Fixtures.Variant changed = fixtures.build(f, behaviour(inFolder.containsKey(f)), false);
        Files.copy(changed.jar(), next.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        inFolder.put(f, changed);
        Files.move(rt.deploy, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next, rt.deploy, StandardCopyOption.ATOMIC_MOVE);
        Campaign.deleteTree(old);
        stepText = "swap deploy/ for a copy with " + f + " as " + changed.describe();
    }

    /** An update (often one that rolls back), kill -9 at a random moment, maybe again during recovery, restart. */
    private void kill() throws Exception {
        boolean rollback = random.nextBoolean();
        int sleeps = 300 + random.nextInt(1000); // below start.timeout.ms: the update rolls back, it is not stuck
        String what = inFolder.isEmpty() || random.nextInt(4) == 0 ? fileChange(true) : update(rollback ? sleeps : 0);
        // a rollback's kill lands around the end of the activator's sleep: the rollback runs then (issue 11, item 4)
        long delay = rollback ? 100 + sleeps + random.nextInt(400) : random.nextInt(settings.maxBlockMs() + 1500);
        Campaign.sleep(delay);
        rt.kill9();
        journal.markKill();
        kills++;
        String text = what + "; kill -9 after " + delay + " ms";
        if (random.nextInt(3) == 0) {
            rt.start();
            long again = random.nextInt(3000);
            Campaign.sleep(again);
            rt.kill9();
            journal.markKill();
            kills++;
            text += "; restart; kill -9 again " + again + " ms after the restart (recovery)";
        }
        rt.start();
        rt.awaitReady(Duration.ofSeconds(60));
        stepText = text + "; restart";
    }

    /** An update of a present file; {@code sleepThenThrow} &gt; 0: a version whose activator sleeps that long and throws. */
    private String update(int sleepThenThrow) throws IOException {
        List<String> present = new ArrayList<>(inFolder.keySet());
        String f = present.get(random.nextInt(present.size()));
        String behaviour = sleepThenThrow > 0 ? "start=sleep-throw start.ms=" + sleepThenThrow : behaviour(true);
        Fixtures.Variant v = fixtures.build(f, behaviour, false);
        moveIn(v);
        return "update " + f + " to " + v.describe();
    }
}
