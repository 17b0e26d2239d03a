package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.when;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.RequirementProblemDTO;
import dev.revisor.audit.api.UsesConflictDTO;
import dev.revisor.audit.internal.diagnostics.FakeFramework.Rev;

class ResolutionAnalysisTest {
    private final FakeFramework fw = new FakeFramework();

    private ResolutionAnalysis.Result analyse(Rev revision) {
        return new ResolutionAnalysis(fw.state()).analyse(revision);
    }

    @Test
    void aPackageNobodyExportsHasNoCandidates() {
        Rev b = fw.bundle(1, "b", "1.0.0").unresolved();
        b.imports("org.example.utils.json", "[1,2)");
        ResolutionAnalysis.Result r = analyse(b);
        assertThat(r.unresolved).hasSize(1);
        RequirementProblemDTO p = r.unresolved.get(0);
        assertThat(p.name).isEqualTo("org.example.utils.json");
        assertThat(p.range).isEqualTo("[1.0.0,2.0.0)");
        assertThat(p.candidates).isEmpty();
        assertThat(p.reason).isEqualTo("no bundle provides package org.example.utils.json at any version");
        assertThat(p.text).isEqualTo("imports package org.example.utils.json [1.0.0,2.0.0)");
        assertThat(r.usesConflicts).isEmpty();
    }

    @Test
    void aRangeThatMissesEveryVersionNamesTheVersionsThatExist() {
        fw.bundle(2, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        fw.bundle(1, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0");
        Rev b = fw.bundle(3, "future", "1.0.0").unresolved();
        b.imports("org.example.utils", "[3,4)");

        RequirementProblemDTO p = analyse(b).unresolved.get(0);
        assertThat(p.candidates).extracting(c -> c.version).containsExactly("1.0.0", "2.0.0");
        assertThat(p.candidates).extracting(c -> c.reason)
                .containsExactly("version 1.0.0 is outside [3.0.0,4.0.0)", "version 2.0.0 is outside [3.0.0,4.0.0)");
        assertThat(p.candidates).allMatch(c -> !c.matches);
        assertThat(p.reason).isEqualTo("package org.example.utils exists only at 1.0.0 from org.example.utils/1.0.0 [1], "
                + "2.0.0 from org.example.utils/2.0.0 [2]; it asks for [3.0.0,4.0.0)");
    }

    @Test
    void aFittingExporterThatIsItselfUnresolvedIsNamed() {
        Rev lib = fw.bundle(1, "lib", "1.0.0").exports("p", "1.0.0").unresolved();
        Rev b = fw.bundle(2, "b", "1.0.0").unresolved();
        b.imports("p", "[1,2)");
        ResolutionAnalysis.Result r = analyse(b);
        RequirementProblemDTO p = r.unresolved.get(0);
        assertThat(p.candidates.get(0).matches).isTrue();
        assertThat(p.candidates.get(0).reason).isEqualTo("fits, but lib/1.0.0 [1] is not resolved itself (audit:why 1)");
        assertThat(p.reason).isEqualTo("package p fits only from lib/1.0.0 [1], which is not resolved itself");
        assertThat(r.unresolvedProviders).containsExactly(lib);
    }

    @Test
    void attributeMismatchesAreReasonsToo() {
        fw.bundle(1, "lib", "1.0.0").capability("osgi.wiring.package",
                Map.of("osgi.wiring.package", "p", "version", org.osgi.framework.Version.parseVersion("1.0.0"), "vendor", "x"), Map.of());
        Rev b = fw.bundle(2, "b", "1.0.0").unresolved();
        b.require("osgi.wiring.package", "(&(osgi.wiring.package=p)(vendor=acme))", Map.of());
        RequirementProblemDTO p = analyse(b).unresolved.get(0);
        assertThat(p.reason).isEqualTo("no package p fits (lib/1.0.0 [1]: attribute vendor is 'x', the requirement asks for (vendor=acme))");
    }

    @Test
    void optionalDynamicAndRunTimeRequirementsNeverBlockResolution() {
        Rev b = fw.bundle(1, "b", "1.0.0").unresolved();
        b.imports("opt", null, Map.of("resolution", "optional"));
        b.imports("dyn", null, Map.of("resolution", "dynamic"));
        b.require("osgi.service", "(objectClass=x.Y)", Map.of("effective", "active"));
        ResolutionAnalysis.Result r = analyse(b);
        assertThat(r.unresolved).isEmpty();
        assertThat(r.usesConflicts).isEmpty();
    }

    @Test
    void otherNamespacesAreExplainedToo() {
        fw.bundle(1, "org.apache.felix.scr", "2.2.18").capability("osgi.extender",
                Map.of("osgi.extender", "osgi.component", "version", org.osgi.framework.Version.parseVersion("1.5.0")), Map.of());
        Rev b = fw.bundle(2, "b", "1.0.0").unresolved();
        b.require("osgi.extender", "(&(osgi.extender=osgi.component)(version>=2.0.0)(!(version>=3.0.0)))", Map.of());
        RequirementProblemDTO p = analyse(b).unresolved.get(0);
        assertThat(p.text).isEqualTo("needs extender osgi.component [2.0.0,3.0.0)");
        assertThat(p.reason).isEqualTo("extender osgi.component exists only at 1.5.0 from org.apache.felix.scr/2.2.18 [1]; it asks for [2.0.0,3.0.0)");
    }

    @Test
    void aFragmentWhoseHostIsAlreadyResolvedNamesTheHost() {
        Rev host = fw.bundle(1, "org.example.utils", "3.0.0");
        fw.bundle(2, "org.example.utils", "1.0.0");
        Rev fragment = fw.bundle(3, "fragment", "1.0.0").unresolved();
        fragment.types = org.osgi.framework.wiring.BundleRevision.TYPE_FRAGMENT;
        fragment.require("osgi.wiring.host",
                "(&(osgi.wiring.host=org.example.utils)(bundle-version>=3.0.0)(!(bundle-version>=4.0.0)))", Map.of());
        host.capability("osgi.wiring.host", Map.of("osgi.wiring.host", "org.example.utils",
                "bundle-version", org.osgi.framework.Version.parseVersion("3.0.0")), Map.of());

        ResolutionAnalysis.Result r = analyse(fragment);
        assertThat(r.unresolved).isEmpty();
        assertThat(r.resolvedHosts).containsExactly(host);
    }

    @Test
    void aFragmentWithoutAFittingHostIsUnresolved() {
        fw.bundle(1, "org.example.utils", "1.0.0").capability("osgi.wiring.host", Map.of("osgi.wiring.host", "org.example.utils",
                "bundle-version", org.osgi.framework.Version.parseVersion("1.0.0")), Map.of());
        Rev fragment = fw.bundle(2, "fragment", "1.0.0").unresolved();
        fragment.require("osgi.wiring.host",
                "(&(osgi.wiring.host=org.example.utils)(bundle-version>=3.0.0)(!(bundle-version>=4.0.0)))", Map.of());

        RequirementProblemDTO p = analyse(fragment).unresolved.get(0);
        assertThat(p.text).isEqualTo("is a fragment of host org.example.utils [3.0.0,4.0.0)");
        assertThat(p.candidates.get(0).reason).isEqualTo("version 1.0.0 is outside [3.0.0,4.0.0)");
    }

    /** The demo: C imports utils 2.x and report, whose export uses utils and is wired to utils 1.x. */
    @Test
    void aUsesConflictComesWithBothChainsAndFixes() {
        Rev u1 = fw.bundle(1, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0");
        Rev u2 = fw.bundle(2, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        Rev report = fw.bundle(3, "org.example.report", "1.0.0").exports("org.example.report", "1.0.0", "org.example.utils")
                .wire("org.example.utils", "[1,2)", u1);
        Rev c = fw.bundle(4, "org.example.plugin.c", "1.0.0").unresolved();
        c.imports("org.example.report", "[1,2)");
        c.imports("org.example.utils", "[2,3)");

        ResolutionAnalysis.Result r = analyse(c);
        assertThat(r.unresolved).isEmpty();
        assertThat(r.usesConflicts).hasSize(1);
        UsesConflictDTO conflict = r.usesConflicts.get(0);
        assertThat(conflict.packageName).isEqualTo("org.example.utils");
        assertThat(conflict.first.exporter.id).isEqualTo(2);
        assertThat(conflict.first.version).isEqualTo("2.0.0");
        assertThat(conflict.first.text).isEqualTo(
                "org.example.plugin.c/1.0.0 [4] imports org.example.utils [2.0.0,3.0.0) from org.example.utils/2.0.0 [2] (2.0.0)");
        assertThat(conflict.second.exporter.id).isEqualTo(1);
        assertThat(conflict.second.steps).hasSize(2);
        assertThat(conflict.second.steps.get(1).usesOf).isEqualTo("org.example.report");
        assertThat(conflict.second.steps.get(1).importer.symbolicName).isEqualTo("org.example.report");
        assertThat(conflict.second.text).isEqualTo("org.example.plugin.c/1.0.0 [4] imports org.example.report [1.0.0,2.0.0) from "
                + "org.example.report/1.0.0 [3] (1.0.0); org.example.report uses org.example.utils, and org.example.report/1.0.0 [3] "
                + "imports org.example.utils [1.0.0,2.0.0) from org.example.utils/1.0.0 [1] (1.0.0)");
        assertThat(conflict.explanation).isEqualTo("org.example.plugin.c/1.0.0 [4] would see package org.example.utils twice: "
                + "2.0.0 from org.example.utils/2.0.0 [2] (its own import [2.0.0,3.0.0)), and 1.0.0 from org.example.utils/1.0.0 [1] "
                + "through the uses constraints org.example.report → org.example.utils. A class of org.example.utils passed between the two "
                + "would fail at run time, so the resolver refuses the bundle");
        assertThat(conflict.fixes).containsExactly(
                "Make org.example.plugin.c/1.0.0 [4] import org.example.utils in a range that includes 1.0.0 (it asks for [2.0.0,3.0.0)): "
                        + "rebuild it against org.example.utils 1.x, the version org.example.utils/1.0.0 [1] offers, if its code works with that version",
                "Install a build of org.example.report/1.0.0 [3] made against org.example.utils 2.x, so that its import of org.example.utils "
                        + "([1.0.0,2.0.0) now) includes 2.0.0; then org.example.plugin.c/1.0.0 [4] can use org.example.utils/2.0.0 [2] through it");
        assertThat(u2.wiring.provided).isEmpty();
        assertThat(report.wiring.required).hasSize(1);
    }

    @Test
    void noConflictWhenAnotherCandidateMakesTheClassSpaceConsistent() {
        Rev u1 = fw.bundle(1, "utils", "1.0.0").exports("u", "1.0.0");
        fw.bundle(2, "utils", "2.0.0").exports("u", "2.0.0");
        fw.bundle(3, "report", "1.0.0").exports("r", "1.0.0", "u").wire("u", "[1,2)", u1);
        Rev c = fw.bundle(4, "c", "1.0.0").unresolved();
        c.imports("r", "[1,2)");
        c.imports("u", "[1,3)"); // prefers 2.0.0, but 1.0.0 fits too and is consistent

        ResolutionAnalysis.Result r = analyse(c);
        assertThat(r.usesConflicts).isEmpty();
        assertThat(r.unresolved).isEmpty();
    }

    @Test
    void aRefreshIsTheFirstFixWhenTheIntermediateBundlesRangeAllowsTheOtherVersion() {
        Rev u1 = fw.bundle(1, "utils", "1.0.0").exports("u", "1.0.0");
        fw.bundle(2, "utils", "2.0.0").exports("u", "2.0.0");
        fw.bundle(3, "report", "1.0.0").exports("r", "1.0.0", "u").wire("u", "[1,3)", u1); // wired to 1.0.0 before 2.0.0 came
        Rev c = fw.bundle(4, "c", "1.0.0").unresolved();
        c.imports("r", "[1,2)");
        c.imports("u", "[2,3)");

        UsesConflictDTO conflict = analyse(c).usesConflicts.get(0);
        assertThat(conflict.fixes.get(0)).isEqualTo("Refresh report/1.0.0 [3] (refresh 3): its import of u [1.0.0,3.0.0) also accepts 2.0.0 "
                + "from utils/2.0.0 [2], but it is wired to 1.0.0 from utils/1.0.0 [1] now");
    }

    @Test
    void twoExportersOfTheSameVersionSuggestDroppingOne() {
        Rev x = fw.bundle(1, "x", "1.0.0").exports("u", "1.0.0");
        fw.bundle(2, "y", "1.0.0").exports("u", "1.0.0");
        fw.bundle(3, "report", "1.0.0").exports("r", "1.0.0", "u").wire("u", "[1,2)", x);
        Rev c = fw.bundle(4, "c", "1.0.0").unresolved();
        c.imports("r", "[1,2)");
        c.require("osgi.wiring.package", "(&(osgi.wiring.package=u)(bundle-symbolic-name=y))", Map.of());

        UsesConflictDTO conflict = analyse(c).usesConflicts.get(0);
        assertThat(conflict.fixes).last().asString().isEqualTo("Two bundles export u 1.0.0: y/1.0.0 [2] and x/1.0.0 [1]. "
                + "Uninstall the one you do not need and refresh, so that everyone shares one");

        when(x.bundle.getLocation()).thenReturn("revisor:feature:org.example:x:1.0.0");
        conflict = analyse(c).usesConflicts.get(0);
        assertThat(conflict.fixes).last().asString().isEqualTo("Two bundles export u 1.0.0: y/1.0.0 [2] and x/1.0.0 [1]. "
                + "Uninstall y/1.0.0 [2] (keep x/1.0.0 [1], installed by a feature) and refresh, so that everyone shares one");
    }

    @Test
    void followsUsesThroughSeveralBundles() {
        Rev u1 = fw.bundle(1, "utils", "1.0.0").exports("u", "1.0.0");
        Rev u2 = fw.bundle(2, "utils", "2.0.0").exports("u", "2.0.0");
        Rev b = fw.bundle(3, "b", "1.0.0").exports("b", "1.0.0", "u").wire("u", "[1,2)", u1);
        Rev a = fw.bundle(4, "a", "1.0.0").exports("a", "1.0.0", "b").wire("b", "[1,2)", b);
        Rev c = fw.bundle(5, "c", "1.0.0").unresolved();
        c.imports("a", "[1,2)");
        c.imports("u", "[2,3)");

        UsesConflictDTO conflict = analyse(c).usesConflicts.get(0);
        assertThat(conflict.packageName).isEqualTo("u");
        assertThat(conflict.second.steps).extracting(s -> s.packageName).containsExactly("a", "b", "u");
        assertThat(conflict.second.steps).extracting(s -> s.usesOf).containsExactly(null, "a", "b");
        assertThat(u2.wiring.provided).isEmpty();
    }

    @Test
    void anOwnExportThatClashesWithAnImportedUsesChain() {
        Rev u1 = fw.bundle(1, "utils", "1.0.0").exports("u", "1.0.0");
        fw.bundle(2, "report", "1.0.0").exports("r", "1.0.0", "u").wire("u", "[1,2)", u1);
        Rev c = fw.bundle(3, "c", "1.0.0").exports("u", "3.0.0").unresolved();
        c.imports("r", "[1,2)");

        UsesConflictDTO conflict = analyse(c).usesConflicts.get(0);
        assertThat(conflict.first.steps.get(0).range).isNull();
        assertThat(conflict.explanation).contains("3.0.0 from c/1.0.0 [3] (its own export)");
        assertThat(conflict.fixes.get(0)).startsWith("Stop c/1.0.0 [3] from carrying and exporting its own u 3.0.0");
    }
}
