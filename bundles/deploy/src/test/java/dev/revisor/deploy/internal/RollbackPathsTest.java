package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * Every exit path of a rollback: {@code lib.jar} 2.0.0 and {@code user.jar} run, {@code lib.jar} 2.1.0 comes whose
 * activator throws, so Revisor puts 2.0.0 back; then the rollback itself fails at a named step (its stop, its update
 * (the second update of the transaction), its refresh (the second refresh), its start). Faults count from the moment
 * they are planned (after both run): the lib's starts are #1 the new version, #2 the rollback; the user's stops are
 * #1 the update, #2 the rollback.
 */
class RollbackPathsTest extends DeployPathsSupport {

    @BeforeEach
    void theNewVersionCannotStart() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("2.1.0 cannot start"));
    }

    @Test
    void theRollbacksUpdateThrowingABundleExceptionIsFailedNamingEveryBundleThatIsDown() throws Exception {
        h.fw.faults().at(Step.UPDATE, LIB, 2, bundleException("the bundle cache is full"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.outcome).isEqualTo(Operation.FAILED);
        assertThat(row.reason).contains("putting the previous bytes back failed: the bundle cache is full");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        h.assertNotReportedAsNothingChanged(LIB_JAR);
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(row.sha256).as("the row names the bytes the bundle runs (the new ones: they were not put back)")
                .isEqualTo(sha256(lib("2.1.0")));
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theRollbacksUpdateThrowingIllegalStateIsNotNothingChanged() throws Exception {
        h.fw.faults().at(Step.UPDATE, LIB, 2, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theRollbacksRefreshThrowingIllegalStateIsNotNothingChanged() throws Exception {
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 2, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theRollbacksRefreshTimingOutIsFailedNamingEveryBundleThatIsDown() throws Exception {
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, 2, () -> new TimeoutException("the refresh did not end"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("the refresh did not end within");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        h.assertNotReportedAsNothingChanged(LIB_JAR);
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
    }

    @Test
    void theRollbacksStartThrowingIsFailedNamingTheBundle() throws Exception {
        h.fw.faults().at(Step.START, LIB, 2, illegalState("2.0.0 cannot start either"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.outcome).isEqualTo(Operation.FAILED);
        assertThat(row.reason).contains("The rollback did not bring everything back").contains("2.0.0 cannot start either");
        assertThat(row.sha256).as("the previous bytes are back").isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerText(LIB_JAR)).contains("2.0.0 cannot start either");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
    }

    @Test
    void theRollbacksStopOfTheImporterThrowingIllegalStateIsNotNothingChanged() throws Exception {
        h.fw.faults().at(Step.STOP, USER, 2, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        // the failed stop does not keep the rollback from happening (the refresh stops the importer anyway)
        assertThat(h.lastEvent(LIB_JAR)).isIn("deploy.rolled-back", "deploy.rollback-failed");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void aRollbackWhoseStartBlocksIsStuckThenRolledBackWhenItReturns() throws Exception {
        CountDownLatch release = h.fw.behaviour(LIB, "2.0.0").blockStart();

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.STUCK);
        assertThat(row.reason).contains("The previous bytes are back, but the rollback is not finished");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.events(LIB_JAR)).extracting(e -> e.type).contains("deploy.start-stuck");

        release.countDown();
        h.awaitLateStart();

        row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.outcome).isEqualTo(Operation.ROLLED_BACK);
        assertThat(row.sha256).isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rolled-back");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
    }

    @Test
    void theSameBytesAfterARollbackAreNotTriedAgainAndTheMarkerStays() throws Exception {
        h.deploy(LIB_JAR, lib("2.1.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        int events = h.events(LIB_JAR).size();

        h.engine.changed(h.folder.resolve(LIB_JAR), false);

        assertThat(h.events(LIB_JAR)).hasSize(events);
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }
}
