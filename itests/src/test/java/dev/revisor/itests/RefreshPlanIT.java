package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.PlanReasonDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.StrandedDTO;

/**
 * {@code audit:plan} / {@link Refreshes#plan}: what updating (uninstalling) a library would restart, and why each
 * bundle: its importer through the package and version, a Require-Bundle user, its fragment, the DS component and
 * services that go away; for an uninstall, the imports nothing else can satisfy. The plan changes nothing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RefreshPlanIT {
    @Inject
    private BundleContext context;
    @Inject
    private Refreshes refreshes;
    @Inject
    private Operations operations;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor processor;

    private Bundle lib;
    private Bundle consumer;
    private Bundle requirer;
    private Bundle fragment;
    private Bundle ds;

    @Configuration
    public Option[] config() {
        OpsFixtures.build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Before
    public void installOnce() throws Exception {
        lib = RevisorTestSupport.bundleNamed(context, OpsFixtures.LIB);
        if (lib != null) {
            consumer = RevisorTestSupport.bundleNamed(context, OpsFixtures.CONSUMER);
            requirer = RevisorTestSupport.bundleNamed(context, OpsFixtures.REQUIRER);
            fragment = RevisorTestSupport.bundleNamed(context, OpsFixtures.FRAGMENT);
            ds = RevisorTestSupport.bundleNamed(context, OpsFixtures.DS);
            return;
        }
        fragment = OpsFixtures.install(context, "ops-frag.jar"); // before its host resolves, so that it attaches
        lib = OpsFixtures.install(context, "ops-lib-1.0.0.jar");
        consumer = OpsFixtures.install(context, "ops-consumer.jar");
        requirer = OpsFixtures.install(context, "ops-requirer.jar");
        ds = OpsFixtures.install(context, "ops-ds.jar");
        for (Bundle b : List.of(lib, consumer, requirer, ds)) {
            b.start();
        }
        await("the DS component is registered", 10_000, () -> ds.getRegisteredServices() != null);
    }

    @Test
    public void anUpdatePlanNamesEveryImporterAndWhy() {
        RefreshPlanDTO plan = refreshes.plan(List.of(lib), Refreshes.Change.UPDATE);
        assertEquals("UPDATE", plan.change);
        assertEquals(lib.getBundleId(), plan.triggers.get(0).id);
        assertEquals("the trigger comes first", lib.getBundleId(), plan.affected.get(0).bundle.id);
        assertEquals("trigger", plan.affected.get(0).reasons.get(0).kind);
        assertTrue(plan.affected.get(0).restarts);
        assertTrue("the library's own service goes away: " + plan.affected.get(0).services,
                plan.affected.get(0).services.contains(OpsFixtures.LIB_PACKAGE + ".Greeting"));

        PlanReasonDTO viaPackage = only(affected(plan, consumer).reasons);
        assertEquals("package", viaPackage.kind);
        assertEquals("osgi.wiring.package", viaPackage.namespace);
        assertEquals(OpsFixtures.LIB_PACKAGE, viaPackage.name);
        assertEquals("1.0.0", viaPackage.version);
        assertEquals(lib.getBundleId(), viaPackage.through.id);
        assertTrue(affected(plan, consumer).restarts);

        PlanReasonDTO viaBundle = only(affected(plan, requirer).reasons);
        assertEquals("bundle", viaBundle.kind);
        assertEquals(OpsFixtures.LIB, viaBundle.name);

        PlanReasonDTO viaHost = only(affected(plan, fragment).reasons);
        assertEquals("fragment", viaHost.kind);
        assertEquals(lib.getBundleId(), viaHost.through.id);
        assertFalse("a fragment is never started", affected(plan, fragment).restarts);

        PlannedRestartDTO dsPlan = affected(plan, ds);
        assertEquals("package", only(dsPlan.reasons).kind);
        assertTrue(dsPlan.components.toString(), dsPlan.components.stream().anyMatch(c -> c.contains("LibGreeter")));
        assertTrue(dsPlan.services.toString(), dsPlan.services.contains(OpsFixtures.LIB_PACKAGE + ".Greeting"));

        assertTrue("the consumer holds the library's service; it is in the plan, so not an outside user",
                plan.servicesInUse.stream().noneMatch(s -> s.usingBundles.stream().anyMatch(u -> u.id == consumer.getBundleId())));
        assertEquals("planning changes nothing", Bundle.ACTIVE, consumer.getState());
    }

    @Test
    public void anUninstallPlanForeseesImportsNothingElseProvides() {
        RefreshPlanDTO plan = refreshes.plan(List.of(lib), Refreshes.Change.UNINSTALL);
        PlannedRestartDTO trigger = affected(plan, lib);
        assertTrue(trigger.removed);
        assertFalse(trigger.restarts);
        List<String> problems = affected(plan, consumer).problems;
        assertEquals(problems.toString(), 1, problems.size());
        assertTrue(problems.get(0), problems.get(0).contains(OpsFixtures.LIB_PACKAGE) && problems.get(0).contains("will not resolve"));
        assertTrue(affected(plan, fragment).problems.get(0).contains("unattached"));
    }

    /**
     * Issue 11, "Removal semantics": removing utils-2 strands plugin-b, which imports org.example.utils [2,3); the plan
     * says so beforehand, with the package, the range and the bundle that provided it, in the DTO, the table and JSON.
     */
    @Test
    public void anUninstallPlanNamesWhoItStrandsWithThePackageTheRangeAndTheProvider() throws Exception {
        Bundle utils2 = RevisorTestSupport.bundleNamed(context, "org.example.utils");
        if (utils2 == null) {
            context.installBundle(RevisorTestSupport.reactorBundle("example-greeting-api").toUri().toString()).start();
            utils2 = context.installBundle(RevisorTestSupport.reactorBundle("example-utils-2").toUri().toString());
            utils2.start();
            context.installBundle(RevisorTestSupport.reactorBundle("example-plugin-b").toUri().toString()).start();
        }
        Bundle pluginB = RevisorTestSupport.bundleNamed(context, "org.example.plugin.b");
        assertEquals(Bundle.ACTIVE, pluginB.getState());

        RefreshPlanDTO plan = refreshes.plan(List.of(utils2), Refreshes.Change.UNINSTALL);
        assertTrue(affected(plan, utils2).removed);
        PlannedRestartDTO b = affected(plan, pluginB);
        assertEquals(b.stranded.toString(), 1, b.stranded.size());
        StrandedDTO missing = b.stranded.get(0);
        assertEquals("osgi.wiring.package", missing.namespace);
        assertEquals("org.example.utils", missing.name);
        assertEquals("[2.0.0,3.0.0)", missing.range);
        assertEquals(utils2.getBundleId(), missing.provider.id);
        assertFalse(missing.providerStranded);

        String table = gogoOk(processor, "audit:plan --uninstall " + utils2.getBundleId());
        assertTrue(table, table.contains("1 stranded"));
        assertTrue(table, table.matches("(?s).*org\\.example\\.plugin\\.b/\\S+ \\[" + pluginB.getBundleId() + "\\]\\s+ACTIVE\\s+stranded.*"));
        assertTrue(table, table.contains("nothing but org.example.utils/2.0.0 [" + utils2.getBundleId()
                + "] provides its package org.example.utils [2.0.0,3.0.0): it will not resolve again"));

        JsonObject json = JsonParser.parseString(gogoOk(processor, "audit:plan --uninstall --json " + utils2.getBundleId())).getAsJsonObject();
        JsonObject stranded = null;
        for (com.google.gson.JsonElement e : json.getAsJsonArray("affected")) {
            if (e.getAsJsonObject().getAsJsonObject("bundle").get("id").getAsLong() == pluginB.getBundleId()) {
                stranded = e.getAsJsonObject().getAsJsonArray("stranded").get(0).getAsJsonObject();
            }
        }
        assertNotNull(json.toString(), stranded);
        assertEquals("org.example.utils", stranded.get("name").getAsString());
        assertEquals("[2.0.0,3.0.0)", stranded.get("range").getAsString());
        assertEquals(utils2.getBundleId(), stranded.getAsJsonObject("provider").get("id").getAsLong());
        assertEquals("planning changes nothing", Bundle.ACTIVE, pluginB.getState());
        assertEquals(Bundle.ACTIVE, utils2.getState());
    }

    @Test
    public void auditPlanPrintsATableAndJson() {
        String table = gogoOk(processor, "audit:plan " + OpsFixtures.LIB + " --update");
        assertTrue(table, table.startsWith("UPDATE of " + OpsFixtures.LIB + "/1.0.0"));
        assertTrue(table, table.contains("imports " + OpsFixtures.LIB_PACKAGE + " 1.0.0 from " + OpsFixtures.LIB + "/1.0.0"));
        assertTrue(table, table.contains("requires bundle " + OpsFixtures.LIB));
        assertTrue(table, table.contains("fragment attached to " + OpsFixtures.LIB));
        assertTrue(table, table.contains("DS components deactivated meanwhile:") && table.contains("LibGreeter (SATISFIED)"));

        String json = gogoOk(processor, "audit:plan --json " + lib.getBundleId());
        JsonObject plan = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("REFRESH", plan.get("change").getAsString());
        JsonArray affected = plan.getAsJsonArray("affected");
        assertEquals(json, 5, affected.size());
    }

    @Test
    public void badArgumentsGiveAClearError() {
        RevisorTestSupport.Result r = gogo(processor, "audit:plan no.such.bundle");
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("no bundle is named 'no.such.bundle'"));
        r = gogo(processor, "audit:plan --update --uninstall " + lib.getBundleId());
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().contains("exclude each other"));
    }

    @Test
    public void aPlanMadeInsideAnOperationIsJournaledWithIt() {
        String id;
        try (Operation op = operations.begin("deploy", Operations.TRIGGER_DEPLOY + "ops-lib.jar", "ops-lib.jar")) {
            id = op.id();
            refreshes.plan(List.of(lib), Refreshes.Change.UPDATE);
        }
        List<AuditEventDTO> planned = journal.events(EventQuery.last(5).withOperation(id).withType("refresh.planned"));
        assertEquals(1, planned.size());
        assertEquals("UPDATE", planned.get(0).details.get("change"));
        assertEquals(4L, planned.get(0).details.get("restarts"));
    }

    private static PlanReasonDTO only(List<PlanReasonDTO> reasons) {
        assertEquals(reasons.stream().map(r -> r.kind + " " + r.name).collect(Collectors.toList()).toString(), 1, reasons.size());
        return reasons.get(0);
    }

    private static PlannedRestartDTO affected(RefreshPlanDTO plan, Bundle b) {
        return plan.affected.stream().filter(p -> p.bundle.id == b.getBundleId()).findFirst()
                .orElseThrow(() -> new AssertionError(b.getSymbolicName() + " is not in the plan " + plan.affected));
    }
}
