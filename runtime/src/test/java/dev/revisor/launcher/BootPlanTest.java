package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootPlanTest {
    @TempDir
    Path dir;

    private TestDistribution distribution() {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"));
        dist.feature("base", null, TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@2");
        dist.feature("extra", null, TestDistribution.CONFIGADMIN + "@4", TestDistribution.PROMISE + "@3");
        dist.feature("tty", null, TestDistribution.COMPONENT + "@6");
        dist.write("etc/revisor.properties", "revisor.features = base, extra\nrevisor.features.console = tty\n");
        return dist;
    }

    private static BootPlan load(Layout layout, boolean console) throws Exception {
        return BootPlan.load(layout, console, new Properties(), Map.of());
    }

    @Test
    void frameworkPropertiesCarryAbsolutePathsAndTheHighestStartOrder() throws Exception {
        TestDistribution dist = distribution();
        BootPlan plan = load(dist.layout(), false);
        Path home = dist.dist.toAbsolutePath();
        assertThat(plan.frameworkProperties)
                .containsEntry("revisor.home", home.toString())
                .containsEntry("revisor.data", home.resolve("data").toString())
                .containsEntry("revisor.dist", home.toString())
                .containsEntry("revisor.lib", home.resolve("lib").toString())
                .containsEntry("revisor.control.socket", home.resolve("data/run/control.sock").toString())
                .containsEntry("org.osgi.framework.storage", home.resolve("data/cache").toString())
                .containsEntry("felix.fileinstall.dir", home.resolve("deploy").toString())
                .containsEntry("org.osgi.framework.startlevel.beginning", "4");
        assertThat(Integer.parseInt(plan.frameworkProperties.get("felix.fileinstall.poll"))).isLessThanOrEqualTo(250);
        assertThat(plan.interactive).isFalse();
        assertThat(plan.featureNames()).isEqualTo("base, extra");
    }

    @Test
    void aBundleInTwoFeaturesGetsTheLowerStartOrderWithAWarning() throws Exception {
        BootPlan plan = load(distribution().layout(), false);
        assertThat(plan.bundles).extracting(b -> b.id().toString() + "@" + b.startOrder()).containsExactly(
                TestDistribution.FUNCTION + "@1", TestDistribution.PROMISE + "@2", TestDistribution.CONFIGADMIN + "@4");
        assertThat(plan.warnings).anySatisfy(w -> assertThat(w).contains("extra.json").contains("the lower wins"));
        assertThat(plan.bundles.get(0).location()).isEqualTo("revisor:feature:" + TestDistribution.FUNCTION);
    }

    @Test
    void consoleFeaturesBootOnlyWhenInteractiveAndAllowed() throws Exception {
        TestDistribution dist = distribution();
        BootPlan interactive = load(dist.layout(), true);
        assertThat(interactive.interactive).isTrue();
        assertThat(interactive.featureNames()).isEqualTo("base, extra, tty");
        assertThat(interactive.frameworkProperties).containsEntry("org.osgi.framework.startlevel.beginning", "6");

        dist.write("etc/revisor.properties", "revisor.features = base\nrevisor.features.console = tty\n"
                + "revisor.console = off\n");
        BootPlan off = load(dist.layout(), true);
        assertThat(off.interactive).isFalse();
        assertThat(off.featureNames()).isEqualTo("base");
    }

    @Test
    void anOtherHomeFallsBackToTheDistributionsEtcAndGetsCopiesOnTheFirstRun() throws Exception {
        TestDistribution dist = distribution();
        Path home = dir.resolve("elsewhere");
        Layout layout = dist.layout(home);
        assertThat(BootPlan.etcFile(layout, "config.properties"))
                .isEqualTo(dist.dist.resolve("etc/config.properties").toAbsolutePath());
        List<Path> created = BootPlan.provideDefaults(layout);
        assertThat(created).containsExactly(home.resolve("etc/revisor.properties"),
                home.resolve("etc/config.properties"), home.resolve("etc/logback.xml"));
        assertThat(BootPlan.provideDefaults(layout)).isEmpty();
        BootPlan plan = load(layout, false);
        assertThat(plan.frameworkProperties).containsEntry("revisor.home", home.toString())
                .containsEntry("revisor.dist", dist.dist.toAbsolutePath().toString())
                .containsEntry("felix.fileinstall.dir", home.resolve("deploy").toString());
    }

    @Test
    void aFeatureInTheHomeShadowsTheDistributionsOne() throws Exception {
        TestDistribution dist = distribution();
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("features"));
        Files.writeString(home.resolve("features/base.json"),
                "{\"id\": \"mine:base:2\", \"bundles\": [\"" + TestDistribution.FUNCTION + "\"]}");
        BootPlan plan = load(dist.layout(home), false);
        assertThat(plan.features.get(0).id().toString()).isEqualTo("mine:base:2");
    }

    @Test
    void aNonNumericStartLevelRefusesTheStartNamingFileAndKey() throws Exception {
        TestDistribution dist = distribution();
        dist.config("org.osgi.framework.startlevel.beginning = high");
        Path config = dist.dist.resolve("etc/config.properties").toAbsolutePath();
        assertThatThrownBy(() -> load(dist.layout(), false)).isInstanceOf(ConfigException.class)
                .hasMessage(config + ": org.osgi.framework.startlevel.beginning must be an integer (an integer >= 1),"
                        + " not 'high'");
    }

    @Test
    void aNonNumericPollIntervalRefusesTheStart() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.poll = 0.25s");
        assertThatThrownBy(() -> load(dist.layout(), false)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("config.properties: felix.fileinstall.poll must be an integer");
    }

    @Test
    void aFeatureWithoutAFileRefusesTheStartNamingWhereItLooked() {
        TestDistribution dist = distribution();
        dist.write("etc/revisor.properties", "revisor.features = base, nosuch\n");
        Path etc = dist.dist.resolve("etc/revisor.properties").toAbsolutePath();
        assertThatThrownBy(() -> load(dist.layout(), false)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(etc + ": names the feature 'nosuch' but there is no ")
                .hasMessageContaining("features/nosuch.json");
    }

    @Test
    void aMalformedFeatureRefusesTheStart() {
        TestDistribution dist = distribution();
        Path broken = dist.write("features/extra.json", "{\"id\": \"a:b:1\", \"bundles\": [");
        assertThatThrownBy(() -> load(dist.layout(), false)).isInstanceOf(FeatureException.class)
                .hasMessageStartingWith(broken.toAbsolutePath() + ": malformed JSON");
    }

    @Test
    void launcherPropertiesCannotBeOverriddenInConfig() throws Exception {
        TestDistribution dist = distribution();
        dist.config("revisor.control.socket = /tmp/elsewhere.sock");
        BootPlan plan = load(dist.layout(), false);
        assertThat(plan.frameworkProperties.get("revisor.control.socket")).endsWith("data/run/control.sock");
        assertThat(plan.warnings).anySatisfy(w -> assertThat(w).contains("revisor.control.socket is set by the"));
    }

    @Test
    void aBeginningStartLevelBelowTheFeaturesIsKeptWithAWarning() throws Exception {
        TestDistribution dist = distribution();
        dist.config("org.osgi.framework.startlevel.beginning = 2");
        BootPlan plan = load(dist.layout(), false);
        assertThat(plan.frameworkProperties).containsEntry("org.osgi.framework.startlevel.beginning", "2");
        assertThat(plan.warnings).anySatisfy(w -> assertThat(w).contains("will not start"));
    }
}
