package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.revisor.deploy.api.DeployFileDTO;

/**
 * After every change, a file recorded {@code deployed} whose bundle the framework means to run but that does not run
 * (something the change raced with stopped it) is started again, or its record says why not: the record never goes
 * on saying {@code deployed} of a bundle that is not running.
 */
class ReconcilePathsTest extends DeployPathsSupport {
    private static final String OTHER_JAR = "other.jar";
    private static final String OTHER = "org.example.other";

    private static byte[] other() {
        return Fixtures.bundle(OTHER, "1.0.0").build();
    }

    @Test
    void aDeployedBundleThatStoppedMeanwhileIsStartedAgainAfterTheNextChange() throws Exception {
        libAndUserRunning();
        h.bundle(USER).stop(Bundle.STOP_TRANSIENT); // stopped by something else, still meant to run

        h.deploy(OTHER_JAR, other());

        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.reason).contains("had stopped during the change of " + OTHER_JAR);
    }

    @Test
    void aStartOutsideRevisorWhoseActivatorThrowsIsRecordedFailedByTheSweep() throws Exception {
        libAndUserRunning();
        FakeBundle user = h.bundle(USER);
        h.fw.behaviour(USER).startThrows(activatorError("the database is down"));
        // the shell's stop and start (seed 2873): the start sets the bundle meant to run, then its activator throws
        user.stop();
        assertThatThrownBy(user::start).isInstanceOf(BundleException.class);
        assertThat(h.state(USER)).isEqualTo("RESOLVED");

        h.engine.sweep();
        assertThat(h.row(USER_JAR).state).as("down in one sweep only: maybe a refresh's moment").isEqualTo(DeployFileDTO.DEPLOYED);
        h.engine.sweep();

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("not deployed: it does not run").isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("had stopped outside Revisor").contains("the database is down");
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(USER_JAR)).isEqualTo("deploy.failed");
        h.engine.sweep();
        assertThat(h.row(USER_JAR).state).as("tried once: a failed record is not started again").isEqualTo(DeployFileDTO.FAILED);
    }

    @Test
    void aBundleStoppedForAMomentOutsideRevisorIsStartedAgainByTheSweep() throws Exception {
        libAndUserRunning();
        h.bundle(USER).stop(Bundle.STOP_TRANSIENT); // still meant to run

        h.engine.sweep();
        h.engine.sweep();

        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.reason).contains("had stopped outside Revisor");
    }

    @Test
    void theSweepLeavesABundleSomeoneStoppedAlone() throws Exception {
        libAndUserRunning();
        h.bundle(USER).stop();

        h.engine.sweep();
        h.engine.sweep();

        assertStoppedByTheUserAndLeftAlone();
    }

    @Test
    void aFailedRollbacksBundleThatRunsLaterIsRecordedRolledBack() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(USER, "1.1.0").startThrows(activatorError("1.1.0 cannot start"));
        h.fw.behaviour(USER, "1.0.0").startThrows(activatorError("1.0.0 cannot start either, for now"));
        h.deploy(USER_JAR, user("1.1.0"));
        assertThat(h.row(USER_JAR).state).as("the rollback did not bring it back").isEqualTo(DeployFileDTO.FAILED);

        // what 1.0.0 needed is back, and something starts it (seed 5639: another file's rollback started its plan)
        h.fw.behaviour(USER, "1.0.0").startThrows(null);
        h.bundle(USER).start();
        h.engine.sweep();

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("its previous bytes run, the file's own did not: %s", row.reason).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains("runs its previous bytes again").contains("1.1.0 cannot start");
        assertThat(row.sha256).isEqualTo(sha256(user("1.0.0")));
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(USER_JAR)).isEqualTo("deploy.revived");
    }

    @Test
    void aFailedFilesBundleStartedFromTheShellIsRecordedDeployed() throws Exception {
        h.fw.behaviour(OTHER, "1.0.0").startThrows(activatorError("not yet"));
        h.deploy(OTHER_JAR, other());
        assertThat(h.row(OTHER_JAR).state).isEqualTo(DeployFileDTO.FAILED);

        h.fw.behaviour(OTHER, "1.0.0").startThrows(null);
        h.bundle(OTHER).start();
        h.engine.sweep();

        DeployFileDTO row = h.row(OTHER_JAR);
        assertThat(row.state).as("it runs the file's bytes: %s", row.reason).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(OTHER_JAR)).isNull();
    }

    @Test
    void twoTransactionsStuckOnTheSameBundleBothFinishWhenItsStartsHaveReturned() throws Exception {
        libAndUserRunning();
        java.util.concurrent.CountDownLatch first = h.fw.behaviour(USER, "1.1.0").blockStart();
        h.deploy(USER_JAR, user("1.1.0"));
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.STUCK);
        first.countDown();
        // the start returned, but the deploy thread is busy: it hears of it only after the next change
        Runnable firstReturned = h.takeLateStart();
        java.util.concurrent.CountDownLatch second = h.fw.behaviour(USER, "1.1.0").blockStart();
        h.deploy(LIB_JAR, lib("2.1.0")); // its plan restarts the importer, whose start blocks again
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.STUCK);

        firstReturned.run();
        assertThat(h.row(USER_JAR).state).as("the bundle's other start has not returned").isEqualTo(DeployFileDTO.STUCK);
        second.countDown();
        h.awaitLateStart();

        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.row(USER_JAR).state).as("seed 5859: it stayed stuck").isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
    }

    @Test
    void aDeployedBundleThatNoLongerResolvesIsPendingWithItsMarker() throws Exception {
        libAndUserRunning();
        // its provider went away behind Revisor's back (uninstalled from the shell), and a refresh unresolved it
        h.bundle(LIB).uninstall();
        java.util.concurrent.CountDownLatch refreshed = new java.util.concurrent.CountDownLatch(1);
        h.fw.refreshBundles(null, e -> refreshed.countDown());
        assertThat(refreshed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(h.state(USER)).isEqualTo("INSTALLED");

        h.deploy(OTHER_JAR, other());

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("not deployed: it does not run").isEqualTo(DeployFileDTO.PENDING);
        assertThat(row.reason).contains("it waits").contains(PKG);
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.PENDING_SUFFIX);
    }

    @Test
    void aBundleSomeoneStoppedStaysStoppedAndDeployed() throws Exception {
        libAndUserRunning();
        h.bundle(USER).stop(); // the user's stop: no longer meant to run

        h.deploy(OTHER_JAR, other());

        assertStoppedByTheUserAndLeftAlone();
    }

    @Test
    void theBundlesOfAStuckTransactionsPlanAreLeftToThatTransaction() throws Exception {
        libAndUserRunning();
        // 3.0.0 is outside the importer's range [2,3): while its start is stuck, the importer does not resolve
        java.util.concurrent.CountDownLatch release = h.fw.behaviour(LIB, "3.0.0").blockStart();
        h.deploy(LIB_JAR, lib("3.0.0"));
        assertThat(h.row(LIB_JAR).state).as("row %s", h.row(LIB_JAR).reason).isEqualTo(DeployFileDTO.STUCK);
        assertThat(h.state(USER)).isNotEqualTo("ACTIVE");

        h.deploy(OTHER_JAR, other());

        assertThat(h.row(USER_JAR).state).as("still the stuck transaction's to judge").isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(USER_JAR)).isNull();
        release.countDown();
        h.awaitLateStart(); // the importer does not come back with 3.0.0: rolled back to 2.0.0, the importer runs again

        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(USER_JAR)).isNull();
    }

    /** A bundle the user stopped stays stopped, and its file stays deployed without a marker. */
    private void assertStoppedByTheUserAndLeftAlone() {
        assertThat(h.state(USER)).isEqualTo("RESOLVED");
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(USER_JAR)).isNull();
    }
}
