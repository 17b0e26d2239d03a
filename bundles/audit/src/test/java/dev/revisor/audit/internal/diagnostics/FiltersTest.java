package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;

import dev.revisor.audit.internal.diagnostics.FakeFramework.Cap;
import dev.revisor.audit.internal.diagnostics.FakeFramework.Rev;
import dev.revisor.audit.internal.diagnostics.FakeFramework.Req;

class FiltersTest {
    private final FakeFramework fw = new FakeFramework();

    @Test
    void readsTheNameAndRangeOfAnImportAsTheFrameworkWritesIt() {
        Rev r = fw.bundle(1, "a", "1.0.0");
        Req req = r.require("osgi.wiring.package",
                "(&(osgi.wiring.package=org.example.utils)(version>=1.0.0)(!(version>=2.0.0)))", Map.of());
        assertThat(Filters.name(req)).isEqualTo("org.example.utils");
        assertThat(Filters.text(Filters.range(req))).isEqualTo("[1.0.0,2.0.0)");
        assertThat(Filters.describe(req)).isEqualTo("imports package org.example.utils [1.0.0,2.0.0)");
    }

    @Test
    void readsOpenExactAndMissingRanges() {
        assertThat(Filters.text(Filters.range("(&(osgi.wiring.package=p)(version>=1.5.0))", "version"))).isEqualTo("[1.5.0,∞)");
        assertThat(Filters.text(Filters.range("(&(osgi.ee=JavaSE)(version=17))", "version"))).isEqualTo("17.0.0");
        assertThat(Filters.text(Filters.range("(&(osgi.wiring.bundle=b)(bundle-version>=1.0.0)(bundle-version<=2.0.0))",
                "bundle-version"))).isEqualTo("[1.0.0,2.0.0]");
        assertThat(Filters.range("(osgi.wiring.package=p)", "version")).isNull();
        assertThat(Filters.range(null, "version")).isNull();
    }

    @Test
    void flattensNestedAnds() {
        assertThat(Filters.andTerms("(&(a=1)(&(b>=2)(!(b>=3))))")).containsExactly("(a=1)", "(b>=2)", "(!(b>=3))");
        assertThat(Filters.andTerms("(|(a=1)(b=2))")).containsExactly("(|(a=1)(b=2))");
    }

    @Test
    void aNameWithAWildcardIsNoName() {
        assertThat(Filters.equalityValue("(osgi.wiring.package=org.example.*)", "osgi.wiring.package")).isNull();
    }

    @Test
    void saysWhichVersionIsOutsideTheRange() {
        Rev lib = fw.bundle(1, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0");
        Rev user = fw.bundle(2, "user", "1.0.0");
        Req req = user.imports("org.example.utils", "[3.0.0,4.0.0)");
        assertThat(Filters.mismatches(req, lib.getDeclaredCapabilities("osgi.wiring.package").get(0)))
                .containsExactly("version 1.0.0 is outside [3.0.0,4.0.0)");
    }

    @Test
    void saysWhichAttributeDiffersOrIsMissing() {
        Rev lib = fw.bundle(1, "lib", "1.0.0");
        Cap cap = lib.capability("osgi.wiring.package",
                Map.of("osgi.wiring.package", "p", "version", Version.parseVersion("1.0.0"), "vendor", "other"), Map.of());
        Rev user = fw.bundle(2, "user", "1.0.0");
        Req vendor = user.require("osgi.wiring.package", "(&(osgi.wiring.package=p)(vendor=acme))", Map.of());
        assertThat(Filters.mismatches(vendor, cap)).containsExactly("attribute vendor is 'other', the requirement asks for (vendor=acme)");
        Req flavour = user.require("osgi.wiring.package", "(&(osgi.wiring.package=p)(flavour=mint))", Map.of());
        assertThat(Filters.mismatches(flavour, cap)).containsExactly("it has no attribute flavour, which (flavour=mint) asks for");
    }

    @Test
    void aMandatoryAttributeTheImportDoesNotNameIsAMismatch() {
        Rev lib = fw.bundle(1, "lib", "1.0.0");
        Cap cap = lib.capability("osgi.wiring.package",
                Map.of("osgi.wiring.package", "p", "version", Version.parseVersion("1.0.0"), "company", "acme"),
                Map.of("mandatory", "company"));
        Rev user = fw.bundle(2, "user", "1.0.0");
        assertThat(Filters.mismatches(user.imports("p", null), cap))
                .containsExactly("its attribute company is mandatory and the requirement does not name it");
        Req named = user.require("osgi.wiring.package", "(&(osgi.wiring.package=p)(company=acme))", Map.of());
        assertThat(Filters.matches(named, cap)).isTrue();
    }

    @Test
    void aFittingCapabilityHasNoMismatch() {
        Rev lib = fw.bundle(1, "lib", "2.1.0").exports("p", "2.1.0");
        Rev user = fw.bundle(2, "user", "1.0.0");
        assertThat(Filters.mismatches(user.imports("p", "[2.0.0,3.0.0)"), lib.getDeclaredCapabilities("osgi.wiring.package").get(0))).isEmpty();
    }
}
