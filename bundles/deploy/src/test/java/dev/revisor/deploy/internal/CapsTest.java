package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/** What untrusted input can make Revisor write is bounded: reasons and lists of missing requirements. */
class CapsTest {
    @Test
    void aShortReasonIsKeptAsItIs() {
        assertThat(Outcomes.capped("no installed bundle provides package a")).isEqualTo("no installed bundle provides package a");
        assertThat(Outcomes.capped(null)).isNull();
        String exact = "x".repeat(Outcomes.MAX_REASON_CHARS);
        assertThat(Outcomes.capped(exact)).isSameAs(exact);
    }

    @Test
    void aLongReasonIsCutWithANoteOfHowMuchWasLeftOutAndCappingTwiceChangesNothing() {
        String reason = "no installed bundle provides " + "package org.example.p, ".repeat(100_000);
        String capped = Outcomes.capped(reason);
        assertThat(capped.length()).isLessThanOrEqualTo(Outcomes.MAX_REASON_CHARS);
        assertThat(capped).startsWith("no installed bundle provides package org.example.p, ");
        int kept = capped.indexOf(" [... ");
        assertThat(capped.substring(kept)).isEqualTo(" [... " + (reason.length() - kept) + " more characters left out]");
        assertThat(Outcomes.capped(capped)).isSameAs(capped);
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String reason = "x".repeat(Outcomes.MAX_REASON_CHARS - 65) + "😀".repeat(1000);
        String capped = Outcomes.capped(reason);
        String kept = capped.substring(0, capped.indexOf(" [... "));
        assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
    }

    @Test
    void missingRequirementsAreListedUpToTheLimitAndThenCounted() {
        List<BundleRequirement> requirements = new ArrayList<>();
        for (int i = 0; i < 90_000; i++) {
            requirements.add(packageRequirement("org.example.p" + i));
        }
        List<String> missing = Explain.missing(bundleRequiring(requirements), nothingProvides());
        assertThat(missing).hasSize(Explain.MAX_LISTED + 1);
        assertThat(missing.get(0)).isEqualTo("package org.example.p0 (any version)");
        assertThat(missing.get(Explain.MAX_LISTED)).isEqualTo("and " + (90_000 - Explain.MAX_LISTED) + " more");

        List<String> few = Explain.missing(bundleRequiring(requirements.subList(0, 3)), nothingProvides());
        assertThat(few).containsExactly("package org.example.p0 (any version)", "package org.example.p1 (any version)",
                "package org.example.p2 (any version)");
    }

    // ---- fakes of the framework's interfaces (only what Explain.missing calls)

    private static <T> T fake(Class<T> type, java.lang.reflect.InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(CapsTest.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static BundleRequirement packageRequirement(String pkg) {
        Map<String, String> directives = Map.of("filter", "(osgi.wiring.package=" + pkg + ")");
        return fake(BundleRequirement.class, (proxy, method, args) -> {
            switch (method.getName()) {
                case "getDirectives": return directives;
                case "getNamespace": return "osgi.wiring.package";
                default: throw new UnsupportedOperationException(method.getName());
            }
        });
    }

    private static Bundle bundleRequiring(List<BundleRequirement> requirements) {
        BundleRevision revision = fake(BundleRevision.class, (proxy, method, args) -> {
            if (method.getName().equals("getDeclaredRequirements")) {
                return new ArrayList<>(requirements);
            }
            throw new UnsupportedOperationException(method.getName());
        });
        return fake(Bundle.class, (proxy, method, args) -> {
            if (method.getName().equals("adapt") && args[0] == BundleRevision.class) {
                return revision;
            }
            throw new UnsupportedOperationException(method.getName());
        });
    }

    private static FrameworkWiring nothingProvides() {
        return fake(FrameworkWiring.class, (proxy, method, args) -> {
            if (method.getName().equals("findProviders")) {
                return (Collection<?>) List.of();
            }
            throw new UnsupportedOperationException(method.getName());
        });
    }
}
