package com.example.greeter.it;

import static dev.revisor.testkit.audit.RevisorAssertions.assertNoLeaks;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Paths;

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

import dev.revisor.testkit.BundleVariant;
import dev.revisor.testkit.RevisorOptions;
import dev.revisor.testkit.Variants;
import dev.revisor.testkit.audit.LiveUpdates;

/**
 * What the leak assertion says about a plugin whose stop() forgets its thread: the variant in src/test/variants/leaky
 * is installed, then updated to the good build; its old revision's thread goes on, and the assertion fails naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LeakyVariantIT {
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        BundleVariant.of(GreeterUpdateIT.greeterJar())
                .version("1.0.1")
                .source(Paths.get("src/test/variants/leaky/com/example/greeter/internal/Activator.java"))
                .build("greeter-leaky-1.0.1.jar");
        return options(RevisorOptions.revisorCore());
    }

    @Test
    public void theLeakAssertionFailsAndNamesTheThread() throws Exception {
        Bundle greeter = LiveUpdates.install(context, Variants.path("greeter-leaky-1.0.1.jar"));
        LiveUpdates.update(context, greeter, GreeterUpdateIT.greeterJar());
        try {
            assertNoLeaks(context, greeter);
        } catch (AssertionError expected) {
            String message = expected.getMessage();
            System.out.println("the failure a developer reads:\n" + message);
            assertTrue(message, message.startsWith("com.example.greeter/1.0.0 [" + greeter.getBundleId() + "] leaks:"));
            assertTrue(message, message.contains("thread 'greeter-clock'"));
            assertTrue(message, message.contains("com.example.greeter/1.0.1"));
            assertTrue(message, message.contains("fix: stop the thread in stop()"));
            assertTrue(message, message.contains("reference chain from GC root"));
            return;
        }
        fail("assertNoLeaks passed, but the leaky variant's clock thread outlives its revision");
    }
}
