package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.internal.FaultPlan.Crash;
import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * {@code recover()} after a kill -9 in the middle of a transaction: the fault plan throws a {@link Crash} (an Error,
 * which the engine does not catch) at a named step, leaving the engine's own write-ahead record behind; then the
 * harness restarts the framework from its persistent state and starts a new engine on the same home. The recorded
 * outcome must follow what the bundle really runs.
 * <p>
 * Simplification: the engine's {@code finally} blocks still run after the Crash (state.json saved, the staged copy
 * of an update discarded), which a real kill -9 would not do.
 */
class RecoveryPathsTest extends DeployPathsSupport {

    /** @return the file's last deploy.recovered event, after checking that its operation's outcome agrees with it */
    private AuditEventDTO recovered(String file) {
        List<AuditEventDTO> events = h.events(file);
        AuditEventDTO e = events.stream().filter(x -> x.type.equals("deploy.recovered")).reduce((a, b) -> b).orElse(null);
        assertThat(e).as("deploy.recovered of %s", file).isNotNull();
        Object decision = e.details.get("decision");
        String outcome = h.operations.find(e.operation).outcome;
        if ("rolled-back".equals(decision)) {
            assertThat(outcome).as("the recovery's operation outcome, decision %s", decision).isEqualTo(Operation.ROLLED_BACK);
        } else if ("completed".equals(decision)) {
            assertThat(outcome).as("the recovery's operation outcome, decision %s", decision).isEqualTo(Operation.SUCCEEDED);
        }
        return e;
    }

    @Test
    void aCrashDuringTheRollbacksRefreshIsRecoveredAsRolledBackWithItsMarker() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("2.1.0 cannot start"));
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 2, () -> new Crash("the rollback's refresh"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);
        assertThat(h.writeAheadRecordLeft()).as("the crash left the write-ahead record").isTrue();

        h.restart();

        assertThat(h.bundle(LIB).getVersion()).as("the previous bytes were back before the crash").hasToString("2.0.0");
        AuditEventDTO recovered = recovered(LIB_JAR);
        assertThat(recovered).isNotNull();
        assertThat(recovered.details).containsEntry("decision", "rolled-back");
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).as("row after recovery: %s", row.reason).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.outcome).isEqualTo(Operation.ROLLED_BACK);
        assertThat(row.sha256).as("the row names the bytes the bundle runs").isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void aCrashDuringTheRollbacksUpdateIsRolledBackAtRestartAndRecordedSo() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("2.1.0 cannot start"));
        h.fw.faults().at(Step.UPDATE, LIB, 2, () -> new Crash("the rollback's update"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);

        h.restart();

        AuditEventDTO recovered = recovered(LIB_JAR);
        assertThat(recovered).isNotNull();
        assertThat(recovered.details).containsEntry("decision", "rolled-back");
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.outcome).as("the outcome agrees with the decision").isEqualTo(Operation.ROLLED_BACK);
        assertThat(row.sha256).isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
    }

    @Test
    void aCrashAfterAGoodUpdateBeforeItsRefreshIsCompletedAtRestart() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 1, () -> new Crash("the update's refresh"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);

        h.restart();

        assertThat(recovered(LIB_JAR).details).containsEntry("decision", "completed");
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.sha256).isEqualTo(sha256(lib("2.1.0")));
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(userWiredTo()).isEqualTo("2.1.0");
    }

    @Test
    void anUpdateInterruptedAfterItsBytesWereAppliedWhoseBundleIsGoneAtRestartIsRecordedConsistently() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 1, () -> new Crash("the update's refresh"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);
        h.bundle(LIB).uninstall(); // someone else removed it while the runtime was down (a clean bundle cache)

        h.restart();

        recovered(LIB_JAR); // decision and outcome agree
    }

    @Test
    void aCrashBeforeTheInstallIsRecoveredAsNothingChangedAndTheFileIsTriedAgain() throws Exception {
        h.fw.faults().at(Step.INSTALL, null, () -> new Crash("installBundle"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.0.0"))).isInstanceOf(Crash.class);

        h.restart();

        assertThat(recovered(LIB_JAR).details).containsEntry("decision", "rolled-back");
        // the start-up tries the file again itself (FileInstall's report at its first scan then finds the same bytes)
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(LIB_JAR)).isNull();

        h.engine.changed(h.folder.resolve(LIB_JAR), false);

        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }

    @Test
    void aCrashDuringARemovalsRefreshLeavesTheStrandedImporterPendingAfterRecovery() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 1, () -> new Crash("the removal's refresh"));
        assertThatThrownBy(() -> h.remove(LIB_JAR)).isInstanceOf(Crash.class);

        h.restart();

        assertThat(recovered(LIB_JAR).details).containsEntry("decision", "completed");
        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.row(LIB_JAR)).isNull();
        assertThat(h.state(USER)).isEqualTo("INSTALLED");
        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("the stranded importer after recovery: %s", row.reason).isEqualTo(DeployFileDTO.PENDING);
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.PENDING_SUFFIX);
        assertThat(h.markerText(USER_JAR)).contains("package " + PKG + " [2.0.0,3.0.0)");
    }

    @Test
    void anUpdateWhoseBundleTheFrameworkLostAtTheKillBringsThePreviousBytesBackThenTriesTheFileAgain() throws Exception {
        libAndUserRunning();
        long lost = h.bundle(LIB).getBundleId();
        h.fw.faults().at(Step.UPDATE, LIB, () -> new Crash("killed while the old bundle was being stopped"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);
        assertThat(h.writeAheadRecordLeft()).isTrue();
        h.fw.lose(lost);

        h.restart();

        AuditEventDTO recovered = recovered(LIB_JAR);
        assertThat(recovered.details).containsEntry("decision", "rolled-back");
        assertThat(h.operations.find(recovered.operation).reason).contains("no longer had bundle " + lost)
                .contains("previous bytes are installed and started again");
        // then the file is tried again as a normal update: 2.1.0 starts, and the importer runs again too
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).as("row: %s", row.reason).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void aRollbackWhoseBundleTheFrameworkLostAtTheKillIsFinishedOnThePreviousBytesInstalledAgain() throws Exception {
        libAndUserRunning();
        long lost = h.bundle(LIB).getBundleId();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("2.1.0 cannot start"));
        h.fw.faults().at(Step.UPDATE, LIB, 2, () -> new Crash("killed while the rollback put the previous bytes back"));
        assertThatThrownBy(() -> h.deploy(LIB_JAR, lib("2.1.0"))).isInstanceOf(Crash.class);
        h.fw.lose(lost);

        h.restart();

        AuditEventDTO recovered = recovered(LIB_JAR);
        assertThat(recovered.details).containsEntry("decision", "rolled-back");
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).as("row: %s", row.reason).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains("no longer had bundle " + lost).contains("runs its previous bytes again");
        assertThat(row.sha256).as("the bytes that run").isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).as("the plan's importer runs again").isEqualTo("ACTIVE");
        assertThat(h.writeAheadRecordLeft()).isFalse();

        h.engine.changed(h.folder.resolve(LIB_JAR), false);
        assertThat(h.bundle(LIB).getVersion()).as("the failed bytes are not tried again").hasToString("2.0.0");
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.ROLLED_BACK);
    }
}
