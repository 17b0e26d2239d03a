package com.example.greeter.it;

import static dev.revisor.testkit.audit.RevisorAssertions.assertActive;
import static dev.revisor.testkit.audit.RevisorAssertions.assertNoDuplicateExports;
import static dev.revisor.testkit.audit.RevisorAssertions.assertNoLeaks;
import static dev.revisor.testkit.audit.RevisorAssertions.assertRefreshRestartsExactly;
import static dev.revisor.testkit.audit.RevisorAssertions.assertResolves;
import static dev.revisor.testkit.audit.RevisorAssertions.assertRestartedExactly;
import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;

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
 * The greeter plugin in Revisor: it resolves, exports nothing twice, its refresh plan restarts only itself, and a live
 * update to a new version leaves nothing behind.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GreeterUpdateIT {
    @Inject
    private BundleContext context;

    /** Runs in the test JVM before the framework starts. */
    @Configuration
    public Option[] config() {
        // the next release of the plugin, built from this one: the same classes at 1.0.1
        BundleVariant.of(greeterJar()).version("1.0.1").build("greeter-1.0.1.jar");
        return options(
                RevisorOptions.revisorCore(),
                bundle(greeterJar().toUri().toString()).start());
    }

    static Path greeterJar() {
        return Paths.get(System.getProperty("greeter.jar"));
    }

    /** By name: a test that used the plugin's classes would be wired to it, and restarted by its refresh. */
    private Bundle greeter() {
        return LiveUpdates.bundle(context, "com.example.greeter");
    }

    @Test
    public void theGreeterResolvesAndIsActive() {
        assertResolves(context, greeter());
        assertActive(context, greeter());
    }

    @Test
    public void noPackageIsExportedTwice() {
        assertNoDuplicateExports(context);
    }

    @Test
    public void anUpdateRestartsOnlyTheGreeterAndLeavesNothingBehind() throws Exception {
        Bundle greeter = greeter();
        assertRefreshRestartsExactly(context, Refreshes.Change.UPDATE, List.of(greeter), "com.example.greeter");

        RefreshRecordDTO record = LiveUpdates.update(context, greeter, Variants.path("greeter-1.0.1.jar"));
        assertRestartedExactly(record); // nobody else is wired to the greeter
        assertEquals("1.0.1", greeter.getVersion().toString());
        assertActive(context, greeter);
        assertNoLeaks(context, greeter);
    }
}
