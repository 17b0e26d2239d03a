package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class FleetVerbTest {
    private static final Path CWD = Path.of("/srv/project");

    @Test
    void forwardsToExecWithTheJarMadeAbsolute() throws UsageException {
        String[] args = FleetVerb.rewrite(new String[] {"--home", "h", "fleet", "rollout", "--canary", "2", "--waves",
                "25,50,100", "--hold", "5s", "--wave-timeout", "2m", "target/my plugin.jar"}, CWD);
        assertThat(args).containsExactly("--home", "h", "exec", "--", "fleet:rollout --canary 2 --waves 25,50,100 "
                + "--hold 5s --wave-timeout 2m '/srv/project/target/my plugin.jar'");
        Arguments parsed = Arguments.parse(args);
        assertThat(parsed.command).isEqualTo(Arguments.Command.EXEC);
        assertThat(parsed.home).isEqualTo("h");
    }

    @Test
    void leavesOtherCommandsAlone() throws UsageException {
        String[] args = {"exec", "fleet:status"};
        assertThat(FleetVerb.rewrite(args, CWD)).isSameAs(args);
        assertThat(FleetVerb.rewrite(new String[] {"fleet", "status", "--json"}, CWD))
                .containsExactly("exec", "--", "fleet:status --json");
    }

    @Test
    void namesTheSubcommandsWhenOneIsMissingOrWrong() {
        assertThatThrownBy(() -> FleetVerb.rewrite(new String[] {"fleet"}, CWD)).isInstanceOf(UsageException.class)
                .hasMessageContaining("rollout, status, resume, abort");
        assertThatThrownBy(() -> FleetVerb.rewrite(new String[] {"fleet", "deploy"}, CWD))
                .hasMessageContaining("not 'deploy'");
    }
}
