package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentsTest {
    private static final Path DIST = Paths.get("/opt/revisor");

    @Test
    void noArgumentsMeansRun() throws Exception {
        Arguments arguments = Arguments.parse(new String[0]);
        assertThat(arguments.command).isEqualTo(Arguments.Command.RUN);
        assertThat(arguments.home).isNull();
    }

    @Test
    void runWithHomeBeforeOrAfterTheCommand() throws Exception {
        assertThat(Arguments.parse(new String[] {"--home", "/srv/a", "run"}).home).isEqualTo("/srv/a");
        assertThat(Arguments.parse(new String[] {"run", "--home", "/srv/b"}).home).isEqualTo("/srv/b");
        assertThat(Arguments.parse(new String[] {"run", "--home=/srv/c"}).home).isEqualTo("/srv/c");
    }

    @Test
    void execTakesTheRestAsOneCommandLine() throws Exception {
        Arguments single = Arguments.parse(new String[] {"exec", "lb -s"});
        assertThat(single.command).isEqualTo(Arguments.Command.EXEC);
        assertThat(single.commandLine).isEqualTo("lb -s");

        Arguments words = Arguments.parse(new String[] {"--home", "/h", "exec", "audit:events", "--json", "-n", "5"});
        assertThat(words.commandLine).isEqualTo("audit:events --json -n 5");
        assertThat(words.home).isEqualTo("/h");

        Arguments dashes = Arguments.parse(new String[] {"exec", "--", "--home", "x"});
        assertThat(dashes.commandLine).isEqualTo("--home x");
        assertThat(dashes.home).isNull();
    }

    @Test
    void execWithoutACommandLineIsAUsageError() {
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("exec needs a command line");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "  "}))
                .isInstanceOf(UsageException.class);
    }

    @Test
    void stopTakesATimeout() throws Exception {
        assertThat(Arguments.parse(new String[] {"stop"}).stopTimeoutSeconds).isEqualTo(60);
        assertThat(Arguments.parse(new String[] {"stop", "--timeout", "5"}).stopTimeoutSeconds).isEqualTo(5);
        assertThatThrownBy(() -> Arguments.parse(new String[] {"stop", "--timeout", "soon"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("'soon'");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"run", "--timeout", "5"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("'status' and 'exec' only");
    }

    @Test
    void helpInAllItsSpellings() throws Exception {
        assertThat(Arguments.parse(new String[] {"help"}).command).isEqualTo(Arguments.Command.HELP);
        assertThat(Arguments.parse(new String[] {"--help"}).command).isEqualTo(Arguments.Command.HELP);
        assertThat(Arguments.parse(new String[] {"stop", "-h"}).command).isEqualTo(Arguments.Command.HELP);
    }

    @Test
    void unknownOptionsCommandsAndMissingValuesAreUsageErrors() {
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--verbose"}))
                .isInstanceOf(UsageException.class).hasMessage("unknown option '--verbose'");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"stat"}))
                .isInstanceOf(UsageException.class).hasMessage("unknown command 'stat'; did you mean 'start'?");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"frobnicate"}))
                .isInstanceOf(UsageException.class).hasMessage("unknown command 'frobnicate'");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--home"}))
                .isInstanceOf(UsageException.class).hasMessage("--home needs a value");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--home="}))
                .isInstanceOf(UsageException.class).hasMessage("--home needs a directory");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"run", "now"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("unexpected argument 'now'");
    }

    @Test
    void homeOptionWinsOverTheEnvironmentWhichWinsOverTheDistribution() throws Exception {
        Map<String, String> env = Map.of("REVISOR_HOME", "/var/lib/revisor");
        assertThat(Arguments.parse(new String[] {"--home", "/srv/x"}).resolveHome(env, DIST))
                .isEqualTo(Paths.get("/srv/x"));
        assertThat(Arguments.parse(new String[0]).resolveHome(env, DIST)).isEqualTo(Paths.get("/var/lib/revisor"));
        assertThat(Arguments.parse(new String[0]).resolveHome(Map.of(), DIST)).isEqualTo(DIST);
        assertThat(Arguments.parse(new String[0]).resolveHome(Map.of("REVISOR_HOME", ""), DIST)).isEqualTo(DIST);
    }

    @Test
    void relativeHomesAreMadeAbsolute() throws Exception {
        Path home = Arguments.parse(new String[] {"--home", "some/where/../here"}).resolveHome(Map.of(), DIST);
        assertThat(home).isAbsolute().isEqualTo(Paths.get("some/here").toAbsolutePath());
    }

    @Test
    void mainPrintsUsageAndExits64OnABadCommandLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--bogus"}, Map.of(), DIST, new PrintStream(out, true),
                new PrintStream(err, true));
        assertThat(status).isEqualTo(ExitCodes.USAGE).isEqualTo(64);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("revisor: unknown option '--bogus'")
                .contains("usage: revisor");
    }

    @Test
    void anUnknownCommandGetsADidYouMeanAndTheOneLineUsageNotTheWholeHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"stauts"}, Map.of(), DIST, new PrintStream(out, true),
                new PrintStream(err, true));
        assertThat(status).isEqualTo(64);
        assertThat(out.size()).isZero();
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("revisor: unknown command 'stauts'; did you mean 'status'?\n")
                .contains(Usage.SHORT).contains("revisor --help");
        assertThat(text.split("\n")).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void theDaemonCommandsAndTheirOptions() throws Exception {
        assertThat(Arguments.parse(new String[] {"start"}).command).isEqualTo(Arguments.Command.START);
        assertThat(Arguments.parse(new String[] {"start"}).startTimeoutSeconds).isEqualTo(120);
        assertThat(Arguments.parse(new String[] {"start", "--timeout", "7"}).startTimeoutSeconds).isEqualTo(7);
        Arguments restart = Arguments.parse(new String[] {"restart", "--timeout=9"});
        assertThat(restart.command).isEqualTo(Arguments.Command.RESTART);
        assertThat(restart.startTimeoutSeconds).isEqualTo(9);
        assertThat(restart.stopTimeoutSeconds).isEqualTo(9);
        Arguments status = Arguments.parse(new String[] {"status", "--wait", "30", "--timeout", "2"});
        assertThat(status.waitSeconds).isEqualTo(30);
        assertThat(status.statusTimeoutSeconds).isEqualTo(2);
        Arguments log = Arguments.parse(new String[] {"log", "-f", "-n", "5"});
        assertThat(log.command).isEqualTo(Arguments.Command.LOG);
        assertThat(log.follow).isTrue();
        assertThat(log.lines).isEqualTo(5);
        assertThat(Arguments.parse(new String[] {"log"}).lines).isEqualTo(20);
        assertThat(Arguments.parse(new String[] {"log"}).follow).isFalse();
        assertThat(Arguments.parse(new String[] {"--version"}).command).isEqualTo(Arguments.Command.VERSION);
        assertThat(Arguments.parse(new String[] {"version"}).command).isEqualTo(Arguments.Command.VERSION);
        assertThatThrownBy(() -> Arguments.parse(new String[] {"log", "-n", "many"}))
                .isInstanceOf(UsageException.class).hasMessage("-n needs a number of lines, not 'many'");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"stop", "-f"}))
                .isInstanceOf(UsageException.class).hasMessage("-f is an option of 'log' only");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"start", "--wait", "3"}))
                .isInstanceOf(UsageException.class).hasMessage("--wait is an option of 'status' and 'exec' only");
        Arguments waiting = Arguments.parse(new String[] {"exec", "--wait", "15", "lb"});
        assertThat(waiting.waitSeconds).isEqualTo(15);
        assertThat(waiting.commandLine).isEqualTo("lb");
        assertThat(Arguments.parse(new String[] {"exec", "--wait=2", "-"}).waitSeconds).isEqualTo(2);
        assertThat(Arguments.parse(new String[] {"exec", "lb"}).waitSeconds).isZero();
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "--wait", "soon", "lb"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("--wait").hasMessageContaining("'soon'");
        // after the command line has started, --wait is a word of it
        assertThat(Arguments.parse(new String[] {"exec", "echo", "--wait", "1"}).commandLine)
                .isEqualTo("echo --wait 1");
        // after exec, -n and -f belong to the Gogo command line
        assertThat(Arguments.parse(new String[] {"exec", "audit:events", "-n", "5"}).commandLine)
                .isEqualTo("audit:events -n 5");
    }

    @Test
    void versionPrintsTheBuildsVersion() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"--version"}, Map.of(), DIST, new PrintStream(out, true),
                new PrintStream(new ByteArrayOutputStream(), true))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).matches("revisor \\d+\\.\\d+\\.\\d+\\S*\n");
    }

    @Test
    void theForegroundTestReadsProcStat() {
        // pid (comm) state ppid pgrp session tty_nr tpgid ...: comm may hold blanks and parentheses
        assertThat(Terminal.inForeground("123 (java) S 1 123 100 34816 123 4194304 0")).isTrue();
        assertThat(Terminal.inForeground("123 (a (b) c) S 1 123 100 34816 99 4194304 0")).isFalse();
        assertThat(Terminal.inForeground("123 (java) S 1 123 123 0 -1 4194304 0")).isTrue();
    }

    @Test
    void helpGoesToStandardOutputWithStatus0AndExplainsEverything() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"help"}, Map.of(), DIST, new PrintStream(out, true),
                new PrintStream(new ByteArrayOutputStream(), true));
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("run", "exec", "stop", "--home", "--timeout",
                "REVISOR_HOME", "REVISOR_OPTS", "JAVA_HOME", "Exit status", "64");
    }

    @Test
    void pathsInSuggestedCommandsAreQuotedForTheShell() {
        assertThat(Launcher.shellQuoted("/srv/revisor")).isEqualTo("/srv/revisor");
        assertThat(Launcher.shellQuoted("/tmp/my home")).isEqualTo("'/tmp/my home'");
        assertThat(Launcher.shellQuoted("/tmp/it's")).isEqualTo("'/tmp/it'\\''s'");
    }

    @Test
    void execDashAndFileMakeABatchAndKeepGoingBelongsToThem() throws Exception {
        Arguments stdin = Arguments.parse(new String[] {"exec", "-"});
        assertThat(stdin.command).isEqualTo(Arguments.Command.EXEC);
        assertThat(stdin.batchSource).isEqualTo("-");
        assertThat(stdin.commandLine).isNull();
        assertThat(stdin.keepGoing).isFalse();
        Arguments file = Arguments.parse(new String[] {"exec", "--keep-going", "--file", "script.txt", "--timeout",
                "5"});
        assertThat(file.batchSource).isEqualTo("script.txt");
        assertThat(file.keepGoing).isTrue();
        assertThat(Arguments.parse(new String[] {"--file=s.txt", "exec"}).batchSource).isEqualTo("s.txt");
        assertThat(Arguments.parse(new String[] {"exec", "lb"}).batchSource).isNull();

        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "-", "lb"}))
                .isInstanceOf(UsageException.class).hasMessage("exec - reads the command lines from standard input;"
                        + " it takes no command line of its own ('lb')");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "--file", "s.txt", "lb"}))
                .isInstanceOf(UsageException.class).hasMessage("exec --file s.txt runs the command lines of that file;"
                        + " it takes no command line of its own ('lb')");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "--keep-going", "lb"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--keep-going is an option of 'exec -' and 'exec --file FILE' only");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"status", "--file", "s.txt"}))
                .isInstanceOf(UsageException.class).hasMessage("--file is an option of 'exec' only");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"exec", "--file"}))
                .isInstanceOf(UsageException.class).hasMessage("--file needs a value");
    }

    @Test
    void aMissingBatchFileIsNamedWithStatus66BeforeAnyConnection() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--home", "/nonexistent-home", "exec", "--file", "no/such.txt"}, Map.of(),
                DIST, new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true));
        assertThat(status).isEqualTo(ExitCodes.NO_INPUT).isEqualTo(66);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("revisor: --file no/such.txt: no such file\n");
    }
}
