package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.BundleStartLevel;

import dev.revisor.audit.api.Operation;

/**
 * The install of a bundle from a new file: install, resolve, start; pending when it waits for requirements, failed
 * when it does not start (the bundle stays installed, not active, until a fixed jar comes), stuck when its activator
 * does not return in time. Also the start of a pending bundle once it resolves.
 * <p>
 * Concurrent Semantics: deploy thread only.
 */
final class InstallTransaction {
    private final DeployContext ctx;
    private final Outcomes outcomes;
    private final StuckStarts stuck;

    InstallTransaction(DeployContext ctx, Outcomes outcomes, StuckStarts stuck) {
        this.ctx = ctx;
        this.outcomes = outcomes;
        this.stuck = stuck;
    }

    /** @return whether a bundle was installed (whether or not it runs) */
    boolean run(FileRecord rec, String location, JarFacts facts) throws IOException {
        String name = rec.file;
        try (Operation op = ctx.begin(name)) {
            Transaction tx = Transaction.begin(op, name, Transaction.INSTALL, null);
            tx.location = location;
            tx.sha256 = facts.sha256;
            ctx.store.writeTransaction(tx);
            Bundle bundle;
            try (InputStream in = Files.newInputStream(ctx.store.staging(name))) {
                bundle = ctx.bundles.installBundle(location, in);
            } catch (BundleException e) {
                ctx.store.clearTransaction();
                outcomes.refused(op, rec, null, facts.sha256, "framework", "the framework refused to install it: "
                        + Explain.firstLine(e.getMessage()));
                return false;
            } catch (IllegalStateException e) {
                // the framework is stopping: nothing was installed; the same bytes are tried again at the next start
                ctx.store.clearTransaction();
                outcomes.refused(op, rec, null, null, "framework", "the framework could not install it now: "
                        + Explain.firstLine(e.getMessage()) + "; it is tried again at the next start");
                return false;
            }
            // no second write of the record: at restart the bundle's location tells whether the install happened
            tx.phase = Transaction.APPLIED;
            tx.bundleId = bundle.getBundleId();
            rec.location = location;
            rec.bundleId = bundle.getBundleId();
            rec.sha256 = facts.sha256;
            rec.triedSha256 = null;
            try {
                if (ctx.settings.startLevel > 0) {
                    bundle.adapt(BundleStartLevel.class).setStartLevel(ctx.settings.startLevel);
                }
                ctx.store.keep(name);
                ctx.journal.record("deploy.installed", op.id(), bundle, DeployContext.details(name, facts.sha256));
                startNewBundle(op, rec, bundle, "installed " + Explain.name(bundle));
            } catch (RuntimeException | IOException e) {
                // the bundle is installed: that is never "nothing changed"
                ctx.log.error("deploy: installing {} failed after the install: {}", name, e.toString(), e);
                outcomes.failed(op, rec, bundle, "installed " + Explain.name(bundle) + " (it is " + Explain.state(bundle)
                        + "), but then Revisor failed: " + e + ". Remove the jar to uninstall it, or copy it in again", null);
            }
            ctx.store.clearTransaction();
            return true;
        }
    }

    /** Resolves and starts a bundle that was just installed; marks it pending or failed when it does not get there. */
    void startNewBundle(Operation op, FileRecord rec, Bundle bundle, String what) {
        boolean fragment = Bundles.isFragment(bundle);
        if (!ctx.wiring.resolveBundles(java.util.List.of(bundle))) {
            String why = Explain.unresolved(bundle, ctx.wiring);
            outcomes.pending(op, rec, bundle, what + ", but it waits: " + why + ". It starts as soon as a bundle that provides it is deployed.");
            return;
        }
        if (fragment || !ctx.settings.startNewBundles) {
            outcomes.deployed(op, rec, what + (fragment ? " (a fragment: attached when its host resolves)"
                    : " (not started: " + DeployComponent.START_NEW + "=false)"));
            return;
        }
        Starter.Result started = ctx.starter.start(bundle, Bundle.START_ACTIVATION_POLICY, rec.file);
        if (started.stuck != null) {
            Transaction tx = new Transaction();
            tx.operation = op.id();
            tx.file = rec.file;
            tx.action = Transaction.INSTALL;
            tx.bundleId = bundle.getBundleId();
            tx.location = bundle.getLocation();
            tx.sha256 = rec.sha256;
            tx.started = Instant.now().toString();
            PlanRestarter.Verdict verdict = new PlanRestarter.Verdict();
            verdict.stuck.add(started.stuck);
            stuck.unfinished(op, rec, bundle, tx, verdict, what + ", but");
            return;
        }
        if (started.refused != null) {
            outcomes.failed(op, rec, bundle, what + ", but it was not started: " + started.refused
                    + ". Remove the jar and copy it in again once they have returned", null);
            return;
        }
        if (started.failure != null) {
            stopQuietly(bundle); // no persistent start: it stays installed, not active, until a fixed jar comes
            outcomes.failed(op, rec, bundle, what + ", but it did not start: " + Explain.failure(started.failure), started.failure);
            return;
        }
        outcomes.deployed(op, rec, what);
    }

    /** Finishes an install whose start had not returned (see {@link StuckStarts#finish}). */
    void finish(Operation op, FileRecord rec, Bundle bundle, Map<Long, Throwable> known, String why) {
        String name = Explain.name(bundle);
        Throwable thrown = known.get(bundle.getBundleId());
        if (bundle.getState() == Bundle.ACTIVE) {
            outcomes.deployed(op, rec, "installed " + name + " (" + why + ")");
        } else if (thrown != null) {
            stopQuietly(bundle);
            outcomes.failed(op, rec, bundle, "installed " + name + ", but it did not start (" + why + "): " + Explain.failure(thrown), thrown);
        } else {
            startNewBundle(op, rec, bundle, "installed " + name + " (" + why + ")");
        }
    }

    /** Clears the persistent start of a bundle whose start failed; the start has returned, so its lock is free. */
    private static void stopQuietly(Bundle bundle) {
        try {
            bundle.stop();
        } catch (BundleException | IllegalStateException ignored) {
            // it is not active anyway
        }
    }
}
