package dev.revisor.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.PackageExportDTO;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PackageImportDTO;
import dev.revisor.audit.api.RevisionWiringDTO;
import dev.revisor.audit.api.SplitPackageDTO;
import dev.revisor.audit.api.WhyReportDTO;
import dev.revisor.audit.api.WiringReportDTO;

/** The tables people read: what is flagged must be visible in them, not only in --json. */
class DiagnosticsCommandsTest {

    private static BundleRefDTO ref(long id, String bsn, String version) {
        BundleRefDTO r = new BundleRefDTO();
        r.id = id;
        r.symbolicName = bsn;
        r.version = version;
        return r;
    }

    private static PackageExportDTO export(String pkg, String version, BundleRefDTO bundle, boolean pending, BundleRefDTO... importers) {
        PackageExportDTO e = new PackageExportDTO();
        e.packageName = pkg;
        e.version = version;
        e.bundle = bundle;
        e.removalPending = pending;
        e.uses = List.of();
        e.importers = List.of(importers);
        return e;
    }

    @Test
    void aStaleExporterIsMarkedAndExplainedUnderTheTable() {
        ConflictReportDTO r = new ConflictReportDTO();
        r.bundles = 3;
        r.exports = 2;
        PackageExportersDTO p = new PackageExportersDTO();
        p.packageName = "p";
        p.verdict = PackageExportersDTO.STALE;
        p.note = "removal-pending revision lib/1.0.0 [1] (still used by 1) still exports it: refresh to let it go";
        p.exporters = List.of(export("p", "1.0.0", ref(1, "lib", "1.0.0"), true, ref(2, "user", "1.0.0")),
                export("p", "1.1.0", ref(1, "lib", "1.1.0"), false));
        r.packages = List.of(p);
        SplitPackageDTO split = new SplitPackageDTO();
        split.packageName = "q";
        split.bundle = ref(2, "user", "1.0.0");
        split.sources = List.of(ref(2, "user", "1.0.0"), ref(3, "provider", "1.0.0"));
        r.splitPackages = List.of(split);
        r.privateCopies = List.of();

        String text = DiagnosticsCommands.text(r);
        assertThat(text).contains("p        1.0.0    lib/1.0.0 [1] (removal-pending)  stale    user/1.0.0 [2]");
        assertThat(text).contains("  p: removal-pending revision lib/1.0.0 [1] (still used by 1) still exports it: refresh to let it go");
        assertThat(text).contains("Split packages (1)").contains("q        user/1.0.0 [2]  user/1.0.0 [2], provider/1.0.0 [3]");
        assertThat(text).contains("No private copies of exported packages.");
    }

    @Test
    void removalPendingRevisionsAndUnwiredImportsAreShown() {
        WiringReportDTO r = new WiringReportDTO();
        r.bundle = ref(1, "lib", "1.1.0");
        r.state = "Active";
        RevisionWiringDTO now = revision(ref(1, "lib", "1.1.0"), true);
        PackageImportDTO optional = new PackageImportDTO();
        optional.packageName = "opt";
        optional.range = "0.0.0";
        optional.resolution = "optional";
        now.imports.add(optional);
        RevisionWiringDTO old = revision(ref(1, "lib", "1.0.0"), false);
        old.exports.add(export("p", "1.0.0", ref(1, "lib", "1.0.0"), true, ref(2, "user", "1.0.0")));
        r.revisions = List.of(now, old);

        String text = DiagnosticsCommands.text(r);
        assertThat(text).startsWith("lib/1.1.0 [1] is Active\n");
        assertThat(text).contains("opt      0.0.0  optional    -        (not wired)");
        assertThat(text).contains("Removal-pending revision lib/1.0.0 [1]\n");
        assertThat(text).contains("p        1.0.0    user/1.0.0 [2]");
    }

    @Test
    void anUnresolvedBundleSaysWhereToLookAndWhyListsEveryReason() {
        WiringReportDTO r = new WiringReportDTO();
        r.bundle = ref(5, "c", "1.0.0");
        r.state = "Installed";
        RevisionWiringDTO rev = revision(ref(5, "c", "1.0.0"), true);
        rev.resolved = false;
        r.revisions = List.of(rev);
        assertThat(DiagnosticsCommands.text(r)).contains("Not resolved: no wires (audit:why 5 says why)");

        WhyReportDTO why = new WhyReportDTO();
        why.summary = "c/1.0.0 [5] is Resolved: its start level 30 is above the framework's active start level 20";
        why.reasons = List.of("its start level 30 is above the framework's active start level 20", "it had not been resolved");
        why.unresolved = List.of();
        why.usesConflicts = List.of();
        why.components = List.of();
        String text = DiagnosticsCommands.text(why);
        assertThat(text).startsWith(why.summary + "\n\n- its start level 30");
        assertThat(text).contains("- it had not been resolved\n");
    }

    private static RevisionWiringDTO revision(BundleRefDTO ref, boolean current) {
        RevisionWiringDTO r = new RevisionWiringDTO();
        r.revision = ref;
        r.current = current;
        r.resolved = true;
        r.imports = new ArrayList<>();
        r.exports = new ArrayList<>();
        r.required = new ArrayList<>();
        r.provided = new ArrayList<>();
        return r;
    }
}
