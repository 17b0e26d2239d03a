package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;

import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.StrandedDTO;
import dev.revisor.audit.internal.diagnostics.FakeFramework;

/** {@code audit:plan --uninstall}: who the removal strands, with the requirement each would miss and who provided it. */
class RefreshPlannerUninstallTest {
    private final FakeFramework fw = new FakeFramework();

    /** The plan of uninstalling {@code trigger}, with every bundle of the fake framework in the refresh closure. */
    private RefreshPlanDTO uninstallPlan(FakeFramework.Rev trigger) {
        BundleContext context = mock(BundleContext.class);
        Bundle system = mock(Bundle.class);
        FrameworkWiring wiring = mock(FrameworkWiring.class);
        when(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)).thenReturn(system);
        when(system.adapt(FrameworkWiring.class)).thenReturn(wiring);
        List<Bundle> all = new ArrayList<>(fw.bundles());
        when(wiring.getDependencyClosure(any())).thenReturn(all);
        when(context.getBundles()).thenReturn(all.toArray(new Bundle[0]));
        return RefreshPlanner.plan(context, null, List.of(trigger.bundle), Refreshes.Change.UNINSTALL);
    }

    private static PlannedRestartDTO of(RefreshPlanDTO plan, FakeFramework.Rev r) {
        return plan.affected.stream().filter(p -> p.bundle.id == r.bundle.getBundleId()).findFirst().orElseThrow();
    }

    @Test
    void theImporterOfAPackageOnlyTheRemovedBundleExportsIsStranded() {
        FakeFramework.Rev utils2 = fw.bundle(5, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        FakeFramework.Rev pluginB = fw.bundle(7, "org.example.plugin.b", "0.1.0").wire("org.example.utils", "[2,3)", utils2);

        RefreshPlanDTO plan = uninstallPlan(utils2);

        assertThat(of(plan, utils2).removed).isTrue();
        assertThat(of(plan, utils2).stranded).isEmpty();
        StrandedDTO s = of(plan, pluginB).stranded.get(0);
        assertThat(of(plan, pluginB).stranded).hasSize(1);
        assertThat(s.namespace).isEqualTo("osgi.wiring.package");
        assertThat(s.name).isEqualTo("org.example.utils");
        assertThat(s.range).isEqualTo("[2.0.0,3.0.0)");
        assertThat(s.filter).contains("org.example.utils");
        assertThat(s.provider.id).isEqualTo(5);
        assertThat(s.provider.symbolicName).isEqualTo("org.example.utils");
        assertThat(s.providerStranded).isFalse();
        assertThat(of(plan, pluginB).problems).containsExactly("nothing but org.example.utils/2.0.0 [5] provides its package"
                + " org.example.utils [2.0.0,3.0.0): it will not resolve again");
    }

    @Test
    void anotherExporterInRangeKeepsTheImporterButOneOutOfRangeDoesNot() {
        FakeFramework.Rev utils2 = fw.bundle(5, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        fw.bundle(6, "org.example.utils", "1.0.0").exports("org.example.utils", "1.0.0");
        FakeFramework.Rev pluginB = fw.bundle(7, "org.example.plugin.b", "0.1.0").wire("org.example.utils", "[2,3)", utils2);
        assertThat(of(uninstallPlan(utils2), pluginB).stranded).as("1.0.0 is not in [2,3)").hasSize(1);

        fw.bundle(8, "org.example.utils.copy", "2.1.0").exports("org.example.utils", "2.1.0");
        RefreshPlanDTO plan = uninstallPlan(utils2);
        assertThat(of(plan, pluginB).stranded).as("2.1.0 is").isEmpty();
        assertThat(of(plan, pluginB).problems).isEmpty();
    }

    @Test
    void whoImportsFromAStrandedBundleIsStrandedThroughIt() {
        FakeFramework.Rev lib = fw.bundle(5, "lib", "1.0.0").exports("lib.api", "1.0.0");
        FakeFramework.Rev mid = fw.bundle(6, "mid", "1.0.0").wire("lib.api", "[1,2)", lib).exports("mid.api", "1.0.0");
        FakeFramework.Rev top = fw.bundle(7, "top", "1.0.0").wire("mid.api", "1.0", mid);

        RefreshPlanDTO plan = uninstallPlan(lib);

        StrandedDTO viaMid = of(plan, top).stranded.get(0);
        assertThat(viaMid.name).isEqualTo("mid.api");
        assertThat(viaMid.range).isEqualTo("1.0.0");
        assertThat(viaMid.provider.symbolicName).isEqualTo("mid");
        assertThat(viaMid.providerStranded).isTrue();
        assertThat(of(plan, top).problems).containsExactly("nothing but mid/1.0.0 [6], which would not resolve either, provides"
                + " its package mid.api [1.0.0,∞): it will not resolve again");
        assertThat(of(plan, mid).stranded.get(0).providerStranded).isFalse();
    }

    @Test
    void anOptionalImportIsAProblemButStrandsNobody() {
        FakeFramework.Rev lib = fw.bundle(5, "lib", "1.0.0").exports("lib.api", "1.0.0");
        FakeFramework.Rev user = fw.bundle(6, "user", "1.0.0").wire("lib.api", "[1,2)", lib,
                Map.of(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE, Namespace.RESOLUTION_OPTIONAL));

        RefreshPlanDTO plan = uninstallPlan(lib);

        assertThat(of(plan, user).stranded).isEmpty();
        assertThat(of(plan, user).problems).containsExactly("its optional package lib.api from lib/1.0.0 [5] goes away: nothing else provides it");
    }

    @Test
    void requireBundleOnTheRemovedBundleStrands() {
        FakeFramework.Rev lib = fw.bundle(5, "lib", "1.0.0");
        FakeFramework.Rev user = fw.bundle(6, "user", "1.0.0").requiresBundle(lib, false);

        StrandedDTO s = of(uninstallPlan(lib), user).stranded.get(0);
        assertThat(s.namespace).isEqualTo("osgi.wiring.bundle");
        assertThat(s.name).isEqualTo("lib");
        assertThat(s.provider.id).isEqualTo(5);
    }

    @Test
    void otherChangesStrandNobody() {
        FakeFramework.Rev utils2 = fw.bundle(5, "org.example.utils", "2.0.0").exports("org.example.utils", "2.0.0");
        FakeFramework.Rev pluginB = fw.bundle(7, "org.example.plugin.b", "0.1.0").wire("org.example.utils", "[2,3)", utils2);
        BundleContext context = mock(BundleContext.class);
        Bundle system = mock(Bundle.class);
        FrameworkWiring wiring = mock(FrameworkWiring.class);
        when(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)).thenReturn(system);
        when(system.adapt(FrameworkWiring.class)).thenReturn(wiring);
        when(wiring.getDependencyClosure(any())).thenReturn(new ArrayList<>(fw.bundles()));
        RefreshPlanDTO plan = RefreshPlanner.plan(context, null, List.of(utils2.bundle), Refreshes.Change.UPDATE);
        assertThat(of(plan, pluginB).stranded).isEmpty();
    }
}
