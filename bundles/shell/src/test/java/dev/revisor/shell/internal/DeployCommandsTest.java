package dev.revisor.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

class DeployCommandsTest {
    private static DeployStatusDTO status(boolean settled, String... inProgress) {
        DeployStatusDTO s = new DeployStatusDTO();
        s.folder = "/srv/revisor/deploy";
        s.accepting = true;
        s.apiGate = "refuse";
        s.settled = settled;
        s.inProgress = List.of(inProgress);
        s.files = new ArrayList<>();
        return s;
    }

    private static DeployFileDTO file(String name, String state) {
        DeployFileDTO f = new DeployFileDTO();
        f.file = name;
        f.state = state;
        f.outcome = "succeeded";
        return f;
    }

    @Test
    void waitAsksTheFolderToSettleWithinTheTimeout() throws Exception {
        DeployFolder folder = mock(DeployFolder.class);
        DeployStatusDTO settled = status(true);
        settled.files.add(file("hello.jar", DeployFileDTO.DEPLOYED));
        when(folder.awaitSettled(30_000)).thenReturn(settled);
        String json = new DeployCommands(folder).deploys(true, true, "30s");
        verify(folder).awaitSettled(30_000);
        assertThat(json).containsPattern("\"settled\":\\s*true").contains("\"hello.jar\"");
        assertThat(json.trim()).startsWith("{").endsWith("}");
    }

    @Test
    void aTimeoutFailsTheCommandNamingWhatIsInProgressOnOneLine() throws Exception {
        DeployFolder folder = mock(DeployFolder.class);
        when(folder.awaitSettled(500)).thenThrow(new TimeoutException("did not settle within 500 ms; in progress: a\nb.jar: not taken up yet"));
        assertThatThrownBy(() -> new DeployCommands(folder).deploys(false, true, "500ms")).isInstanceOf(TimeoutException.class)
                .hasMessage("did not settle within 500 ms; in progress: a\\nb.jar: not taken up yet");
    }

    @Test
    void aBadTimeoutIsRefusedBeforeAnythingElse() {
        DeployFolder folder = mock(DeployFolder.class);
        assertThatThrownBy(() -> new DeployCommands(folder).deploys(false, true, "soon"))
                .hasMessageContaining("--timeout 'soon' is not a duration");
        verifyNoInteractions(folder);
    }

    @Test
    void theTableSaysWhatIsNotSettledAndAFileNameCannotForgeARow() {
        DeployStatusDTO s = status(false, "x.jar: not taken up yet");
        s.files.add(file("evil.jar\nok.jar  deployed", DeployFileDTO.REFUSED));
        String text = DeployCommands.render(s);
        assertThat(text).contains("not settled yet (audit:deploys --wait waits for it):\n  x.jar: not taken up yet\n");
        assertThat(text.lines().filter(l -> l.startsWith("ok.jar"))).isEmpty();
        assertThat(text).contains("evil.jar\\nok.jar  deployed");
    }
}
