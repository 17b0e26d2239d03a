package dev.revisor.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.DependentDTO;
import dev.revisor.audit.api.PlanReasonDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.RemovalPendingDTO;
import dev.revisor.audit.api.RestartDTO;
import dev.revisor.audit.api.ServiceInUseDTO;
import dev.revisor.audit.api.StrandedDTO;
import dev.revisor.audit.api.WiringChangeDTO;

class OperationsCommandsTest {
    private static BundleRefDTO ref(long id, String bsn, String version) {
        BundleRefDTO r = new BundleRefDTO();
        r.id = id;
        r.symbolicName = bsn;
        r.version = version;
        return r;
    }

    private static PlanReasonDTO reason(String kind, String name, String version, BundleRefDTO through) {
        PlanReasonDTO r = new PlanReasonDTO();
        r.kind = kind;
        r.namespace = "osgi.wiring." + kind;
        r.name = name;
        r.version = version;
        r.through = through;
        return r;
    }

    private static PlannedRestartDTO planned(BundleRefDTO b, String state, boolean restarts, PlanReasonDTO... reasons) {
        PlannedRestartDTO p = new PlannedRestartDTO();
        p.bundle = b;
        p.state = state;
        p.restarts = restarts;
        p.reasons = List.of(reasons);
        p.components = new ArrayList<>();
        p.services = new ArrayList<>();
        p.problems = new ArrayList<>();
        return p;
    }

    @Test
    void aPlanSaysWhyEachBundleRestarts() {
        BundleRefDTO utils = ref(12, "org.example.utils", "1.0.0");
        BundleRefDTO a = ref(14, "org.example.plugin.a", "1.0.0");
        RefreshPlanDTO plan = new RefreshPlanDTO();
        plan.change = "UPDATE";
        plan.triggers = List.of(utils);
        PlannedRestartDTO pa = planned(a, "ACTIVE", true, reason("package", "org.example.utils", "1.0.0", utils));
        pa.components.add("org.example.plugin.a.SlugGreeter (ACTIVE)");
        pa.services.add("org.example.greeting.Greeter");
        plan.affected = List.of(planned(utils, "ACTIVE", true, reason("trigger", null, null, null)), pa);
        ServiceInUseDTO used = new ServiceInUseDTO();
        used.serviceId = 40;
        used.objectClass = List.of("org.example.greeting.Greeter");
        used.registrant = a;
        used.usingBundles = List.of(ref(20, "org.example.report", "1.0.0"));
        plan.servicesInUse = List.of(used);

        String text = OperationsCommands.text(plan);
        assertThat(text).startsWith("UPDATE of org.example.utils/1.0.0 [12]: 2 bundle(s) refreshed, 2 stop and start again\n");
        assertThat(text).contains("org.example.utils/1.0.0 [12]     ACTIVE  yes       named: updated\n");
        assertThat(text).contains("imports org.example.utils 1.0.0 from org.example.utils/1.0.0 [12]");
        assertThat(text).contains("DS components deactivated meanwhile:\n  [14] org.example.plugin.a.SlugGreeter (ACTIVE)\n");
        assertThat(text).contains("Services that go away meanwhile:\n  [14] org.example.greeting.Greeter\n");
        assertThat(text).contains("org.example.greeting.Greeter [service 40] of org.example.plugin.a/1.0.0 [14] used by org.example.report/1.0.0 [20]");
    }

    @Test
    void anUninstallPlanNamesWhoIsStrandedAndByWhat() {
        BundleRefDTO utils = ref(5, "org.example.utils", "2.0.0");
        BundleRefDTO b = ref(7, "org.example.plugin.b", "0.1.0");
        RefreshPlanDTO plan = new RefreshPlanDTO();
        plan.change = "UNINSTALL";
        plan.triggers = List.of(utils);
        PlannedRestartDTO removed = planned(utils, "ACTIVE", false, reason("trigger", null, null, null));
        removed.removed = true;
        PlannedRestartDTO pb = planned(b, "ACTIVE", true, reason("package", "org.example.utils", "2.0.0", utils));
        StrandedDTO s = new StrandedDTO();
        s.namespace = "osgi.wiring.package";
        s.name = "org.example.utils";
        s.range = "[2.0.0,3.0.0)";
        s.provider = utils;
        pb.stranded = List.of(s);
        pb.problems.add("nothing but org.example.utils/2.0.0 [5] provides its package org.example.utils [2.0.0,3.0.0): it will not resolve again");
        plan.affected = List.of(removed, pb);
        plan.servicesInUse = List.of();

        String text = OperationsCommands.text(plan);
        assertThat(text).startsWith("UNINSTALL of org.example.utils/2.0.0 [5]: 2 bundle(s) refreshed, 0 stop and start again, 1 removed,"
                + " 1 stranded (they will not resolve again: see the problems below)\n");
        assertThat(text).containsPattern("org\\.example\\.plugin\\.b/0\\.1\\.0 \\[7\\]\\s+ACTIVE\\s+stranded\\s+imports org\\.example\\.utils");
        assertThat(text).contains("Problems foreseen:\n  org.example.plugin.b/0.1.0 [7]: nothing but org.example.utils/2.0.0 [5] provides its"
                + " package org.example.utils [2.0.0,3.0.0): it will not resolve again\n");
    }

    @Test
    void everyReasonKindReadsAsASentence() {
        BundleRefDTO lib = ref(3, "lib", "2.0.0");
        assertThat(OperationsCommands.reason(reason("bundle", "lib", "2.0.0", lib))).isEqualTo("requires bundle lib/2.0.0 [3]");
        assertThat(OperationsCommands.reason(reason("fragment", "lib", "2.0.0", lib))).isEqualTo("fragment attached to lib/2.0.0 [3]");
        assertThat(OperationsCommands.reason(reason("host", "frag", "1.0.0", lib))).isEqualTo("host of fragment lib/2.0.0 [3]");
        PlanReasonDTO cap = reason("capability", "osgi.component", "1.5.0", lib);
        cap.namespace = "osgi.extender";
        assertThat(OperationsCommands.reason(cap)).isEqualTo("requires osgi.extender osgi.component from lib/2.0.0 [3]");
    }

    @Test
    void aRecordShowsRestartsWiringChangesPendingRevisionsAndFailures() {
        BundleRefDTO lib = ref(3, "lib", "1.1.0");
        BundleRefDTO consumer = ref(4, "consumer", "1.0.0");
        RefreshRecordDTO r = new RefreshRecordDTO();
        r.operation = "op-7";
        r.start = "2026-11-27T10:00:00Z";
        r.end = "2026-11-27T10:00:01Z";
        r.triggers = List.of(lib);
        RestartDTO d = new RestartDTO();
        d.bundle = consumer;
        d.stopped = "2026-11-27T10:00:00.100Z";
        d.started = "2026-11-27T10:00:00.300Z";
        d.stopMillis = 12;
        d.stateAfter = "ACTIVE";
        r.restarted = List.of(d);
        WiringChangeDTO w = new WiringChangeDTO();
        w.importer = consumer;
        w.name = "lib.api";
        w.fromExporter = ref(3, "lib", "1.0.0");
        w.fromVersion = "1.0.0";
        w.toExporter = lib;
        w.toVersion = "1.1.0";
        r.wiringChanges = List.of(w);
        RemovalPendingDTO p = new RemovalPendingDTO();
        p.bundle = ref(3, "lib", "1.0.0");
        p.revision = "3.0";
        DependentDTO dep = new DependentDTO();
        dep.bundle = consumer;
        dep.kind = "package";
        dep.name = "lib.api";
        p.wiredBy = List.of(dep);
        r.removalPending = List.of(p);
        r.servicesInUse = List.of();
        r.failures = List.of("other/1.0.0 [9] was ACTIVE and is INSTALLED now: it did not resolve again");

        String text = OperationsCommands.text(r);
        assertThat(text).startsWith("refresh op-7 2026-11-27T10:00:00Z .. 2026-11-27T10:00:01Z: asked for lib/1.1.0 [3]; 1 bundle(s) refreshed, 1 failure(s)\n");
        assertThat(text).contains("consumer/1.0.0 [4]  2026-11-27T10:00:00.100Z  12       2026-11-27T10:00:00.300Z  ACTIVE");
        assertThat(text).contains("Wiring changes:\n  consumer/1.0.0 [4] lib.api: 1.0.0 from lib/1.0.0 [3] -> 1.1.0 from lib/1.1.0 [3]\n");
        assertThat(text).contains("lib/1.0.0 [3] revision 3.0 (old revision) was still used by consumer/1.0.0 [4] (package lib.api)");
        assertThat(text).contains("Failures:\n  other/1.0.0 [9] was ACTIVE and is INSTALLED now");
    }
}
