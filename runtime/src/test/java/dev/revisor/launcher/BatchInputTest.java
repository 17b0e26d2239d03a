package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing the command lines of {@code exec -} and {@code exec --file}. */
class BatchInputTest {
    @TempDir
    Path dir;

    private static List<String> texts(List<BatchInput.Line> lines) {
        return lines.stream().map(l -> l.number + ":" + l.text).collect(Collectors.toList());
    }

    @Test
    void commentsAndBlankLinesAreSkippedAndLineNumbersKept() throws Exception {
        String text = "# a script\n\nlb\n   \n  audit:events -n 5  \r\n\t# indented comment\nheaders 1 # not a comment\n"
                + "audit:conflicts --json";
        assertThat(texts(BatchInput.parse(text, "-")))
                .containsExactly("3:lb", "5:audit:events -n 5", "7:headers 1 # not a comment",
                        "8:audit:conflicts --json");
    }

    @Test
    void anEmptyInputHasNoLines() throws Exception {
        assertThat(BatchInput.parse("", "-")).isEmpty();
        assertThat(BatchInput.parse("\n# only a comment\n\n", "-")).isEmpty();
    }

    @Test
    void standardInputAndAFileGiveTheSameLines() throws Exception {
        String text = "lb\nfail\n";
        Path file = dir.resolve("script.txt");
        Files.writeString(file, text);
        assertThat(texts(BatchInput.read("-", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))))
                .isEqualTo(texts(BatchInput.read(file.toString(), new ByteArrayInputStream(new byte[0]))))
                .containsExactly("1:lb", "2:fail");
    }

    @Test
    void aMissingFileADirectoryAndBadTextAreNamed() throws Exception {
        String missing = dir.resolve("nope.txt").toString();
        assertThatThrownBy(() -> BatchInput.read(missing, System.in)).isInstanceOf(BatchInput.BadInput.class)
                .hasMessage("--file " + missing + ": no such file");
        assertThatThrownBy(() -> BatchInput.read(dir.toString(), System.in))
                .hasMessage("--file " + dir + " is a directory, not a file of command lines");
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'l', 'b', ' ', (byte) 0xe9, '\n'});
        assertThatThrownBy(() -> BatchInput.read(latin1.toString(), System.in))
                .hasMessage(latin1 + " is not UTF-8 text");
        assertThatThrownBy(() -> BatchInput.read("-", new ByteArrayInputStream(new byte[] {(byte) 0xff})))
                .hasMessage("standard input is not UTF-8 text");
    }

    @Test
    void aLineLongerThanTheProtocolAllowsIsRefusedBeforeAnythingRuns() {
        String text = "lb\n" + "x".repeat(ExecClient.MAX_COMMAND_LINE + 1) + "\n";
        assertThatThrownBy(() -> BatchInput.parse(text, "script.txt"))
                .hasMessage("line 2 of script.txt is " + (ExecClient.MAX_COMMAND_LINE + 1) + " bytes long; the"
                        + " control socket takes at most " + ExecClient.MAX_COMMAND_LINE);
    }
}
