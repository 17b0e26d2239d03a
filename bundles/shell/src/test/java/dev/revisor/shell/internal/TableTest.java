package dev.revisor.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void aCellWithALineBreakCannotForgeARow() {
        String text = new Table("FILE", "STATE").row("evil.jar\nok.jar", "deployed").row("b.jar", "refused").toString();
        assertThat(text.split("\n")).containsExactly(
                "FILE              STATE",
                "evil.jar\\nok.jar  deployed",
                "b.jar             refused");
    }

    @Test
    void controlCharactersAreShownEscapedAndTheRestAsItIs() {
        assertThat(Table.escape("a\tb\rc\u001b[31md\u007f\u0085e\u2028f")).isEqualTo("a\\tb\\rc\\u001b[31md\\u007f\\u0085e\\u2028f");
        assertThat(Table.escape("plain äöü – 日本.jar")).isEqualTo("plain äöü – 日本.jar");
    }

    @Test
    void columnsArePaddedToTheEscapedWidth() {
        String text = new Table("A", "B").row("x\ny", "1").toString();
        assertThat(text).isEqualTo("A     B\nx\\ny  1\n");
    }
}
