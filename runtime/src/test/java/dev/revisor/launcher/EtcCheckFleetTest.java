package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The fleet bundle's keys of etc/config.properties (docs/fleet.md, "Setup") are known and their values checked. */
class EtcCheckFleetTest {
    private static final Path FILE = Path.of("etc/config.properties");

    @Test
    void acceptsTheFleetSettings() {
        assertThatCode(() -> EtcCheck.configProperties(Map.of("revisor.fleet.zookeeper", "zk1:2181,zk2:2181/chroot",
                "revisor.fleet.store", "file:/mnt/store", "revisor.fleet.member", "web-eu-1", "revisor.fleet.root",
                "/revisor/fleet", "revisor.fleet.session.timeout.ms", "15000"), Set.of(), FILE)).doesNotThrowAnyException();
    }

    @Test
    void refusesBadValuesAndMisspeltKeysNamingThem() {
        assertThatThrownBy(() -> EtcCheck.configProperties(Map.of("revisor.fleet.member", "web eu"), Set.of(), FILE))
                .hasMessageContaining("revisor.fleet.member").hasMessageContaining(FILE.toString());
        assertThatThrownBy(() -> EtcCheck.configProperties(Map.of("revisor.fleet.zookeeper", "zk1:2181, zk2:2181"),
                Set.of(), FILE)).hasMessageContaining("revisor.fleet.zookeeper");
        assertThatThrownBy(() -> EtcCheck.configProperties(Map.of("revisor.fleet.zookeper", "zk:2181"), Set.of(), FILE))
                .hasMessageContaining("unknown key 'revisor.fleet.zookeper'");
    }
}
