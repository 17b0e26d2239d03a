package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * Every exit path of an update of {@code lib.jar} (2.0.0 to 2.1.0) while {@code user.jar} is wired to it: before the
 * stop, in the stop, in the update, in the refresh, in the starts. After each: the record, the marker, the journal,
 * and every bundle of the plan ACTIVE or named.
 */
class UpdatePathsTest extends DeployPathsSupport {

    @Test
    void anUpdateThatVerifiesIsDeployedAndTheImporterIsWiredToTheNewVersion() throws Exception {
        libAndUserRunning();

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.outcome).isEqualTo(Operation.SUCCEEDED);
        assertThat(row.reason).startsWith("updated " + LIB + "/2.0.0").contains("to 2.1.0");
        assertThat(row.sha256).isEqualTo(sha256(lib("2.1.0")));
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.updated");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        assertThat(userWiredTo()).isEqualTo("2.1.0");
        assertThat(h.fw.getRemovalPendingBundles()).isEmpty();
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void fixedBytesForABundleThatDidNotStartAreStartedAndDeployed() throws Exception {
        h.fw.behaviour(LIB, "2.0.0").startThrows(activatorError("no database"));
        h.deploy(LIB_JAR, lib("2.0.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.FAILED);

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).as("deployed means it runs the bytes: it was started").isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        assertThat(h.markerKind(LIB_JAR)).isNull();
    }

    @Test
    void anUpdateOfABundleThatDidNotStartWhoseNewBytesDoNotStartEitherIsFailedNotDeployed() throws Exception {
        h.fw.behaviour(LIB).startThrows(activatorError("no database"));
        h.deploy(LIB_JAR, lib("2.0.0"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("updated").contains("it did not start").contains("no database");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.state(LIB)).isNotEqualTo("ACTIVE");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB);
    }

    @Test
    void aPlanThatCannotBeComputedIsRefusedAndNothingChanged() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_PLAN, LIB, illegalState("the audit is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.REFUSED);
        assertThat(row.reason).contains("the audit is stopping");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.refused");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void anImportersStopThatThrowsABundleExceptionDoesNotStrandIt() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.STOP, USER, bundleException("stop refused"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        assertThat(h.lastEvent(LIB_JAR)).startsWith("deploy.");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theProvidersStopThrowingIllegalStateAfterTheImporterWasStoppedIsNotNothingChanged() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.STOP, LIB, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        // the failed stop does not stop the transaction (the update stops the bundle itself); what it ends in is true
        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.lastEvent(LIB_JAR)).startsWith("deploy.");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void anUpdateTheFrameworkRefusesWithABundleExceptionIsRefusedAndBothRunAgain() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.UPDATE, LIB, bundleException("the bundle cache is full"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.REFUSED);
        assertThat(row.reason).contains("the framework refused the new bytes: the bundle cache is full");
        assertThat(h.markerText(LIB_JAR)).contains("the bundle cache is full");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.refused");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void anUpdateThrowingIllegalStateAfterTheStopsIsNotNothingChanged() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.UPDATE, LIB, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        assertThat(h.markerKind(LIB_JAR)).isNotNull();
        assertThat(h.lastEvent(LIB_JAR)).startsWith("deploy.");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theRefreshThrowingIllegalStateAsAStoppingFelixDoesIsNotNothingChanged() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.row(LIB_JAR).state).as("the bundles were stopped and updated: not a refusal").isNotEqualTo(DeployFileDTO.REFUSED);
        assertThat(h.lastEvent(LIB_JAR)).isNotEqualTo("deploy.refused");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void theFrameworksRefreshBundlesThrowingIsNotNothingChanged() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.REFRESH, null, illegalState("Framework is stopping"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        h.assertNotReportedAsNothingChanged(LIB_JAR);
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.row(LIB_JAR).state).as("the bundles were stopped and updated: not a refusal").isNotEqualTo(DeployFileDTO.REFUSED);
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
    }

    @Test
    void aRefreshThatTimesOutIsFailedNamingTheStoppedBundles() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, () -> new TimeoutException("the refresh did not end"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.outcome).isEqualTo(Operation.FAILED);
        assertThat(row.reason).contains("the refresh did not end within");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        h.assertNotReportedAsNothingChanged(LIB_JAR);
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void aRefreshWhoseListenerIsNeverCalledIsFailedNamingTheStoppedBundles() throws Exception {
        libAndUserRunning();
        h.fw.faults().silentRefresh(1);

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("the refresh did not end within");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rollback-failed");
        assertThat(row.sha256).as("the bundle runs the new bytes from now on").isEqualTo(sha256(lib("2.1.0")));
        h.assertNotReportedAsNothingChanged(LIB_JAR);
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB, USER);
    }

    @Test
    void nothingIsStartedAgainWhileARefreshTheUpdateStoppedWaitingForGoesOn() throws Exception {
        libAndUserRunning();
        h.fw.faults().silentRefresh(1);

        h.deploy(LIB_JAR, lib("2.1.0"));

        assertThat(h.refreshes.refreshing()).as("the framework never ended the refresh").isTrue();
        assertThat(h.state(USER)).as("a start now would wait for the refresh's lock: the marker names it instead")
                .isNotEqualTo("ACTIVE");
        assertThat(h.markerText(LIB_JAR)).contains("start " + h.bundle(LIB).getBundleId() + " " + h.bundle(USER).getBundleId());
    }

    @Test
    void aNewVersionWhoseActivatorThrowsIsRolledBackAndBothRunTheOldWiring() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("2.1.0 cannot start"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.outcome).isEqualTo(Operation.ROLLED_BACK);
        assertThat(row.reason).contains("2.1.0 cannot start").contains("Rolled back");
        assertThat(row.sha256).as("the row names the bytes that run").isEqualTo(sha256(lib("2.0.0")));
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.markerText(LIB_JAR)).contains("2.1.0 cannot start");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rolled-back");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
        assertThat(userWiredTo()).isEqualTo("2.0.0");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void anImporterWhoseStartFailsOnceAfterTheUpdateIsRolledBackWithBothActive() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.START, USER, illegalState("user could not start"));

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains(USER).contains("user could not start");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rolled-back");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
    }

    @Test
    void aNewVersionWhoseStartBlocksIsStuckThenDeployedWhenItReturns() throws Exception {
        libAndUserRunning();
        CountDownLatch release = h.fw.behaviour(LIB, "2.1.0").blockStart();

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.STUCK);
        assertThat(row.reason).contains("the activator of " + LIB + "/2.1.0").contains("runs the new bytes");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.events(LIB_JAR)).extracting(e -> e.type).contains("deploy.start-stuck");

        release.countDown();
        h.awaitLateStart();

        row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.sha256).isEqualTo(sha256(lib("2.1.0")));
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
    }

    @Test
    void aNewVersionWhoseStartBlocksAndThenThrowsIsRolledBackWhenItReturns() throws Exception {
        libAndUserRunning();
        CountDownLatch release = h.fw.behaviour(LIB, "2.1.0").blockStart();
        h.fw.behaviour(LIB, "2.1.0").startThrows(activatorError("late 2.1.0 failure"));

        h.deploy(LIB_JAR, lib("2.1.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.STUCK);

        release.countDown();
        h.awaitLateStart();

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains("late 2.1.0 failure");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.rolled-back");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.0.0");
    }

    @Test
    void anImportersStopThatBlocksForAWhileDelaysTheUpdateButEndsDeployed() throws Exception {
        libAndUserRunning();
        CountDownLatch release = h.fw.behaviour(USER).blockStop();
        Thread releaser = new Thread(() -> {
            long end = System.nanoTime() + 20_000_000_000L; // bounded: the thread ends even if the stop never comes
            while (!"STOPPING".equals(h.state(USER)) && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            release.countDown();
        }, "update-paths-test-release-stop");
        releaser.setDaemon(true);
        releaser.start();

        h.deploy(LIB_JAR, lib("2.1.0"));
        releaser.join(10_000);

        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.bundle(USER).history).contains("stop 1.0.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(userWiredTo()).isEqualTo("2.1.0");
    }

    @Test
    void aBundleStoppedForAMomentByAnotherRefreshIsStartedWithItsNewBytes() throws Exception {
        libAndUserRunning();
        // what someone else's refresh does to it while the update is planned: a transient stop, meant to start again
        h.bundle(LIB).stop(org.osgi.framework.Bundle.STOP_TRANSIENT);

        h.deploy(LIB_JAR, lib("2.1.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.reason).as("it was meant to run: no 'not started'").doesNotContain("not started");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB);
    }

    @Test
    void aBundleSomeoneStoppedIsUpdatedButNotStartedBehindTheirBack() throws Exception {
        libAndUserRunning();
        h.bundle(USER).stop(); // persistent: the user's stop

        h.deploy(USER_JAR, user("1.1.0"));

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.reason).contains("not started: it was not running before the update");
        assertThat(h.state(USER)).isNotEqualTo("ACTIVE");
        assertThat(h.bundle(USER).getVersion()).hasToString("1.1.0");
    }

    @Test
    void aChangeThatWaitedForAStuckUpdateRollsBackToThatUpdatesBytes() throws Exception {
        libAndUserRunning();
        CountDownLatch release = h.fw.behaviour(LIB, "2.1.0").blockStart();
        h.deploy(LIB_JAR, lib("2.1.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.STUCK);

        h.fw.behaviour(LIB, "2.2.0").startThrows(activatorError("no database"));
        h.deploy(LIB_JAR, lib("2.2.0")); // waits for the stuck start of 2.1.0
        release.countDown();
        h.awaitLateStart(); // 2.1.0 is kept; then the change that waited is applied, and rolled back

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(h.bundle(LIB).getVersion()).as("rolled back to the bytes before 2.2.0, which 2.1.0's update had kept")
                .hasToString("2.1.0");
        assertThat(row.sha256).isEqualTo(sha256(lib("2.1.0")));
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
    }

    @Test
    void aStuckUpdateWhoseImportersFileIsRemovedMeanwhileIsKeptWhenItsStartReturns() throws Exception {
        libAndUserRunning();
        CountDownLatch release = h.fw.behaviour(LIB, "2.1.0").blockStart();
        h.deploy(LIB_JAR, lib("2.1.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.STUCK);

        h.remove(USER_JAR); // not wired to what the stuck start holds: it does not wait
        assertThat(h.state(USER)).isEqualTo("GONE");
        release.countDown();
        h.awaitLateStart();

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).as("the importer was removed on purpose: row %s", row.reason).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.bundle(LIB).getVersion()).hasToString("2.1.0");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }
}
