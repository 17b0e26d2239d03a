package dev.revisor.shell.internal.gogo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> COMMANDS = List.of("audit:leaks", "audit:events", "audit:ops", "audit:op",
            "audit:why", "audit:wiring", "audit:conflicts", "felix:lb");

    @Test
    void aSwapOfTwoLettersIsOneEdit() {
        assertThat(Suggestions.closest("audit:lekas", COMMANDS, 3)).containsExactly("audit:leaks");
        assertThat(Suggestions.closest("--jsno", List.of("-j", "--json", "-e", "--explain"), 2)).containsExactly("--json");
    }

    @Test
    void theClosestComeFirstAndFarNamesNever() {
        assertThat(Suggestions.closest("audit:opz", COMMANDS, 3)).startsWith("audit:op", "audit:ops");
        assertThat(Suggestions.closest("zzzzzzzz", COMMANDS, 3)).isEmpty();
        assertThat(Suggestions.closest("audit:leaks", COMMANDS, 3)).doesNotContain("audit:leaks");
    }

    @Test
    void aPrefixOfALongerNameCounts() {
        assertThat(Suggestions.closest("audit:conf", COMMANDS, 3)).containsExactly("audit:conflicts");
    }

    @Test
    void didYouMeanReadsAsASentence() {
        assertThat(Suggestions.didYouMean(List.of())).isEmpty();
        assertThat(Suggestions.didYouMean(List.of("a"))).isEqualTo(" (did you mean a?)");
        assertThat(Suggestions.didYouMean(List.of("a", "b", "c"))).isEqualTo(" (did you mean a, b or c?)");
    }

    @Test
    void unknownCommandsAreMatchedWithAndWithoutScope() {
        assertThat(UnknownCommand.suggest("audit:lekas", COMMANDS)).containsExactly("audit:leaks");
        assertThat(UnknownCommand.suggest("lekas", COMMANDS)).containsExactly("audit:leaks");
        assertThat(UnknownCommand.suggest("lekas", List.of("audit:leaks", "gogo:__files", "revisor:default")))
                .containsExactly("audit:leaks");
        assertThat(UnknownCommand.suggest("defualt", List.of("revisor:default"))).isEmpty();
    }
}
