package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.internal.FaultPlan.Step;

/** Every exit path of an install: the record, the marker, the journal and the bundles after each. */
class InstallPathsTest extends DeployPathsSupport {

    @Override
    long startTimeoutMillis() {
        return 500; // only the stuck-start test reaches it
    }

    @Test
    void aJarThatInstallsAndStartsIsDeployedWithoutMarker() throws Exception {
        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.outcome).isEqualTo(Operation.SUCCEEDED);
        assertThat(row.bundleState).isEqualTo("ACTIVE");
        assertThat(row.reason).startsWith("installed " + LIB + "/2.0.0");
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.installed");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.writeAheadRecordLeft()).isFalse();
    }

    @Test
    void installBundleThrowingABundleExceptionIsRefusedAndNothingIsInstalled() throws Exception {
        h.fw.faults().at(Step.INSTALL, null, bundleException("the bundle cache is full"));

        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.REFUSED);
        assertThat(row.outcome).isEqualTo(Operation.REFUSED);
        assertThat(row.reason).contains("the framework refused to install it: the bundle cache is full")
                .contains("nothing in the runtime changed");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.markerText(LIB_JAR)).contains("the bundle cache is full");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.refused");
        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.writeAheadRecordLeft()).as("the write-ahead record of a refused install").isFalse();
    }

    @Test
    void installBundleThrowingIllegalStateAsAStoppingFrameworkDoesIsRecordedAndLeavesNoWriteAheadRecord() throws Exception {
        h.fw.faults().at(Step.INSTALL, null, illegalState("the framework is stopping"));

        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.REFUSED);
        assertThat(row.reason).contains("the framework is stopping");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.refused");
        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.writeAheadRecordLeft())
                .as("a transaction that ended must not leave transaction.json (a restart would 'recover' an install that never ran)")
                .isFalse();
    }

    @Test
    void anActivatorThatThrowsLeavesTheFileFailedWithTheExceptionAndTheBundleNamed() throws Exception {
        h.fw.behaviour(LIB).startThrows(activatorError("no database"));

        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.outcome).isEqualTo(Operation.FAILED);
        assertThat(row.reason).contains("it did not start").contains("no database");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.markerText(LIB_JAR)).contains("no database");
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.failed");
        assertThat(h.events(LIB_JAR).get(h.events(LIB_JAR).size() - 1).details).containsEntry("message", "no database");
        assertThat(h.state(LIB)).isEqualTo("RESOLVED");
        assertThat(h.bundle(LIB).isPersistentlyStarted()).as("no persistent start left behind").isFalse();
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB);
    }

    @Test
    void bundleStartThrowingIllegalStateIsAFailureNamingTheBundle() throws Exception {
        h.fw.faults().at(Step.START, LIB, illegalState("the framework is stopping"));

        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("the framework is stopping");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.failed");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB);
    }

    @Test
    void aStartThatBlocksPastTheLimitIsStuckThenDeployedWhenItReturns() throws Exception {
        CountDownLatch release = h.fw.behaviour(LIB).blockStart();

        h.deploy(LIB_JAR, lib("2.0.0"));

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.STUCK);
        assertThat(row.reason).contains("the activator of " + LIB + "/2.0.0").contains("has not returned");
        assertThat(h.markerKind(LIB_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.events(LIB_JAR)).extracting(e -> e.type).contains("deploy.start-stuck");
        assertThat(h.state(LIB)).isEqualTo("STARTING");

        release.countDown();
        h.awaitLateStart();

        row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.start-returned");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }

    @Test
    void aStartThatBlocksAndThenThrowsEndsFailedWithTheLateException() throws Exception {
        CountDownLatch release = h.fw.behaviour(LIB).blockStart();
        h.fw.behaviour(LIB).startThrows(activatorError("late failure"));

        h.deploy(LIB_JAR, lib("2.0.0"));
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.STUCK);

        release.countDown();
        h.awaitLateStart();

        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.FAILED);
        assertThat(row.reason).contains("late failure");
        assertThat(h.markerText(LIB_JAR)).contains("late failure");
        h.assertEveryBundleActiveOrNamed(LIB_JAR, LIB);
    }

    @Test
    void anImporterWithoutProviderIsPendingNamingThePackageAndStartsWhenTheProviderComes() throws Exception {
        h.deploy(USER_JAR, user("1.0.0"));

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.PENDING);
        assertThat(row.reason).contains("package " + PKG + " [2.0.0,3.0.0)");
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.PENDING_SUFFIX);
        assertThat(h.markerText(USER_JAR)).contains("package " + PKG + " [2.0.0,3.0.0)");
        assertThat(h.lastEvent(USER_JAR)).isEqualTo("deploy.pending");
        assertThat(h.state(USER)).isEqualTo("INSTALLED");

        h.deploy(LIB_JAR, lib("2.0.0"));

        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(USER_JAR)).isNull();
        assertThat(h.events(USER_JAR)).extracting(e -> e.type).contains("deploy.resolved");
    }

    @Test
    void theSameIdentityTwiceIsRefusedAsACollision() throws Exception {
        h.deploy(LIB_JAR, lib("2.0.0"));
        h.deploy("copy.jar", Fixtures.bundle(LIB, "2.0.0").exports(PKG + ";version=2.0.0").variant("copy").build());

        assertThat(h.row("copy.jar").state).isEqualTo(DeployFileDTO.REFUSED);
        assertThat(h.row("copy.jar").reason).contains("collides with the installed bundle " + LIB + "/2.0.0");
        assertThat(h.lastEvent("copy.jar")).isEqualTo("deploy.refused");
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }

    @Test
    void aFragmentIsDeployedWithoutBeingStarted() throws Exception {
        h.deploy(LIB_JAR, lib("2.0.0"));
        h.deploy("frag.jar", Fixtures.bundle("org.example.frag", "1.0.0").header("Fragment-Host", LIB).build());

        DeployFileDTO row = h.row("frag.jar");
        assertThat(row.state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(row.reason).contains("a fragment");
        assertThat(h.markerKind("frag.jar")).isNull();
        assertThat(h.bundle("org.example.frag").history).as("a fragment is never started").isEmpty();
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
    }
}
