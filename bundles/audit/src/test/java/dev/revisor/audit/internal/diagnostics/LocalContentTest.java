package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class LocalContentTest {

    @Test
    void groupsTopLevelClassesByPackage() {
        Map<String, Set<String>> byPackage = LocalContent.byPackage(List.of(
                "org/example/utils/Text.class", "org/example/utils/Text$Builder.class", "org/example/utils/package-info.class",
                "/org/example/plugin/Greeter.class", "Root.class", "META-INF/versions/11/org/example/utils/Text.class",
                "OSGI-INF/x.class", "org/example/utils/readme.txt", "lib-1.0/Bad.class"));
        assertThat(byPackage).containsOnlyKeys("org.example.utils", "org.example.plugin");
        assertThat(byPackage.get("org.example.utils")).containsExactly("Text");
        assertThat(byPackage.get("org.example.plugin")).containsExactly("Greeter");
    }

    @Test
    void nothingListedIsNothingFound() {
        assertThat(LocalContent.byPackage(null)).isEmpty();
        assertThat(LocalContent.byPackage(List.of())).isEmpty();
    }
}
