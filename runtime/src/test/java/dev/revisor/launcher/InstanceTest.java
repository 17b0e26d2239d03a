package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Dictionary;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/** Boots real features in a real Felix framework (in this JVM) and checks what a user relies on. */
class InstanceTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Instance running;

    @AfterEach
    void stopFramework() throws Exception {
        stop();
    }

    private Instance start(TestDistribution dist) throws Exception {
        BootPlan plan = BootPlan.load(dist.layout(), false, new Properties(), Map.of());
        Instance instance = Instance.create(plan, new PrintStream(out, true), new PrintStream(err, true));
        instance.start();
        assertThat(instance.awaitStarted(30, TimeUnit.SECONDS)).as("framework STARTED").isTrue();
        running = instance;
        return instance;
    }

    private void stop() throws Exception {
        if (running != null) {
            running.stop();
            FrameworkEvent event = running.framework().waitForStop(30_000);
            assertThat(event.getType()).isEqualTo(FrameworkEvent.STOPPED);
            running = null;
        }
    }

    private static Bundle bundle(Instance instance, String symbolicName) {
        for (Bundle bundle : instance.framework().getBundleContext().getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return null;
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void bootsFeatureBundlesAtTheirStartOrderWithFeatureLocations() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION,
                TestDistribution.PROMISE, TestDistribution.CONFIGADMIN);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@2",
                TestDistribution.CONFIGADMIN + "@3");
        dist.boot("tiny");
        Instance instance = start(dist);

        Bundle configAdmin = bundle(instance, "org.apache.felix.configadmin");
        assertThat(configAdmin.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(configAdmin.getLocation()).isEqualTo("revisor:feature:" + TestDistribution.CONFIGADMIN);
        assertThat(configAdmin.adapt(BundleStartLevel.class).getStartLevel()).isEqualTo(3);
        assertThat(bundle(instance, "org.osgi.util.promise").adapt(BundleStartLevel.class).getStartLevel())
                .isEqualTo(2);
        assertThat(instance.framework().adapt(FrameworkStartLevel.class).getStartLevel()).isEqualTo(3);

        BundleContext context = instance.framework().getBundleContext();
        Path home = dist.dist.toAbsolutePath();
        assertThat(context.getProperty("revisor.home")).isEqualTo(home.toString());
        assertThat(context.getProperty("revisor.data")).isEqualTo(home.resolve("data").toString());
        assertThat(context.getProperty("revisor.control.socket"))
                .isEqualTo(home.resolve("data/run/control.sock").toString());
        assertThat(home.resolve("data/cache")).isDirectory();
        assertThat(home.resolve("deploy")).isDirectory();
        assertThat(out()).contains("revisor: started in ").contains("3 of 3 feature bundles active")
                .contains("headless");
        assertThat(err()).isEmpty();
    }

    @Test
    void aLaterStartUninstallsUnwantedFeatureBundlesKeepsTheRestAndLeavesOtherBundlesAlone() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION,
                TestDistribution.PROMISE, TestDistribution.COMPONENT);
        dist.feature("base", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@1");
        dist.feature("console", null, TestDistribution.COMPONENT + "@6");
        dist.write("etc/revisor.properties", "revisor.features = base\nrevisor.features.console = console\n");

        // an interactive run boots the console feature too
        BootPlan interactive = BootPlan.load(dist.layout(), true, new Properties(), Map.of());
        Instance first = Instance.create(interactive, new PrintStream(out, true), new PrintStream(err, true));
        first.start();
        assertThat(first.awaitStarted(30, TimeUnit.SECONDS)).isTrue();
        running = first;
        assertThat(bundle(first, "org.osgi.service.component").getState()).isEqualTo(Bundle.ACTIVE);
        long functionId = bundle(first, "org.osgi.util.function").getBundleId();
        Bundle own = first.framework().getBundleContext().installBundle("file:/user/own-configadmin.jar",
                Files.newInputStream(ArtifactId.parse(TestDistribution.CONFIGADMIN)
                        .pathIn(TestDistribution.stagedSystem())));
        String ownLocation = own.getLocation();
        stop();

        // a headless run on the same cache: the console bundle goes, the user's bundle stays
        Instance second = start(dist);
        assertThat(bundle(second, "org.osgi.service.component")).isNull();
        assertThat(out()).contains("revisor: uninstalled org.osgi.service.component 1.5.1");
        assertThat(bundle(second, "org.osgi.util.function").getBundleId()).isEqualTo(functionId);
        assertThat(second.framework().getBundleContext().getBundle(ownLocation)).isNotNull();
    }

    @Test
    void aFeatureBundleWhoseSystemJarIsNewerIsUpdated() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION,
                TestDistribution.PROMISE);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@1");
        dist.boot("tiny");
        long installed = bundle(start(dist), "org.osgi.util.function").getLastModified();
        stop();

        // an unchanged jar: no update
        Instance same = start(dist);
        assertThat(bundle(same, "org.osgi.util.function").getLastModified()).isEqualTo(installed);
        stop();
        assertThat(out()).doesNotContain("revisor: updated");

        Files.setLastModifiedTime(dist.systemJar(TestDistribution.FUNCTION),
                FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        Instance updated = start(dist);
        Bundle function = bundle(updated, "org.osgi.util.function");
        assertThat(function.getLastModified()).isGreaterThan(installed);
        assertThat(function.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(out()).contains("revisor: updated org.osgi.util.function");
    }

    @Test
    void aRebuiltJarWithAnOldTimestampIsUpdatedBecauseItsContentChanged() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1");
        dist.boot("tiny");
        assertThat(bundle(start(dist), "org.osgi.util.function").getEntry("rebuilt.txt")).isNull();
        stop();
        assertThat(dist.dist.resolve("data/feature-bundles.properties")).content()
                .contains("revisor\\:feature\\:org.osgi\\:org.osgi.util.function\\:1.2.0=");

        // what a reproducible build does: new content, the same fixed timestamp far in the past
        Path jar = dist.systemJar(TestDistribution.FUNCTION);
        Path rebuilt = dir.resolve("rebuilt.jar");
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(jar));
                java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(rebuilt))) {
            for (java.util.zip.ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                in.transferTo(zip);
            }
            zip.putNextEntry(new java.util.zip.ZipEntry("rebuilt.txt"));
            zip.write("new".getBytes(StandardCharsets.UTF_8));
        }
        Files.move(rebuilt, jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(946_684_800_000L));

        Bundle function = bundle(start(dist), "org.osgi.util.function");
        assertThat(function.getEntry("rebuilt.txt")).isNotNull();
        assertThat(function.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(out()).contains("revisor: updated org.osgi.util.function");
    }

    @Test
    void aSystemBundleUpdateRestartsTheSameFramework() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1");
        dist.boot("tiny");
        Instance instance = start(dist);
        instance.framework().update();
        assertThat(instance.framework().waitForStop(30_000).getType()).isEqualTo(FrameworkEvent.STOPPED_UPDATE);

        instance.start();
        assertThat(instance.awaitStarted(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bundle(instance, "org.osgi.util.function").getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(out().split("revisor: started in ", -1)).hasSize(3);
        assertThat(err()).isEmpty();
    }

    @Test
    void aMissingBundleIsReportedWithFeatureAndPathAndTheOthersStart() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION);
        Path feature = dist.feature("tiny", null, TestDistribution.FUNCTION + "@1", "org.example:missing:1.0@2");
        dist.boot("tiny");
        Instance instance = start(dist);
        assertThat(bundle(instance, "org.osgi.util.function").getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(err()).contains("revisor: ERROR: " + feature.toAbsolutePath() + ": bundle org.example:missing:1.0: "
                + dist.dist.toAbsolutePath().resolve("system/org/example/missing/1.0/missing-1.0.jar")
                + " does not exist; not installed");
        assertThat(out()).contains("1 of 2 feature bundles active (1 missing)");
    }

    @Test
    void aBundleThatCannotResolveIsReportedOnStandardErrorByName() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.COMPONENT);
        dist.feature("tiny", null, TestDistribution.COMPONENT + "@1"); // without the promise API it needs
        dist.boot("tiny");
        start(dist);
        assertThat(err()).contains("revisor: ERROR: bundle org.osgi.service.component 1.5.1")
                .contains("Unable to resolve")
                .contains("feature bundle(s) are not active: org.osgi.service.component");
    }

    @Test
    void featureConfigurationsAreAppliedThroughConfigurationAdminOnce() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.CONFIGADMIN);
        dist.feature("tiny", "\"configurations\": {\"org.example.greeter\": {\"greeting\": \"hello\","
                + " \"times:Integer\": 3, \"names\": [\"a\", \"b\"]}, \"org.example.factory~one\": {\"x\": true}}",
                TestDistribution.CONFIGADMIN + "@1");
        dist.boot("tiny");
        Instance instance = start(dist);
        Dictionary<String, Object> greeter = configuration(instance, "org.example.greeter");
        assertThat(greeter.get("greeting")).isEqualTo("hello");
        assertThat(greeter.get("times")).isEqualTo(3);
        assertThat((String[]) greeter.get("names")).containsExactly("a", "b");
        assertThat(configuration(instance, "org.example.factory~one").get("x")).isEqualTo(true);
        long changes = changeCount(instance, "org.example.greeter");
        stop();

        Instance again = start(dist);
        assertThat(changeCount(again, "org.example.greeter")).as("unchanged values are not written again")
                .isEqualTo(changes);
        assertThat(err()).isEmpty();
    }

    @Test
    void configurationsWithoutConfigurationAdminAreReported() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION);
        Path feature = dist.feature("tiny", "\"configurations\": {\"p\": {\"a\": 1}}",
                TestDistribution.FUNCTION + "@1");
        dist.boot("tiny");
        start(dist);
        assertThat(err()).contains(feature.toAbsolutePath() + ": its configurations [p] were not applied");
    }

    @Test
    void aJarMovedIntoDeployIsInstalledAndStarted() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"), TestDistribution.FUNCTION,
                TestDistribution.PROMISE, TestDistribution.FILEINSTALL);
        dist.feature("tiny", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@1",
                TestDistribution.FILEINSTALL + "@2");
        dist.boot("tiny");
        // plain FileInstall (no deploy bundle here) starts what it installs only when told to: Revisor ships false
        dist.config("felix.fileinstall.poll = 50\nfelix.fileinstall.start.level = 2\nfelix.fileinstall.bundles.new.start = true");
        Instance instance = start(dist);

        Path staging = Files.createDirectories(dir.resolve("staging")).resolve("component.jar");
        Files.copy(ArtifactId.parse(TestDistribution.COMPONENT).pathIn(TestDistribution.stagedSystem()), staging);
        Files.move(staging, dist.dist.resolve("deploy/component.jar"), StandardCopyOption.ATOMIC_MOVE);
        Bundle deployed = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            deployed = bundle(instance, "org.osgi.service.component");
            if (deployed != null && deployed.getState() == Bundle.ACTIVE) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(deployed).as("bundle installed from deploy/").isNotNull();
        assertThat(deployed.getState()).isEqualTo(Bundle.ACTIVE);
        assertThat(deployed.getLocation()).doesNotStartWith(FeatureBundles.LOCATION_PREFIX).contains("deploy");
    }

    @SuppressWarnings("unchecked")
    private static Dictionary<String, Object> configuration(Instance instance, String pid) throws Exception {
        Object configuration = configurationObject(instance, pid);
        Method getProperties = configurationApi(instance).getMethod("getProperties");
        return (Dictionary<String, Object>) getProperties.invoke(configuration);
    }

    private static long changeCount(Instance instance, String pid) throws Exception {
        return (Long) configurationApi(instance).getMethod("getChangeCount")
                .invoke(configurationObject(instance, pid));
    }

    private static Class<?> configurationApi(Instance instance) throws Exception {
        return configurationAdmin(instance.framework().getBundleContext()).getBundle().loadClass("org.osgi.service.cm.Configuration");
    }

    private static Object configurationObject(Instance instance, String pid) throws Exception {
        BundleContext context = instance.framework().getBundleContext();
        ServiceReference<?> reference = configurationAdmin(context);
        Class<?> api = reference.getBundle().loadClass(ConfigurationInstaller.CONFIGURATION_ADMIN);
        Object admin = context.getService(reference);
        Object[] found = (Object[]) api.getMethod("listConfigurations", String.class).invoke(admin,
                "(service.pid=" + pid + ")");
        assertThat(found).as("configuration " + pid).isNotNull().hasSize(1);
        return found[0];
    }

    private static ServiceReference<?> configurationAdmin(BundleContext context) throws Exception {
        ServiceReference<?>[] references = context.getAllServiceReferences(ConfigurationInstaller.CONFIGURATION_ADMIN,
                null);
        assertThat(references).as("ConfigurationAdmin services").isNotNull().hasSize(1);
        return references[0];
    }
}
