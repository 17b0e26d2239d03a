package dev.revisor.itests;

import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.revisor.itests.fixtures.ops.consumer.ConsumerActivator;
import dev.revisor.itests.fixtures.ops.hang.HangingActivator;
import dev.revisor.itests.fixtures.ops.libimpl.LibActivator;
import dev.revisor.itests.fixtures.ops.requirer.RequirerActivator;

/**
 * The fixture bundles of the operations tests (OperationsIT, RefreshPlanIT, RefreshRecordIT, StopWatchdogIT),
 * built with bnd from {@code fixtures/ops}: a library exporting {@code ...ops.lib} at 1.0.0 (and 1.1.0 for an
 * update), a consumer importing it [1,2) and holding its service, a bundle requiring it with Require-Bundle, a
 * fragment of it, a DS component built on it; a second library at 2.0.0 with its own consumer; stops that hang; a
 * bundle whose later revisions throw in their activator or do not resolve.
 */
public final class OpsFixtures {
    public static final String LIB = "dev.revisor.itests.ops.lib";
    public static final String LIB2 = "dev.revisor.itests.ops.lib2";
    public static final String CONSUMER = "dev.revisor.itests.ops.consumer";
    public static final String CONSUMER2 = "dev.revisor.itests.ops.consumer2";
    public static final String REQUIRER = "dev.revisor.itests.ops.requirer";
    public static final String FRAGMENT = "dev.revisor.itests.ops.frag";
    public static final String DS = "dev.revisor.itests.ops.ds";
    public static final String HANG = "dev.revisor.itests.ops.hang";
    public static final String HANG_DS = "dev.revisor.itests.ops.hangds";
    public static final String FLAKY = "dev.revisor.itests.ops.flaky";
    public static final String LIB_PACKAGE = "dev.revisor.itests.fixtures.ops.lib";
    private static final String FIX = "dev.revisor.itests.fixtures.ops.";

    private OpsFixtures() {
    }

    /** Builds every jar; call from a {@code @Configuration} method. */
    public static void build() {
        lib("ops-lib-1.0.0.jar", LIB, "1.0.0");
        lib("ops-lib-1.1.0.jar", LIB, "1.1.0");
        lib("ops-lib2.jar", LIB2, "2.0.0");
        consumer("ops-consumer.jar", CONSUMER, "[1,2)");
        consumer("ops-consumer2.jar", CONSUMER2, "[2,3)");
        Fixtures.jar("ops-requirer.jar").symbolicName(REQUIRER).version("1.0.0")
                .privatePackages(FIX + "requirer").activator(RequirerActivator.class)
                .set("Require-Bundle", LIB).set("Import-Package", "!" + LIB_PACKAGE + ",*").build();
        Fixtures.jar("ops-frag.jar").symbolicName(FRAGMENT).version("1.0.0").privatePackages(FIX + "frag")
                .set("Fragment-Host", LIB).build();
        Fixtures.jar("ops-ds.jar").symbolicName(DS).version("1.0.0").privatePackages(FIX + "ds")
                .set("-dsannotations", "*").set("Import-Package", LIB_PACKAGE + ";version=\"[1,2)\",*").build();
        Fixtures.jar("ops-hang.jar").symbolicName(HANG).version("1.0.0").privatePackages(FIX + "hang")
                .activator(HangingActivator.class).build();
        // one bundle in three revisions: a good one, one whose activator throws, one that imports what nobody exports
        String good = dev.revisor.itests.fixtures.deploy.good.Activator.class.getPackageName();
        String throwing = dev.revisor.itests.fixtures.deploy.throwing.Activator.class.getPackageName();
        Fixtures.jar("ops-flaky-1.0.0.jar").symbolicName(FLAKY).version("1.0.0").privatePackages(good)
                .activator(dev.revisor.itests.fixtures.deploy.good.Activator.class).build();
        Fixtures.jar("ops-flaky-2.0.0-throws.jar").symbolicName(FLAKY).version("2.0.0").privatePackages(throwing)
                .activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("ops-flaky-3.0.0-unresolvable.jar").symbolicName(FLAKY).version("3.0.0").privatePackages(good)
                .activator(dev.revisor.itests.fixtures.deploy.good.Activator.class)
                .set("Import-Package", "dev.revisor.itests.ops.nowhere;version=\"[1,2)\",org.osgi.framework").build();
        Fixtures.jar("ops-hangds.jar").symbolicName(HANG_DS).version("1.0.0").privatePackages(FIX + "hangds")
                .set("-dsannotations", "*").build();
    }

    private static void lib(String file, String bsn, String version) {
        Fixtures.jar(file).symbolicName(bsn).version(version)
                .exportPackages(LIB_PACKAGE + ";version=" + version + ";-noimport:=true")
                .privatePackages(FIX + "libimpl").activator(LibActivator.class).build();
    }

    private static void consumer(String file, String bsn, String range) {
        Fixtures.jar(file).symbolicName(bsn).version("1.0.0").privatePackages(FIX + "consumer")
                .activator(ConsumerActivator.class)
                .set("Import-Package", LIB_PACKAGE + ";version=\"" + range + "\",*").build();
    }

    /** Installs a fixture jar (inside the framework). */
    public static Bundle install(BundleContext context, String file) throws Exception {
        Path jar = Fixtures.path(file);
        return context.installBundle(jar.toUri().toString());
    }
}
