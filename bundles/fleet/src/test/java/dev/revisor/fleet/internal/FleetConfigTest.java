package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class FleetConfigTest {
    @Test
    void offWithoutAConnectString() {
        assertThat(FleetConfig.from(Map.<String, String>of()::get)).isNull();
        assertThat(FleetConfig.from(Map.of(FleetConfig.CONNECT, " ")::get)).isNull();
    }

    @Test
    void readsTheSettingsWithDefaults() {
        FleetConfig c = FleetConfig.from(Map.of(FleetConfig.CONNECT, "zk1:2181,zk2:2181", FleetConfig.STORE,
                "file:///srv/fleet", "revisor.home", "/srv/revisor")::get);
        assertThat(c.root()).isEqualTo("/revisor/fleet");
        assertThat(c.store().toString()).isEqualTo("/srv/fleet");
        assertThat(c.member()).matches("[A-Za-z0-9._-]+-[0-9a-f]{8}");
        assertThat(c.dataDirectory().toString()).isEqualTo("/srv/revisor/data/fleet");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> FleetConfig.from(Map.of(FleetConfig.CONNECT, "zk:2181")::get))
                .hasMessageContaining(FleetConfig.STORE);
        assertThatThrownBy(() -> FleetConfig.from(Map.of(FleetConfig.CONNECT, "zk:2181", FleetConfig.STORE, "/s",
                FleetConfig.MEMBER, "a b")::get)).hasMessageContaining(FleetConfig.MEMBER);
    }
}
