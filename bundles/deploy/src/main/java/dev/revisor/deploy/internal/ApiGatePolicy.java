package dev.revisor.deploy.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.Operation;

/**
 * Applies the API gate's policy to an update, before anything changes: baselines the incoming jar against the bytes
 * the bundle runs ({@link ApiGate}) when other bundles import its packages, journals {@code deploy.api-gate}, and
 * either refuses the update ({@code api.gate=refuse}) or lets it through with a note ({@code warn}).
 * <p>
 * Concurrent Semantics: stateless; called on the deploy thread.
 */
final class ApiGatePolicy {
    /** What the gate decided. */
    static final class Verdict {
        /** The update was refused (recorded already). */
        final boolean refused;
        /** A note for the update's reason, or {@code null}. */
        final String note;

        private Verdict(boolean refused, String note) {
            this.refused = refused;
            this.note = note;
        }
    }

    private ApiGatePolicy() {
    }

    static Verdict check(DeployContext ctx, Outcomes outcomes, Operation op, FileRecord rec, JarFacts facts, Bundle bundle,
            Path previous) {
        if (!ApiGate.hasImporters(bundle)) {
            return new Verdict(false, null);
        }
        List<ApiGate.Break> breaks;
        long t0 = System.nanoTime();
        try {
            breaks = ApiGate.check(previous.toFile(), ctx.store.staging(rec.file).toFile(), bundle);
        } catch (Exception | LinkageError e) {
            String note = "the API gate could not compare the versions (" + e + "); the update went on without it";
            ctx.log.warn("deploy: {}: {}", rec.file, note, e);
            return new Verdict(false, note);
        }
        long gateMillis = (System.nanoTime() - t0) / 1_000_000;
        if (breaks.isEmpty()) {
            return new Verdict(false, null);
        }
        List<Object> packages = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (ApiGate.Break b : breaks) {
            packages.add(b.toMap());
            texts.add(b.describe());
        }
        boolean refuse = ApiGate.REFUSE.equals(ctx.settings.apiGate);
        Map<String, Object> details = DeployContext.details(rec.file, facts.sha256);
        details.put("policy", ctx.settings.apiGate);
        details.put("verdict", refuse ? "refused" : "warned");
        details.put("packages", packages);
        details.put("baselineMillis", gateMillis);
        ctx.journal.record("deploy.api-gate", op.id(), bundle, details);
        String text = "the update to " + facts.display() + " breaks the API its importers use: " + String.join(" | ", texts);
        if (refuse) {
            outcomes.refused(op, rec, bundle, facts.sha256, "api-gate", text
                    + ". Export the changed package under a new major version, or let it through with api.gate=warn"
                    + " (configuration dev.revisor.deploy)");
            return new Verdict(true, null);
        }
        return new Verdict(false, "API gate (api.gate=warn) let it through: " + text);
    }
}
