package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class GcModeTest {
    @Test
    void aPlainJvmCollectsFully() {
        GcMode mode = GcMode.of(List.of("-Xmx512m", "-XX:+UseSerialGC"));
        assertThat(mode.mode()).isEqualTo("full");
        assertThat(mode.note()).isNull();
    }

    @Test
    void disableExplicitGcIsDetectedAndSaidSo() {
        GcMode mode = GcMode.of(List.of("-XX:+DisableExplicitGC"));
        assertThat(mode.disabled()).isTrue();
        assertThat(mode.note()).contains("-XX:+DisableExplicitGC").contains("cannot be detected");
        mode.collect(() -> false); // a no-op, and never loops
    }

    @Test
    void explicitGcInvokesConcurrentIsDetected() {
        assertThat(GcMode.of(List.of("-XX:+ExplicitGCInvokesConcurrent")).mode()).isEqualTo("concurrent");
        assertThat(GcMode.of(List.of("-XX:+ExplicitGCInvokesConcurrent")).note()).contains("ExplicitGCInvokesConcurrent");
    }

    @Test
    void theLastOfConflictingFlagsWinsAsInTheJvm() {
        assertThat(GcMode.of(List.of("-XX:+DisableExplicitGC", "-XX:-DisableExplicitGC")).mode()).isEqualTo("full");
        assertThat(GcMode.of(List.of("-XX:+ExplicitGCInvokesConcurrent", "-XX:-ExplicitGCInvokesConcurrent")).mode()).isEqualTo("full");
    }

    @Test
    void concurrentModeStopsCallingOnceDone() {
        int[] asked = {0};
        GcMode.of(List.of("-XX:+ExplicitGCInvokesConcurrent")).collect(() -> ++asked[0] > 2);
        assertThat(asked[0]).isEqualTo(3);
    }
}
