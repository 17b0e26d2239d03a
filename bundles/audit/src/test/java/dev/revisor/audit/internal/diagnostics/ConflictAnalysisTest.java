package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.when;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PrivateCopyDTO;
import dev.revisor.audit.api.SplitPackageDTO;
import dev.revisor.audit.internal.diagnostics.FakeFramework.Rev;

class ConflictAnalysisTest {
    private final FakeFramework fw = new FakeFramework();

    private ConflictReportDTO report() {
        return new ConflictAnalysis(fw.state()).report();
    }

    private static List<String> names(List<BundleRefDTO> refs) {
        return refs.stream().map(r -> r.symbolicName).collect(Collectors.toList());
    }

    @Test
    void twoVersionsSideBySideWithTheImportersOfEach() {
        Rev u1 = fw.bundle(1, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0");
        Rev u2 = fw.bundle(2, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        fw.bundle(3, "plugin.a", "1.0.0").wire("org.example.utils", "[1,2)", u1);
        fw.bundle(4, "plugin.b", "1.0.0").wire("org.example.utils", "[2,3)", u2);
        fw.bundle(5, "report", "1.0.0").wire("org.example.utils", "[1,2)", u1).exports("org.example.report", "1.0.0", "org.example.utils");

        ConflictReportDTO report = report();
        assertThat(report.bundles).isEqualTo(5);
        assertThat(report.exports).isEqualTo(3);
        assertThat(report.packages).hasSize(1);
        PackageExportersDTO utils = report.packages.get(0);
        assertThat(utils.packageName).isEqualTo("org.example.utils");
        assertThat(utils.verdict).isEqualTo(PackageExportersDTO.SIDE_BY_SIDE);
        assertThat(utils.exporters).extracting(e -> e.version).containsExactly("1.0.0", "2.0.0");
        assertThat(names(utils.exporters.get(0).importers)).containsExactly("plugin.a", "report");
        assertThat(names(utils.exporters.get(1).importers)).containsExactly("plugin.b");
        assertThat(utils.exporters.get(0).bundle.version).isEqualTo("1.0.0");
        assertThat(utils.exporters.get(0).removalPending).isFalse();
        assertThat(report.splitPackages).isEmpty();
        assertThat(report.privateCopies).isEmpty();
    }

    @Test
    void theSameVersionFromTwoBundlesIsADuplicate() {
        fw.bundle(1, "one", "1.0.0").exports("p", "1.0.0");
        fw.bundle(2, "two", "1.0.0").exports("p", "1.0.0");
        PackageExportersDTO p = report().packages.get(0);
        assertThat(p.verdict).isEqualTo(PackageExportersDTO.DUPLICATE);
        assertThat(p.note).contains("1.0.0 from one/1.0.0 [1] and two/1.0.0 [2]");
        assertThat(p.note).as("nothing imports p: no importers to be split")
                .contains("no bundle imports it yet").doesNotContain("split");
        assertThat(p.note).contains("keep one exporter, uninstall the other and refresh");
    }

    @Test
    void aDuplicateSaysWhereTheImportersAreWired() {
        Rev one = fw.bundle(1, "one", "1.0.0").exports("p", "1.0.0");
        Rev two = fw.bundle(2, "two", "1.0.0").exports("p", "1.0.0");
        fw.bundle(3, "user", "1.0.0").wire("p", "[1,2)", one);
        assertThat(report().packages.get(0).note).contains("every importer is wired to one/1.0.0 [1]")
                .doesNotContain("split");

        fw.bundle(4, "other", "1.0.0").wire("p", "[1,2)", two);
        assertThat(report().packages.get(0).note).contains("importers are split between one/1.0.0 [1] and two/1.0.0 [2]");
    }

    @Test
    void aDuplicateNeverAdvisesUninstallingAFeatureBundle() {
        Rev core = fw.bundle(1, "core.lib", "1.0.0").exports("p", "1.0.0");
        when(core.bundle.getLocation()).thenReturn("revisor:feature:org.example:core.lib:1.0.0");
        Rev dropped = fw.bundle(2, "dropped", "1.0.0").exports("p", "1.0.0");
        when(dropped.bundle.getLocation()).thenReturn("file:/home/deploy/dropped.jar");
        assertThat(report().packages.get(0).note)
                .contains("keep core.lib/1.0.0 [1] (installed by a feature), uninstall dropped/1.0.0 [2] and refresh");

        when(dropped.bundle.getLocation()).thenReturn("revisor:feature:org.example:dropped:1.0.0");
        assertThat(report().packages.get(0).note)
                .contains("every copy comes with the runtime's features").contains("features/")
                .doesNotContain("uninstall the other").doesNotContain("uninstall dropped");
    }

    @Test
    void aRemovalPendingRevisionThatStillExportsIsStale() {
        Rev old = fw.bundle(1, "lib", "1.0.0").exports("p", "1.0.0");
        fw.bundle(2, "user", "1.0.0").wire("p", "[1,2)", old);
        fw.update(old, "1.1.0").exports("p", "1.1.0");

        PackageExportersDTO p = report().packages.get(0);
        assertThat(p.verdict).isEqualTo(PackageExportersDTO.STALE);
        PackageExportDTO pending = p.exporters.get(0);
        assertThat(pending.removalPending).isTrue();
        assertThat(pending.bundle.version).as("the old revision's own version").isEqualTo("1.0.0");
        assertThat(names(pending.importers)).containsExactly("user");
        assertThat(p.exporters.get(1).removalPending).isFalse();
        assertThat(p.note).contains("lib/1.0.0 [1] (still used by 1)").contains("refresh");
    }

    @Test
    void anUninstalledBundleWhoseRevisionIsStillWiredIsStale() {
        Rev gone = fw.bundle(1, "lib", "1.0.0").exports("p", "1.0.0");
        fw.bundle(2, "user", "1.0.0").wire("p", "[1,2)", gone);
        fw.bundle(3, "other", "2.0.0").exports("p", "2.0.0");
        fw.uninstall(gone);
        assertThat(report().packages.get(0).verdict).isEqualTo(PackageExportersDTO.STALE);
    }

    @Test
    void aPackageExportedOnceIsNotAConflict() {
        fw.bundle(1, "one", "1.0.0").exports("p", "1.0.0");
        fw.bundle(2, "two", "1.0.0").exports("q", "1.0.0");
        assertThat(report().packages).isEmpty();
    }

    @Test
    void unresolvedRevisionsExportNothing() {
        fw.bundle(1, "one", "1.0.0").exports("p", "1.0.0");
        fw.bundle(2, "two", "1.0.0").exports("p", "2.0.0").unresolved();
        assertThat(report().packages).isEmpty();
    }

    @Test
    void findsAPrivateCopyAndTheClassesItShadows() {
        Rev u1 = fw.bundle(1, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0")
                .contains("org/example/utils/Text.class", "org/example/utils/Lines.class");
        fw.bundle(2, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0").contains("org/example/utils/Text.class");
        fw.bundle(3, "embedded", "1.0.0")
                .contains("org/example/embedded/Greeter.class", "org/example/utils/Text.class", "org/example/utils/Extra.class");

        List<PrivateCopyDTO> copies = report().privateCopies;
        assertThat(copies).hasSize(1);
        PrivateCopyDTO copy = copies.get(0);
        assertThat(copy.packageName).isEqualTo("org.example.utils");
        assertThat(copy.bundle.symbolicName).isEqualTo("embedded");
        assertThat(copy.classes).isEqualTo(2);
        assertThat(copy.shadowedClasses).containsExactly("org.example.utils.Text");
        assertThat(copy.exporters).extracting(e -> e.version).containsExactly("1.0.0", "2.0.0");
        assertThat(copy.importedFrom).isNull();
        assertThat(copy.note).contains("uses its own copy of org.example.utils").contains("never sees the exported one");
        assertThat(u1.wiring.local).as("the exporter is not a private copy of itself").isNotEmpty();
    }

    @Test
    void aCopyBehindAnImportIsDeadWeight() {
        Rev lib = fw.bundle(1, "lib", "1.0.0").exports("p", "1.0.0").contains("p/A.class");
        fw.bundle(2, "holder", "1.0.0").contains("p/A.class").wire("p", "[1,2)", lib);
        PrivateCopyDTO copy = report().privateCopies.get(0);
        assertThat(copy.importedFrom.symbolicName).isEqualTo("lib");
        assertThat(copy.note).contains("the import wins and the copy is dead weight");
    }

    @Test
    void ownExportsAndPackagesNobodyElseExportsAreNoPrivateCopies() {
        fw.bundle(1, "lib", "1.0.0").exports("p", "1.0.0").contains("p/A.class");
        fw.bundle(2, "other", "1.0.0").exports("p", "1.0.0").contains("p/A.class", "q/Internal.class");
        assertThat(report().privateCopies).isEmpty();
    }

    @Test
    void requireBundleWithOwnClassesOfTheSamePackageIsASplitPackage() {
        Rev provider = fw.bundle(1, "provider", "1.0.0").exports("p", "1.0.0").contains("p/A.class");
        fw.bundle(2, "consumer", "1.0.0").contains("p/B.class").requiresBundle(provider, false);

        List<SplitPackageDTO> split = report().splitPackages;
        assertThat(split).hasSize(1);
        assertThat(split.get(0).packageName).isEqualTo("p");
        assertThat(split.get(0).bundle.symbolicName).isEqualTo("consumer");
        assertThat(names(split.get(0).sources)).containsExactly("consumer", "provider");
        assertThat(split.get(0).note).contains("sees p from itself and provider/1.0.0 [1]");
    }

    @Test
    void reexportedPackagesOfRequiredBundlesCountAndAnImportHidesTheSplit() {
        Rev inner = fw.bundle(1, "inner", "1.0.0").exports("q", "1.0.0").exports("r", "1.0.0");
        Rev outer = fw.bundle(2, "outer", "1.0.0").exports("q", "2.0.0").requiresBundle(inner, true);
        Rev importer = fw.bundle(3, "consumer", "1.0.0").contains("r/Mine.class").requiresBundle(outer, false);
        importer.wire("q", "[1,2)", inner);

        List<SplitPackageDTO> split = report().splitPackages;
        assertThat(split).extracting(s -> s.packageName).containsExactly("r");
        assertThat(names(split.get(0).sources)).containsExactly("consumer", "inner");
    }

    @Test
    void fragmentsAreNotCountedTwice() {
        Rev host = fw.bundle(1, "host", "1.0.0").exports("p", "1.0.0");
        Rev fragment = fw.bundle(2, "fragment", "1.0.0").exports("p", "1.0.0");
        fragment.types = org.osgi.framework.wiring.BundleRevision.TYPE_FRAGMENT;
        assertThat(report().packages).isEmpty();
        assertThat(host.wiring.getCapabilities("osgi.wiring.package")).hasSize(1);
    }
}
