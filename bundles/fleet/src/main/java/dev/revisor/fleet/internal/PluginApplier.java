package dev.revisor.fleet.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.Leaks;
import dev.revisor.audit.api.StopDTO;
import dev.revisor.audit.api.Stops;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * One member's side of a rollout: applies an assignment through the member's own deploy folder (fetch from the store,
 * verify the SHA-256, copy beside the folder, rename into it, wait for the deploy transaction's record), holds while
 * the audit watches, and puts the previous bytes back the same way. The deploy bundle's checks, API gate, refresh plan
 * and rollback apply as for any jar a user drops in.
 * <p>
 * Concurrent Semantics: not thread safe; run by the member agent's thread only.
 */
final class PluginApplier {
    /** How long a deploy transaction may take before the member gives up on it. */
    private static final long DEPLOY_TIMEOUT_MILLIS = 120_000;
    private static final long HOLD_POLL_MILLIS = 250;

    private final DeployFolder deploy;
    private final Leaks leaks;
    private final Stops stops;
    private final Journal journal;
    private final ArtifactStore store;
    private final Path data;

    PluginApplier(DeployFolder deploy, Leaks leaks, Stops stops, Journal journal, ArtifactStore store, Path data) {
        this.deploy = deploy;
        this.leaks = leaks;
        this.stops = stops;
        this.journal = journal;
        this.store = store;
        this.data = data;
    }

    /** The deploy entry whose bundle has {@code symbolicName}, or null. */
    static DeployFileDTO entry(DeployStatusDTO status, String symbolicName) {
        for (DeployFileDTO file : status.files) {
            if (file.bundle != null && symbolicName.equals(file.bundle.symbolicName)) {
                return file;
            }
        }
        return null;
    }

    private static DeployFileDTO byFile(DeployStatusDTO status, String name) {
        for (DeployFileDTO file : status.files) {
            if (name.equals(file.file)) {
                return file;
            }
        }
        return null;
    }

    /**
     * Applies {@code a}; on failure puts the previous bytes back before it returns.
     *
     * @param progress  receives the report while it is in progress (applying, holding)
     * @param withdrawn whether the coordinator has taken the assignment back (the rollout halted or was aborted):
     *                  asked during the hold, which then ends as a failure and puts the previous bytes back at once
     * @return the final report: succeeded, or failed with the reason naming the finding
     */
    Docs.Report apply(Docs.Assignment a, Consumer<Docs.Report> progress, BooleanSupplier withdrawn)
            throws InterruptedException {
        Docs.Report report = report(a, MemberState.APPLYING, null);
        Path previousDir = data.resolve("previous").resolve(a.rollout);
        try {
            DeployStatusDTO status = deploy.awaitSettled(DEPLOY_TIMEOUT_MILLIS);
            DeployFileDTO current = entry(status, a.plugin);
            String file = current != null ? current.file : a.file;
            Path folder = Paths.get(status.folder);
            Path previous = previousDir.resolve(file);
            if (current != null && current.sha256 != null && !current.sha256.equals(a.sha256)
                    && !Files.exists(previous) && Files.isRegularFile(folder.resolve(file))) {
                Files.createDirectories(previousDir);
                Path temp = previousDir.resolve(file + ".tmp");
                Files.copy(folder.resolve(file), temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                ArtifactStore.move(temp, previous);
            }
            report.previousSha256 = Files.exists(previous) ? ArtifactStore.sha256(previous) : null;
            progress.accept(report);
            Set<String> before = findingIds(a.plugin);
            record("fleet.apply", a, Map.of("file", file, "previousSha256", String.valueOf(report.previousSha256)));
            DeployFileDTO result = current;
            if (current == null || !a.sha256.equals(current.sha256) || !DeployFileDTO.DEPLOYED.equals(current.state)) {
                Path staged = data.resolve("staging").resolve(file);
                store.fetch(a.artifact, a.sha256, staged);
                result = place(staged, folder, file, current);
            }
            report.deployOperation = result == null ? null : result.operation;
            if (result == null || !DeployFileDTO.DEPLOYED.equals(result.state) || !a.sha256.equals(result.sha256)) {
                String why = result == null ? "the deploy folder has no record of " + file
                        : "deploy " + result.state + (result.reason == null ? "" : ": " + result.reason);
                return fail(a, report, why, previous, folder, file, progress);
            }
            report.state = MemberState.HOLDING.text();
            progress.accept(report);
            String finding = hold(a, before, withdrawn);
            if (finding != null) {
                return fail(a, report, finding, previous, folder, file, progress);
            }
            report.state = MemberState.SUCCEEDED.text();
            report.time = Clock.now();
            record("fleet.applied", a, Map.of("file", file, "deployOperation", String.valueOf(report.deployOperation)));
            return report;
        } catch (IOException | TimeoutException | RuntimeException e) {
            Path folder = Paths.get(deploy.status().folder);
            DeployFileDTO current = entry(deploy.status(), a.plugin);
            String file = current != null ? current.file : a.file;
            return fail(a, report, e.getClass().getSimpleName() + ": " + e.getMessage(), previousDir.resolve(file),
                    folder, file, progress);
        }
    }

    /**
     * Puts back what the member ran before {@code a}'s rollout: its previous bytes, or nothing when it did not run the
     * plugin before.
     */
    Docs.Report rollback(Docs.Assignment a) throws InterruptedException {
        Docs.Report report = report(a, MemberState.ROLLED_BACK, null);
        try {
            DeployStatusDTO status = deploy.awaitSettled(DEPLOY_TIMEOUT_MILLIS);
            DeployFileDTO current = entry(status, a.plugin);
            String file = current != null ? current.file : a.file;
            Path folder = Paths.get(status.folder);
            Path previous = data.resolve("previous").resolve(a.rollout).resolve(file);
            report.reason = restore(previous, folder, file, current, a.sha256);
            report.previousSha256 = Files.exists(previous) ? ArtifactStore.sha256(previous) : null;
            record("fleet.rolled-back", a, Map.of("file", file, "result", report.reason));
        } catch (IOException | TimeoutException | RuntimeException e) {
            report.state = MemberState.FAILED.text();
            report.reason = "rollback failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
            record("fleet.rollback-failed", a, Map.of("reason", report.reason));
        }
        report.time = Clock.now();
        return report;
    }

    private Docs.Report fail(Docs.Assignment a, Docs.Report report, String why, Path previous, Path folder, String file,
            Consumer<Docs.Report> progress) throws InterruptedException {
        report.state = MemberState.FAILED.text();
        report.reason = why;
        record("fleet.failed", a, Map.of("file", file, "reason", why));
        try {
            DeployFileDTO current = byFile(deploy.awaitSettled(DEPLOY_TIMEOUT_MILLIS), file);
            String undone = restore(previous, folder, file, current, a.sha256);
            report.reason = why + " (" + undone + ")";
            record("fleet.rolled-back", a, Map.of("file", file, "result", undone));
        } catch (IOException | TimeoutException | RuntimeException e) {
            report.reason = why + " (and putting the previous bytes back failed: " + e.getMessage() + ")";
        }
        report.time = Clock.now();
        return report;
    }

    /** Returns the folder to {@code previous} (or to no file for the plugin), and says what it did. */
    private String restore(Path previous, Path folder, String file, DeployFileDTO current, String rolledOutSha)
            throws IOException, InterruptedException, TimeoutException {
        if (Files.exists(previous)) {
            String sha = ArtifactStore.sha256(previous);
            Path inFolder = folder.resolve(file);
            if (Files.exists(inFolder) && sha.equals(ArtifactStore.sha256(inFolder)) && current != null
                    && sha.equals(current.sha256) && DeployFileDTO.DEPLOYED.equals(current.state)) {
                return "runs its previous bytes " + sha.substring(0, 12);
            }
            Path staged = data.resolve("staging").resolve(file);
            Files.createDirectories(staged.getParent());
            Files.copy(previous, staged, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            DeployFileDTO result = place(staged, folder, file, current);
            return "previous bytes " + sha.substring(0, 12) + " put back: deploy "
                    + (result == null ? "has no record" : result.state);
        }
        Path inFolder = folder.resolve(file);
        if (Files.exists(inFolder) && rolledOutSha.equals(ArtifactStore.sha256(inFolder))) {
            Files.delete(inFolder);
            deploy.awaitSettled(DEPLOY_TIMEOUT_MILLIS);
            return "it did not run the plugin before: " + file + " removed";
        }
        return "it never took the update";
    }

    /**
     * Renames {@code staged} into the folder as {@code file} (the documented way: whole file, atomic rename) and waits
     * for the deploy transaction's record of it.
     */
    private DeployFileDTO place(Path staged, Path folder, String file, DeployFileDTO before)
            throws IOException, InterruptedException, TimeoutException {
        String sha = ArtifactStore.sha256(staged);
        String beforeOperation = before == null ? null : before.operation;
        ArtifactStore.move(staged, folder.resolve(file));
        long deadline = System.currentTimeMillis() + DEPLOY_TIMEOUT_MILLIS;
        while (true) {
            DeployStatusDTO status = deploy.awaitSettled(Math.max(1, deadline - System.currentTimeMillis()));
            DeployFileDTO entry = byFile(status, file);
            boolean taken = entry != null && entry.operation != null && !entry.operation.equals(beforeOperation)
                    && (sha.equals(entry.sha256) || !DeployFileDTO.DEPLOYED.equals(entry.state));
            if (taken) {
                return entry;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TimeoutException("the deploy folder did not take up " + file + " within "
                        + DEPLOY_TIMEOUT_MILLIS / 1000 + " s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Watches for the hold time: a stop hang, the bundle leaving ACTIVE or the assignment taken back fails at once;
     * leaks are checked at the end.
     */
    private String hold(Docs.Assignment a, Set<String> findingsBefore, BooleanSupplier withdrawn)
            throws InterruptedException {
        long end = System.currentTimeMillis() + a.holdMillis;
        do {
            if (withdrawn.getAsBoolean()) {
                return "the rollout stopped during the hold: this member's assignment is no longer to apply it";
            }
            for (StopDTO stop : stops.inProgress()) {
                if (stop.hung && stop.bundle != null && a.plugin.equals(stop.bundle.symbolicName)) {
                    return "stop hang of " + a.plugin + " on thread " + stop.thread + " for " + stop.elapsedMillis + " ms";
                }
            }
            DeployFileDTO entry = entry(deploy.status(), a.plugin);
            if (entry == null || !"ACTIVE".equals(entry.bundleState)) {
                return "failed start: " + a.plugin + " is " + (entry == null ? "gone" : entry.bundleState)
                        + " during the hold";
            }
            Thread.sleep(Math.max(0, Math.min(HOLD_POLL_MILLIS, end - System.currentTimeMillis())));
        } while (System.currentTimeMillis() < end);
        for (LeakFindingDTO finding : leaks.check()) {
            if (isOf(finding, a.plugin) && !findingsBefore.contains(finding.id)) {
                return "leak finding " + finding.id + " (" + finding.kind + "): " + finding.summary;
            }
        }
        return null;
    }

    private Set<String> findingIds(String plugin) {
        Set<String> ids = new HashSet<>();
        for (LeakFindingDTO finding : leaks.findings()) {
            if (isOf(finding, plugin)) {
                ids.add(finding.id);
            }
        }
        return ids;
    }

    private static boolean isOf(LeakFindingDTO finding, String plugin) {
        return finding.bundle != null && plugin.equals(finding.bundle.symbolicName);
    }

    private static Docs.Report report(Docs.Assignment a, MemberState state, String reason) {
        Docs.Report report = new Docs.Report();
        report.rollout = a.rollout;
        report.action = a.action;
        report.state = state.text();
        report.reason = reason;
        report.time = Clock.now();
        return report;
    }

    /** A journal event of this member's part in the rollout. */
    private void record(String type, Docs.Assignment a, Map<String, Object> more) {
        FleetEvents.record(journal, type, a.rollout, a.plugin, a.version, a.sha256, more);
    }
}
