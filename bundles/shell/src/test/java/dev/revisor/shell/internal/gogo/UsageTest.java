package dev.revisor.shell.internal.gogo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class UsageTest {
    @Test
    void usageShowsTheDescriptorsOfTheMethodItsOptionsAndArguments() {
        String usage = Usage.render("audit:why", Syntax.of(SampleCommands.class, "why"));

        assertThat(usage).isEqualTo("audit:why - explain why a bundle is not Active: unresolved requirements\n"
                + "usage: audit:why [-j] BUNDLE\n"
                + "arguments:\n"
                + "  BUNDLE       the bundle: an id or a symbolic name\n"
                + "options:\n"
                + "  -j, --json   print one JSON document instead of text\n"
                + "  --help       show this usage\n");
    }

    @Test
    void optionsThatTakeAValueShowItsName() {
        String usage = Usage.render("audit:events", Syntax.of(SampleCommands.class, "events"));

        assertThat(usage).contains("usage: audit:events [-n NUMBER] [-b BUNDLE] [-j]\n")
                .contains("  -n, --number NUMBER   how many events to show (default 20)\n");
    }

    @Test
    void varargsAreOptionalAndTheSessionIsLeftOut() {
        List<Syntax> s = Syntax.of(SampleCommands.class, "refresh");

        assertThat(Usage.line("audit:refresh", s.get(0))).isEqualTo("audit:refresh [BUNDLES...]");
        assertThat(s.get(0).required()).isZero();
    }

    @Test
    void aSummaryIsTheFirstClauseCutToFit() {
        assertThat(Usage.summary("explain why a bundle is not Active: unresolved requirements", 80))
                .isEqualTo("explain why a bundle is not Active");
        assertThat(Usage.summary("a b c d e f g h i j k l m n o p", 12)).isEqualTo("a b c d e...");
        assertThat(Usage.summary("print one JSON document {\"findings\": [...]} instead of text", 80))
                .isEqualTo("print one JSON document {\"findings\": [...]} instead of text");
    }

    @Test
    void longTextIsWrappedAtSpacesWithAHangingIndent() {
        assertThat(Usage.wrap("  -x   aaa bbb ccc", "", "       ", 12)).isEqualTo("  -x   aaa\n       bbb\n       ccc\n");
        assertThat(Usage.wrap("short", "", "  ", 80)).isEqualTo("short\n");
    }

    @Test
    void argumentProblemsAreNamed() {
        List<Syntax> why = Syntax.of(SampleCommands.class, "why");
        List<Syntax> events = Syntax.of(SampleCommands.class, "events");

        assertThat(ArgumentCheck.diagnose(why, List.of())).startsWith("missing BUNDLE (the bundle");
        assertThat(ArgumentCheck.diagnose(why, List.of("a", "b"))).isEqualTo("unexpected argument 'b'");
        assertThat(ArgumentCheck.diagnose(events, List.of("-n"))).isEqualTo("option -n needs a value (NUMBER)");
        assertThat(ArgumentCheck.diagnose(events, List.of("--number", "many")))
                .isEqualTo("option --number: 'many' is not a whole number");
        assertThat(ArgumentCheck.unknownOption(events, List.of("--jsno"))).isEqualTo("unknown option --jsno (did you mean --json?)");
        assertThat(ArgumentCheck.unknownOption(events, List.of("--bundle", "-x"))).isNull(); // a value, not an option
        assertThat(ArgumentCheck.unknownOption(events, List.of("-n", "-5"))).isNull();
        assertThat(ArgumentCheck.wantsHelp(events, List.of("--help"))).isTrue();
    }
}
