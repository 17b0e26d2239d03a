package dev.revisor.shell.internal.gogo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wrapper inside the real Gogo 1.1.6 runtime (as a plain object): what a user sees for good and bad calls. */
class CommandFunctionTest {
    private ThreadIOImpl threadIO;
    private CommandProcessorImpl gogo;
    private CommandSession session;

    private final AtomicBoolean starting = new AtomicBoolean();

    @BeforeEach
    void setUp() {
        threadIO = new ThreadIOImpl();
        threadIO.start();
        gogo = new CommandProcessorImpl(threadIO);
        SampleCommands commands = new SampleCommands();
        for (String f : new String[] {"why", "events", "refresh", "fail"}) {
            gogo.addCommand("audit", new CommandFunction("audit", f, commands), f);
        }
        gogo.addCommand("audit", new CommandFunction("audit", "why", commands), "leaks");
        gogo.addCommand("revisor", new UnknownCommand(starting::get), "default");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        session = gogo.createSession(new ByteArrayInputStream(new byte[0]), out, out);
    }

    @AfterEach
    void tearDown() {
        session.close();
        gogo.stop();
        threadIO.stop();
    }

    @Test
    void goodCallsWorkAsWithoutTheWrapper() throws Exception {
        assertThat(session.execute("audit:why x")).isEqualTo("why x");
        assertThat(session.execute("audit:why --json x")).isEqualTo("why x json");
        assertThat(session.execute("audit:events -n 3 --bundle b")).isEqualTo("events 3 b false");
        assertThat(session.execute("audit:events")).isEqualTo("events 20  false");
        assertThat(session.execute("audit:refresh a b")).isEqualTo("refresh a,b");
        assertThat(session.execute("audit:refresh")).isEqualTo("refresh ");
    }

    @Test
    void aFunctionWithoutAMethodIsRefusedWhenItIsRegisteredAndTheSyntaxIsReadOnFirstUse() {
        assertThatThrownBy(() -> new CommandFunction("audit", "nosuch", new SampleCommands()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("has no public method nosuch");
        CommandFunction why = new CommandFunction("audit", "why", new SampleCommands());
        assertThat(why.syntaxes()).hasSize(1).isSameAs(why.syntaxes());
        assertThat(why.syntaxes().get(0).options()).extracting(Syntax.Option::names)
                .containsExactly(java.util.List.of("-j", "--json"));
        assertThat(why.usage()).contains("audit:why").contains("BUNDLE");
    }

    @Test
    void aLazyCommandGetsItsObjectOnItsFirstUseOnlyAndLetsItGoOnceWhenWithdrawn() throws Exception {
        java.util.concurrent.atomic.AtomicInteger obtained = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<Object> released = new java.util.ArrayList<>();
        CommandFunction.Target target = new CommandFunction.Target(() -> {
            obtained.incrementAndGet();
            return new SampleCommands();
        }, released::add);
        gogo.addCommand("lazy", CommandFunction.lazy("lazy", "why", target), "why");
        gogo.addCommand("lazy", CommandFunction.lazy("lazy", "events", target), "events");
        assertThat(obtained).as("registering two functions of one command object").hasValue(0);

        assertThat(session.execute("lazy:why x")).isEqualTo("why x");
        assertThat(session.execute("lazy:events -n 1")).isEqualTo("events 1  false");
        assertThat((String) session.execute("lazy:why --help")).startsWith("lazy:why - ");
        assertThat(obtained).as("one object for both functions, obtained once").hasValue(1);

        target.release();
        target.release();
        assertThat(released).hasSize(1).allMatch(o -> o instanceof SampleCommands);
        assertThatThrownBy(() -> session.execute("lazy:why x")).isInstanceOf(IllegalStateException.class)
                .hasMessage("lazy:why is being withdrawn (its bundle or a service it needs went away)");
    }

    @Test
    void aLazyCommandThatIsNeverUsedIsNeverObtainedNorReleased() {
        java.util.List<Object> released = new java.util.ArrayList<>();
        CommandFunction.Target target = new CommandFunction.Target(() -> {
            throw new AssertionError("obtained although never used");
        }, released::add);
        CommandFunction.lazy("lazy", "why", target);
        target.release();
        assertThat(released).isEmpty();
    }

    @Test
    void aLazyCommandWhoseObjectIsGoneOrLacksTheMethodFailsAtItsFirstUseSayingWhich() {
        gogo.addCommand("lazy", CommandFunction.lazy("lazy", "why", new CommandFunction.Target(() -> null)), "why");
        assertThatThrownBy(() -> session.execute("lazy:why x")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("lazy:why is not available: its component could not be activated or a service"
                        + " it needs went away");

        gogo.addCommand("lazy", CommandFunction.lazy("lazy", "nosuch", new CommandFunction.Target(SampleCommands::new)),
                "nosuch");
        assertThatThrownBy(() -> session.execute("lazy:nosuch")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("SampleCommands has no public method nosuch");
    }

    @Test
    void aMissingArgumentFailsWithTheUsageNotACoercionMessage() {
        assertThatThrownBy(() -> session.execute("audit:why")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("audit:why: missing BUNDLE")
                .hasMessageContaining("usage: audit:why [-j] BUNDLE")
                .hasMessageNotContaining("Cannot coerce");
        assertThatThrownBy(() -> session.execute("audit:events -n many")).hasMessageStartingWith(
                "audit:events: option -n: 'many' is not a whole number");
    }

    @Test
    void anUnknownOptionIsNamedWithTheClosestOne() {
        assertThatThrownBy(() -> session.execute("audit:events --jsno")).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("audit:events: unknown option --jsno (did you mean --json?)")
                .hasMessageContaining("usage: audit:events");
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        assertThat((String) session.execute("audit:events --help")).startsWith("audit:events - show the newest events\n")
                .contains("-j, --json");
        assertThat((String) session.execute("audit:why -h")).startsWith("audit:why - ");
    }

    @Test
    void aCommandsOwnFailureIsLeftAsItIs() {
        assertThatThrownBy(() -> session.execute("audit:fail x")).isNotInstanceOf(UsageException.class)
                .hasMessage("no bundle x").hasToString("no bundle x").hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void helpGroupsByScopeWithTheFirstClauseOfEachDescription() {
        java.util.List<String> commands = java.util.List.of("audit:why", "audit:events", "audit:refresh", "audit:fail",
                "revisor:default");
        String overview = Help.overview(session, commands, null);

        assertThat(overview).startsWith("audit\n"
                + "  events    show the newest events\n"
                + "  fail      fails with a message of its own\n"
                + "  refresh   refresh bundles\n"
                + "  why       explain why a bundle is not Active\n");
        assertThat(overview).doesNotContain("default");
        assertThat(Help.of(session, commands, "why")).startsWith("audit:why - explain why");
        assertThat(Help.of(session, commands, "audit")).startsWith("audit\n  events");
        assertThatThrownBy(() -> Help.of(session, commands, "wyh")).hasMessage("help: no command or scope 'wyh'"
                + " (did you mean audit:why?)");
    }

    @Test
    void completionsOfferOptionsAndBundleNames() {
        java.util.List<String> lines = ConsoleSetup.completions("audit:events", Syntax.of(SampleCommands.class, "events"));

        assertThat(lines).contains("complete -c audit:events -s n -l number -d 'how many events to show'",
                "complete -c audit:events -s b -l bundle -d 'only events about this bundle' -a 'revisor:__bundles'",
                "complete -c audit:events -d 'show the newest events'");
        assertThat(ConsoleSetup.completions("audit:why", Syntax.of(SampleCommands.class, "why")))
                .contains("complete -c audit:why -a 'revisor:__bundles'");
        assertThat(ConsoleSetup.quote("it's")).isEqualTo("'it\u2019s'");
    }

    @Test
    void anUnknownCommandGetsADidYouMean() {
        assertThatThrownBy(() -> session.execute("audit:lekas")).isInstanceOf(CommandNotFoundException.class)
                .hasMessage("Command not found: audit:lekas (did you mean audit:leaks?)");
        assertThatThrownBy(() -> session.execute("nosuch")).hasMessage("Command not found: nosuch");
        assertThat(new UnknownCommand.NotFound("x", "").toString()).isEqualTo("Command not found: x");
    }

    @Test
    void anUnknownCommandWhileTheFrameworkStartsSaysThatItIsStillStarting() {
        starting.set(true);
        assertThatThrownBy(() -> session.execute("audit:deploys")).isInstanceOf(CommandNotFoundException.class)
                .hasMessage("Command not found: audit:deploys (the instance is still starting: a bundle's commands"
                        + " appear once it has started; bin/revisor exec --wait SECONDS waits until the instance is"
                        + " ready)");
        assertThatThrownBy(() -> session.execute("audit:lekas"))
                .hasMessage("Command not found: audit:lekas (did you mean audit:leaks?)"
                        + UnknownCommand.STILL_STARTING);
        starting.set(false);
        assertThatThrownBy(() -> session.execute("audit:deploys")).hasMessage("Command not found: audit:deploys");
    }
}
