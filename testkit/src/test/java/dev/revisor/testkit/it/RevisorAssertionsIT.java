package dev.revisor.testkit.it;

import static dev.revisor.testkit.audit.RevisorAssertions.assertActive;
import static dev.revisor.testkit.audit.RevisorAssertions.assertNoDuplicateExports;
import static dev.revisor.testkit.audit.RevisorAssertions.assertNoLeaks;
import static dev.revisor.testkit.audit.RevisorAssertions.assertRefreshRestartsExactly;
import static dev.revisor.testkit.audit.RevisorAssertions.assertResolves;
import static dev.revisor.testkit.audit.RevisorAssertions.assertRestartedExactly;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.testkit.BundleVariant;
import dev.revisor.testkit.RevisorOptions;
import dev.revisor.testkit.Variants;
import dev.revisor.testkit.audit.LiveUpdates;

/**
 * The kit as a plugin project uses it, in a real Felix with revisor-core provisioned from Maven coordinates: each
 * assertion passes on a clean bundle and fails, with the message a developer needs, on a faulty one (the example
 * bundles of bundles/examples).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RevisorAssertionsIT {
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        // a changed class: the leak-free bundle's activator replaced by one that forgets its thread, at 1.0.1
        BundleVariant.of(fixture("example-leak-free"))
                .version("1.0.1")
                .source("org.example.leakfree.Activator", String.join("\n",
                        "package org.example.leakfree;",
                        "public class Activator implements org.osgi.framework.BundleActivator {",
                        "    public void start(org.osgi.framework.BundleContext context) {",
                        "        Thread t = new Thread(() -> { while (true) { try { Thread.sleep(100); } catch (InterruptedException e) { } } },",
                        "                \"variant-ticker\");",
                        "        t.setDaemon(true);",
                        "        t.start();",
                        "    }",
                        "    public void stop(org.osgi.framework.BundleContext context) { }",
                        "}"))
                .build("leak-free-leaky-1.0.1.jar");
        return new Option[] {RevisorOptions.revisorCore()};
    }

    static Path fixture(String artifactId) {
        return Paths.get(System.getProperty("revisor.kit.fixtures"), artifactId + ".jar");
    }

    @Test
    public void noLeaksPassesForACleanUpdateAndUninstall() throws Exception {
        Bundle clean = LiveUpdates.install(context, fixture("example-leak-free"));
        assertNoLeaks(context, clean); // nothing of it went out of use yet
        RefreshRecordDTO record = LiveUpdates.update(context, clean, fixture("example-leak-free"));
        assertRestartedExactly(record); // nothing is wired to it; itself was stopped before the update
        assertActive(context, clean);
        assertNoLeaks(context, clean);
        LiveUpdates.uninstall(context, clean);
        assertNoLeaks(context, clean);
    }

    @Test
    public void noLeaksFailsForALeakedThreadNamingItTheFixAndTheChain() throws Exception {
        Bundle leaky = LiveUpdates.install(context, fixture("example-leaky-thread"));
        LiveUpdates.update(context, leaky, fixture("example-leaky-thread"));
        String message = failure(() -> assertNoLeaks(context, leaky));
        assertTrue(message, message.startsWith(display(leaky) + " leaks: 2 findings"));
        assertTrue(message, message.contains("thread 'leaky-thread-poller'"));
        assertTrue(message, message.contains("Activator$Poller"));
        assertTrue(message, message.contains("fix: ") && message.contains("interrupt"));
        assertTrue(message, message.contains("zombie: "));
        assertTrue(message, message.contains("reference chain from GC root thread 'leaky-thread-poller'"));
        assertTrue(message, message.contains("<defining-class-loader>"));
    }

    @Test
    public void noLeaksFailsForAHeldServiceNamingTheHolder() throws Exception {
        Bundle holder = LiveUpdates.install(context, fixture("example-leaky-service-holder"));
        Bundle service = LiveUpdates.install(context, fixture("example-leaky-service"));
        LiveUpdates.update(context, service, fixture("example-leaky-service"));
        String message = failure(() -> assertNoLeaks(context, service, false));
        assertTrue(message, message.contains("service: "));
        assertTrue(message, message.contains("java.util.function.Supplier"));
        assertTrue(message, message.contains("is still held by: " + display(holder)));
        assertTrue(message, message.contains("ungetService"));
    }

    @Test
    public void aVariantWithAChangedClassUpdatesTheBundleAndItsLeakIsFound() throws Exception {
        Bundle b = LiveUpdates.install(context, fixture("example-leak-free"));
        LiveUpdates.update(context, b, Variants.path("leak-free-leaky-1.0.1.jar"));
        assertEquals("1.0.1", b.getVersion().toString());
        assertActive(context, b);
        LiveUpdates.update(context, b, fixture("example-leak-free"));
        String message = failure(() -> assertNoLeaks(context, b, false));
        assertTrue(message, message.startsWith(display(b) + " leaks: 2 findings"));
        assertTrue(message, message.contains("1. thread: thread 'variant-ticker' (TIMED_WAITING) of org.example.leakfree/1.0.1 ["
                + b.getBundleId() + "] is still running after the bundle stopped"));
        assertTrue(message, message.contains("2. zombie: "));
    }

    @Test
    public void refreshPlanAssertionNamesTheWireOfAnUnexpectedRestart() throws Exception {
        Bundle utils = LiveUpdates.install(context, fixture("example-utils-1"));
        Bundle report = LiveUpdates.install(context, fixture("example-report"));
        try {
            assertRefreshRestartsExactly(context, Refreshes.Change.UPDATE, List.of(utils), "org.example.utils", "org.example.report");
            String message = failure(() -> assertRefreshRestartsExactly(context, Refreshes.Change.UPDATE, List.of(utils),
                    "org.example.utils"));
            assertTrue(message, message.contains("restarts [org.example.report, org.example.utils], expected exactly [org.example.utils]"));
            assertTrue(message, message.contains("unexpected: " + display(report) + " restarts because"
                    + " it is wired to " + display(utils) + " for package org.example.utils 1.0.0"));

            RefreshRecordDTO record = LiveUpdates.update(context, utils, fixture("example-utils-1"));
            assertRestartedExactly(record, "org.example.report");
            message = failure(() -> assertRestartedExactly(record));
            assertTrue(message, message.contains("restarted [org.example.report], expected exactly []"));
            assertTrue(message, message.contains("  " + display(report) + ": stopped "));
        } finally {
            LiveUpdates.uninstall(context, report);
            LiveUpdates.uninstall(context, utils);
        }
    }

    @Test
    public void resolvesPassesOrSaysWhatAuditWhySays() throws Exception {
        Bundle utils = LiveUpdates.install(context, fixture("example-utils-1"));
        Bundle report = LiveUpdates.install(context, fixture("example-report"));
        Bundle future = context.installBundle(fixture("example-fixture-needs-utils-3").toUri().toString());
        try {
            assertResolves(context, report);
            String message = failure(() -> assertResolves(context, future));
            assertTrue(message, message.startsWith(display(future) + " does not resolve. audit:why says:"));
            assertTrue(message, message.contains("Unresolved: it imports package org.example.utils [3.0.0,4.0.0)"));
            assertTrue(message, message.contains("candidate " + display(utils) + " version 1.0.0 does not fit: version 1.0.0 is outside [3.0.0,4.0.0)"));
        } finally {
            LiveUpdates.uninstall(context, future);
            LiveUpdates.uninstall(context, report);
            LiveUpdates.uninstall(context, utils);
        }
    }

    @Test
    public void duplicateExportsFailUnlessExpected() throws Exception {
        assertNoDuplicateExports(context);
        Bundle one = LiveUpdates.install(context, fixture("example-utils-1"));
        Bundle two = LiveUpdates.install(context, fixture("example-utils-2"));
        try {
            assertNoDuplicateExports(context, "org.example.utils");
            String message = failure(() -> assertNoDuplicateExports(context));
            assertTrue(message, message.startsWith("1 package has more than one exporter"));
            assertTrue(message, message.contains("org.example.utils (side-by-side)"));
            assertTrue(message, message.contains("1.0.0 from org.example.utils/1.0.0 [" + one.getBundleId() + "]"));
            assertTrue(message, message.contains("2.0.0 from org.example.utils/2.0.0 [" + two.getBundleId() + "]"));
            assertTrue(message, message.contains("assertNoDuplicateExports(context, \"org.example.utils\")"));
        } finally {
            LiveUpdates.uninstall(context, two);
            LiveUpdates.uninstall(context, one);
        }
    }

    static String display(Bundle b) {
        return b.getSymbolicName() + "/" + b.getVersion() + " [" + b.getBundleId() + "]";
    }

    /** @return the message of the AssertionError the assertion throws; fails when it throws none */
    static String failure(Runnable assertion) {
        try {
            assertion.run();
        } catch (AssertionError e) {
            return e.getMessage();
        }
        fail("the assertion passed, but it should have failed");
        return null;
    }
}
