package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/revisor log}: which file, the last lines, and following across rotation and truncation. */
class LogCommandTest {
    @TempDir
    Path dir;

    private Layout layout() {
        return new Layout(dir.resolve("dist"), dir.resolve("home"));
    }

    private Path logDir() throws Exception {
        return Files.createDirectories(dir.resolve("home/data/log"));
    }

    @Test
    void lastLinesReadsFromTheEnd() throws Exception {
        Path file = dir.resolve("f.log");
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(file, text);
        assertThat(LogCommand.lastLines(file, 3)).containsExactly("line 4998", "line 4999", "line 5000");
        assertThat(LogCommand.lastLines(file, 0)).isEmpty();
        assertThat(LogCommand.lastLines(file, 9999)).hasSize(5000).startsWith("line 1");
        Files.writeString(file, "no newline at the end\nlast");
        assertThat(LogCommand.lastLines(file, 1)).containsExactly("last");
        Files.writeString(file, "");
        assertThat(LogCommand.lastLines(file, 5)).isEmpty();
    }

    @Test
    void prefersRevisorLogOverConsoleOutAndSaysSoWhenThereIsNone() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LogCommand log = new LogCommand(layout(), new PrintStream(out, true), new PrintStream(err, true));
        assertThat(log.log(5, false)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no log in " + dir.resolve("home/data/log"));

        Path logs = logDir();
        Files.writeString(logs.resolve("console.out"), "from the console\n");
        assertThat(log.log(5, false)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("from the console\n");

        out.reset();
        Files.writeString(logs.resolve("revisor.log"), "a\nb\nc\n");
        assertThat(log.log(2, false)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("b\nc\n");
    }

    @Test
    void followNoticesAppendsRotationAndTruncation() throws Exception {
        Path logs = logDir();
        Path file = logs.resolve("revisor.log");
        Files.writeString(file, "old\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        LogCommand log = new LogCommand(layout(), new PrintStream(out, true), new PrintStream(err, true));
        Thread follower = new Thread(() -> log.log(1, true), "test-log-follower");
        follower.start();
        try {
            Supplier<String> text = () -> out.toString(StandardCharsets.UTF_8);
            await(() -> text.get().contains("old\n"));
            Files.writeString(file, "appended\n", StandardOpenOption.APPEND);
            await(() -> text.get().contains("appended\n"));

            // rotation: the file is renamed and a new one takes its name; the old file's last lines come first
            Files.writeString(file, "last of the old file\n", StandardOpenOption.APPEND);
            Files.move(file, logs.resolve("revisor.log.1"));
            Files.writeString(file, "first of the new file\n");
            await(() -> text.get().contains("first of the new file\n"));
            assertThat(text.get()).containsSubsequence("appended\n", "last of the old file\n",
                    "first of the new file\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("revisor.log was rotated");

            // truncation in place
            Files.writeString(file, "after truncation\n");
            await(() -> text.get().contains("after truncation\n"));
        } finally {
            follower.interrupt();
            follower.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(follower.isAlive()).isFalse();
    }

    private static void await(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition reached").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
