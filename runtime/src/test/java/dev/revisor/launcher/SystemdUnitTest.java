package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped systemd unit (etc/systemd/revisor.service) agrees with the launcher: it runs headless through
 * bin/revisor, its readiness wait fits in its start timeout, and systemd waits longer for a stop than the launcher's
 * own watchdog (revisor.stop.timeout as shipped) before it kills.
 */
class SystemdUnitTest {
    private static Map<String, String> unit() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(TestDistribution.shippedEtc().resolve("systemd/revisor.service"))) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return values;
    }

    @Test
    void theUnitRunsHeadlessWaitsForReadinessAndOutwaitsTheStopWatchdog() throws Exception {
        Map<String, String> unit = unit();
        assertThat(unit.get("ExecStart")).endsWith("/bin/revisor run");
        assertThat(unit).containsEntry("Type", "simple").containsEntry("Restart", "on-failure")
                .containsEntry("KillMode", "mixed").containsKey("Environment");
        assertThat(unit.get("Environment")).startsWith("REVISOR_HOME=");
        assertThat(unit).doesNotContainKey("StandardInput"); // systemd's default, /dev/null: headless

        String post = unit.get("ExecStartPost");
        assertThat(post).matches(".*/bin/revisor status --wait \\d+");
        long wait = Long.parseLong(post.substring(post.lastIndexOf(' ') + 1));
        assertThat(Long.parseLong(unit.get("TimeoutStartSec"))).isGreaterThan(wait);
        // the readiness check is a real command of the launcher
        Arguments parsed = Arguments.parse(new String[] {"status", "--wait", Long.toString(wait)});
        assertThat(parsed.command).isEqualTo(Arguments.Command.STATUS);

        Path settings = TestDistribution.shippedEtc().resolve("revisor.properties");
        long stopTimeout = Long.parseLong(Files.readAllLines(settings).stream()
                .filter(l -> l.startsWith(Settings.STOP_TIMEOUT)).findFirst().orElseThrow()
                .replaceAll(".*=", "").trim());
        assertThat(Long.parseLong(unit.get("TimeoutStopSec"))).isGreaterThan(stopTimeout);
    }
}
