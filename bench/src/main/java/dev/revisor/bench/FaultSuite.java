package dev.revisor.bench;

import java.util.ArrayList;
import java.util.List;

import dev.revisor.bench.faults.Campaign;

/**
 * (8) The fault campaign of issue 11 ({@code bench/run faults [--scenarios N] [--seed S]}): N seeded scenarios
 * against real runtime processes, each checked against the deploy invariant after every step (package
 * {@code dev.revisor.bench.faults}). Its result goes into the report: scenarios, steps, kills, violations and the
 * seeds of the failed scenarios, each violation as its sentence. The suite fails when there is a violation.
 */
final class FaultSuite {
    /** Violations written into the report one by one; the rest are counted. */
    private static final int REPORTED = 200;
    private final Context ctx;
    private final int scenarios;
    private final long seed;

    FaultSuite(Context ctx, int scenarios, long seed) {
        this.ctx = ctx;
        this.scenarios = scenarios;
        this.seed = seed;
    }

    void run() throws Exception {
        System.out.println("== faults: " + scenarios + " scenarios from seed " + seed);
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < scenarios; i++) {
            seeds.add(seed + i);
        }
        Campaign.Result r = new Campaign(Campaign.Settings.standard(ctx.sourceDist, ctx.work)).run(seeds);
        ctx.report.note("Fault campaign (issue 11): " + r.summary() + "; first seed " + seed
                + "; replay one with `bench/run faults --seed SEED --scenarios 1`");
        for (int i = 0; i < Math.min(REPORTED, r.violations().size()); i++) {
            ctx.report.note("violation: " + r.violations().get(i));
        }
        if (r.violations().size() > REPORTED) {
            ctx.report.note((r.violations().size() - REPORTED) + " further violations (see the output of the run)");
        }
        for (String e : r.errors()) {
            ctx.report.note("scenario error: " + e);
        }
        if (!r.violations().isEmpty() || !r.errors().isEmpty()) {
            throw new AssertionError("the fault campaign found " + r.violations().size() + " violations and " + r.errors().size()
                    + " errors (seeds " + r.failedSeeds() + ")");
        }
    }
}
