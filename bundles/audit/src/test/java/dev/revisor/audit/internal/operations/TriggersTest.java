package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;

class TriggersTest {
    private static BundleEvent event(int type, String location, Bundle origin) {
        Bundle b = mock(Bundle.class);
        when(b.getLocation()).thenReturn(location);
        when(b.getBundleId()).thenReturn(12L);
        return origin == null ? new BundleEvent(type, b) : new BundleEvent(type, b, origin);
    }

    @Test
    void theFrameworksOwnThreadsAreTheFramework() {
        assertThat(Triggers.of("FelixStartLevel", null)).isEqualTo("framework");
        assertThat(Triggers.of("FelixFrameworkWiring", event(BundleEvent.STOPPING, "x", null))).isEqualTo("framework");
    }

    @Test
    void fileInstallNamesTheFile() {
        assertThat(Triggers.of("fileinstall-/opt/revisor/deploy", event(BundleEvent.UPDATED, "file:/opt/revisor/deploy/hello.jar", null)))
                .isEqualTo("deploy:hello.jar");
        assertThat(Triggers.of("fileinstall-/opt/revisor/deploy", null)).isEqualTo("deploy:/opt/revisor/deploy");
    }

    @Test
    void gogoAndTheControlSocketAreTheShell() {
        assertThat(Triggers.of("session-3-thread-1", null)).isEqualTo("shell:gogo");
        assertThat(Triggers.of("pipe-update 12", null)).as("Gogo names the statement's thread").isEqualTo("shell:update 12");
        assertThat(Triggers.of("job controller 7", null)).isEqualTo("shell:gogo");
        assertThat(Triggers.of("revisor-control-2", null)).isEqualTo("shell:exec");
    }

    @Test
    void anInstallNamesTheInstallingBundleAndAnythingElseItsThread() {
        Bundle origin = mock(Bundle.class);
        when(origin.getBundleId()).thenReturn(5L);
        when(origin.getSymbolicName()).thenReturn("com.acme.installer");
        assertThat(Triggers.of("worker-1", event(BundleEvent.INSTALLED, "file:/x.jar", origin))).isEqualTo("api:com.acme.installer");
        assertThat(Triggers.of("worker-1", event(BundleEvent.STARTED, "file:/x.jar", null))).isEqualTo("api:thread worker-1");
    }

    @Test
    void fileNamesOfLocations() {
        assertThat(Triggers.fileName("file:/a/b/c.jar")).isEqualTo("c.jar");
        assertThat(Triggers.fileName("mvn:org.example/utils/1.0.0")).isEqualTo("1.0.0");
        assertThat(Triggers.fileName("reference:file:/a/b/")).isEqualTo("b");
        assertThat(Triggers.fileName("")).isNull();
    }
}
