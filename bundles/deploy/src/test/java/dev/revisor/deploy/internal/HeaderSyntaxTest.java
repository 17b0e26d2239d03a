package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class HeaderSyntaxTest {

    @Test
    void parsesPathsAttributesDirectivesAndQuotes() throws Refusal {
        List<HeaderSyntax.Clause> clauses = HeaderSyntax.parse("Import-Package",
                "org.a;org.b;version=\"[1.0,2)\";resolution:=optional, org.c;x:List<String>=\"p,q\"");
        assertThat(clauses).hasSize(2);
        assertThat(clauses.get(0).paths).containsExactly("org.a", "org.b");
        assertThat(clauses.get(0).attributes).containsEntry("version", "[1.0,2)");
        assertThat(clauses.get(0).directives).containsEntry("resolution", "optional");
        assertThat(clauses.get(1).attributes).containsEntry("x", "p,q");
    }

    @Test
    void refusesAnUnterminatedQuote() {
        assertThatThrownBy(() -> HeaderSyntax.parse("Import-Package", "org.foo;version=\"[1.0,2)"))
                .isInstanceOf(Refusal.class).hasMessageContaining("Import-Package").hasMessageContaining("unterminated");
    }

    @Test
    void refusesEmptyClausesAndElements() {
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", "org.a,,org.b")).hasMessageContaining("empty clause");
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", "org.a;;version=1")).hasMessageContaining("empty element");
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", " ")).hasMessageContaining("is empty");
    }

    @Test
    void refusesAPathAfterParametersAndRepeatedParameters() {
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", "org.a;version=1;org.b"))
                .hasMessageContaining("after the parameters");
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", "org.a;version=1;version=2"))
                .hasMessageContaining("repeats the attribute version");
        assertThatThrownBy(() -> HeaderSyntax.parse("Export-Package", "org.a;ver sion=1")).hasMessageContaining("named");
    }
}
