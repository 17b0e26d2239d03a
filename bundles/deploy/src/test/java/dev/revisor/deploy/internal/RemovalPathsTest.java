package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.Operation;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.internal.FaultPlan.Step;

/**
 * Every exit path of a removal, and issue 11's removal semantics: the file is gone (the user's intent), a dependent
 * that no longer resolves is {@code pending} with a {@code .pending} marker naming the package, its range and the
 * file that took it away; when a provider comes back, it starts and the marker goes.
 */
class RemovalPathsTest extends DeployPathsSupport {

    @Test
    void removingAJarNobodyUsesUninstallsItAndForgetsTheFile() throws Exception {
        h.deploy(LIB_JAR, lib("2.0.0"));

        h.remove(LIB_JAR);

        assertThat(h.row(LIB_JAR)).isNull();
        assertThat(h.markerKind(LIB_JAR)).isNull();
        assertThat(h.lastEvent(LIB_JAR)).isEqualTo("deploy.uninstalled");
        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.fw.getRemovalPendingBundles()).isEmpty();
    }

    @Test
    void removingAProviderJournalsThePlanAndLeavesItsImporterPendingWithAMarkerNamingWhatItWaitsFor() throws Exception {
        libAndUserRunning();

        h.remove(LIB_JAR);

        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.state(USER)).isEqualTo("INSTALLED");
        assertThat(h.events(LIB_JAR)).extracting(e -> e.type).contains("deploy.plan", "deploy.uninstalled");
        assertThat(h.events(LIB_JAR).stream().filter(e -> e.type.equals("deploy.plan")).findFirst().get().details.get("affected"))
                .asString().contains(USER);
        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("the stranded importer's row").isEqualTo(DeployFileDTO.PENDING);
        assertThat(row.reason).contains("package " + PKG + " [2.0.0,3.0.0)").contains(LIB_JAR);
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.PENDING_SUFFIX);
        assertThat(h.markerText(USER_JAR)).contains("package " + PKG + " [2.0.0,3.0.0)").contains(LIB_JAR);
        assertThat(h.lastEvent(USER_JAR)).isEqualTo("deploy.stranded");
        assertThat(row.outcome).as("its last operation (the removal) did not leave it running").isEqualTo(Operation.FAILED);
        assertThat(h.events(LIB_JAR)).extracting(e -> e.type).as("who is stranded is journaled before the change")
                .containsSubsequence("deploy.strands", "deploy.uninstalled");
    }

    @Test
    void aProviderMovedBackInBringsTheImporterBackAndRemovesItsMarker() throws Exception {
        libAndUserRunning();
        h.remove(LIB_JAR);

        h.deploy(LIB_JAR, lib("2.0.0"));

        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).as("the importer runs again, as after a restart").isEqualTo("ACTIVE");
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.markerKind(USER_JAR)).isNull();
    }

    @Test
    void anUninstallThatThrowsABundleExceptionLeavesEveryBundleRunningOrNamed() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.UNINSTALL, LIB, bundleException("the bundle cache is locked"));

        h.remove(LIB_JAR);

        assertThat(h.lastEvent(LIB_JAR)).startsWith("deploy.");
        h.assertEveryBundleActiveOrNamed(USER_JAR, USER);
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row).as("the removal failed: its file keeps a row that says so").isNotNull();
        assertThat(row.reason).contains("the bundle cache is locked");
        assertThat(row.outcome).isEqualTo("failed");
    }

    @Test
    void anUninstallThatThrowsIllegalStateLeavesEveryBundleRunningOrNamed() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.UNINSTALL, LIB, illegalState("Framework is stopping"));

        h.remove(LIB_JAR);

        h.assertEveryBundleActiveOrNamed(USER_JAR, USER);
        DeployFileDTO row = h.row(LIB_JAR);
        assertThat(row).isNotNull();
        assertThat(row.reason).contains("Framework is stopping");
    }

    @Test
    void theImportersStopThrowingIllegalStateBeforeTheUninstallDoesNotKeepTheRemovalFromHappening() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.STOP, USER, illegalState("Framework is stopping"));

        h.remove(LIB_JAR);

        // a stop that fails is not a reason to keep a bundle whose file is gone: the refresh stops the importer anyway
        assertThat(h.state(LIB)).isEqualTo("GONE");
        assertThat(h.row(LIB_JAR)).isNull();
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.PENDING);
        assertThat(h.markerText(USER_JAR)).contains(LIB_JAR);
        h.assertEveryBundleActiveOrNamed(USER_JAR, USER);
    }

    @Test
    void theRemovalsRefreshThrowingIllegalStateLeavesTheImporterRunningOrNamed() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, illegalState("Framework is stopping"));

        h.remove(LIB_JAR);

        assertThat(h.state(LIB)).isEqualTo("GONE");
        h.assertEveryBundleActiveOrNamed(USER_JAR, USER);
        h.assertNotReportedAsNothingChanged(USER_JAR);
    }

    @Test
    void theRemovalsRefreshTimingOutLeavesTheImporterRunningOrNamed() throws Exception {
        libAndUserRunning();
        h.fw.faults().at(Step.AUDIT_REFRESH, LIB, () -> new TimeoutException("the refresh did not end"));

        h.remove(LIB_JAR);

        assertThat(h.state(LIB)).isEqualTo("GONE");
        h.assertEveryBundleActiveOrNamed(USER_JAR, USER);
    }

    @Test
    void aPendingFileMovedBackIntoAFolderMadeAgainGetsItsMarkerBack() throws Exception {
        libAndUserRunning();
        h.remove(LIB_JAR);
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.PENDING_SUFFIX);

        // rm -rf deploy; mkdir deploy; the importer's jar moved back with the same bytes
        java.nio.file.Path folder = h.settings.folder;
        java.nio.file.Files.delete(folder.resolve(USER_JAR + DeployEngine.PENDING_SUFFIX));
        java.nio.file.Files.delete(folder.resolve(USER_JAR));
        java.nio.file.Files.delete(folder);
        java.nio.file.Files.createDirectory(folder);
        h.deploy(USER_JAR, user("1.0.0"));
        h.engine.sweep();

        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.PENDING);
        assertThat(h.markerKind(USER_JAR)).as("the record names a marker: it lies beside the file again")
                .isEqualTo(DeployEngine.PENDING_SUFFIX);
        assertThat(h.markerText(USER_JAR)).contains("package " + PKG);
    }

    @Test
    void aRolledBackFileWhoseBundleIsStrandedStaysRolledBackAndItsBundleComesBackWithItsProvider() throws Exception {
        libAndUserRunning();
        h.fw.behaviour(USER, "1.1.0").startThrows(activatorError("1.1.0 cannot start"));
        h.deploy(USER_JAR, user("1.1.0"));
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.ROLLED_BACK);

        h.remove(LIB_JAR);

        DeployFileDTO row = h.row(USER_JAR);
        assertThat(row.state).as("the file's bytes still do not run: not pending about older bytes")
                .isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains("it waits").contains("The file's own bytes do not run either").contains("1.1.0 cannot start");
        assertThat(h.markerKind(USER_JAR)).isEqualTo(DeployEngine.FAILED_SUFFIX);
        assertThat(h.state(USER)).isEqualTo("INSTALLED");
        dev.revisor.audit.api.AuditEventDTO stranded = h.events(USER_JAR).get(h.events(USER_JAR).size() - 1);
        assertThat(stranded.type).isEqualTo("deploy.stranded");
        assertThat(stranded.details.get("sha256")).as("about the file's bytes").isEqualTo(sha256(user("1.1.0")));

        h.deploy(LIB_JAR, lib("2.0.0"));

        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.bundle(USER).getVersion()).hasToString("1.0.0");
        row = h.row(USER_JAR);
        assertThat(row.state).isEqualTo(DeployFileDTO.ROLLED_BACK);
        assertThat(row.reason).contains("runs its previous bytes again").contains("1.1.0 cannot start");
        assertThat(h.lastEvent(USER_JAR)).isEqualTo("deploy.revived");
    }
}
