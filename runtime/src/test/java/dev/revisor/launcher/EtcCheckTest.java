package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every value of etc/ that Revisor or FileInstall reads is checked at start: a bad one refuses the start with a
 * message naming the file, the key, the value and what is allowed (issue 19: these were read silently as something
 * else).
 */
class EtcCheckTest {
    @TempDir
    Path dir;

    /** A distribution booting the audit (3), the shell (4) and FileInstall (5), like revisor-core; shipped etc/. */
    private TestDistribution distribution() {
        return distribution("dist");
    }

    private TestDistribution distribution(String name) {
        TestDistribution dist = TestDistribution.create(dir.resolve(name));
        dist.feature("core", null, TestDistribution.FUNCTION + "@1", "dev.revisor:dev.revisor.audit:1.0.0@3",
                "dev.revisor:dev.revisor.shell:1.0.0@4", "dev.revisor:dev.revisor.deploy:1.0.0@4",
                TestDistribution.FILEINSTALL + "@5");
        dist.boot("core");
        return dist;
    }

    private static BootPlan load(TestDistribution dist) throws Exception {
        return BootPlan.load(dist.layout(), false, new Properties(), Map.of());
    }

    private Path config(TestDistribution dist) {
        return dist.dist.resolve("etc/config.properties").toAbsolutePath();
    }

    @Test
    void theShippedSettingsPass() throws Exception {
        BootPlan plan = load(distribution());
        assertThat(plan.frameworkProperties).containsEntry("felix.fileinstall.start.level", "5")
                .containsEntry("org.osgi.framework.startlevel.beginning", "5");
    }

    @Test
    void aBooleanThatIsNeitherTrueNorFalseRefusesTheStart() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.bundles.new.start = maybe");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": felix.fileinstall.bundles.new.start must be true or false, not 'maybe'");
    }

    @Test
    void aDeployStartLevelOfZeroWouldStartDeployedBundlesBeforeTheAuditAndTheShell() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.start.level = 0");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": felix.fileinstall.start.level must be an integer from 5 to 5 (after dev.revisor.shell (4), at most"
                + " org.osgi.framework.startlevel.beginning = 5), not '0': unset or 0 puts deployed bundles at"
                + " felix.startlevel.bundle (1), so on a restart they would start before the audit and the shell");
    }

    @Test
    void aDeployStartLevelAtTheShellsLevelIsRefusedToo() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.start.level = 4");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("felix.fileinstall.start.level must be an integer from 5 to 5")
                .hasMessageContaining("not '4'");
    }

    @Test
    void aDeployStartLevelAboveTheBeginningLevelWouldNeverStartThem() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.start.level = 7");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": felix.fileinstall.start.level must be an integer from 5 to 5 (after dev.revisor.shell (4), at most"
                + " org.osgi.framework.startlevel.beginning = 5), not '7': above the beginning start level deployed"
                + " bundles never start");
    }

    @Test
    void aHigherBeginningLevelAllowsAHigherDeployStartLevel() throws Exception {
        TestDistribution dist = distribution();
        dist.config("org.osgi.framework.startlevel.beginning = 8\nfelix.fileinstall.start.level = 7");
        assertThat(load(dist).frameworkProperties).containsEntry("felix.fileinstall.start.level", "7");
    }

    @Test
    void anActiveLevelAboveTheBeginningLevelWouldNeverScan() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.active.level = 9");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("felix.fileinstall.active.level must be an integer from 0 to 5")
                .hasMessageContaining("not '9'");
    }

    @Test
    void withoutFileInstallNoDeployStartLevelIsChecked() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("bare"));
        dist.feature("base", null, TestDistribution.FUNCTION + "@2");
        dist.boot("base");
        dist.config("felix.fileinstall.start.level = 9");
        assertThat(load(dist).frameworkProperties).containsEntry("felix.fileinstall.start.level", "9");
    }

    @Test
    void aStorageCleanValueOtherThanNoneOrOnFirstInitRefusesTheStart() throws Exception {
        TestDistribution dist = distribution();
        dist.config("org.osgi.framework.storage.clean = bogus");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": org.osgi.framework.storage.clean must be none or onFirstInit, not 'bogus'");
        TestDistribution ok = distribution("ok");
        ok.config("org.osgi.framework.storage.clean = onFirstInit");
        assertThat(load(ok).frameworkProperties).containsEntry("org.osgi.framework.storage.clean", "onFirstInit");
    }

    @Test
    void aMisspeltRevisorKeyIsRefusedWithADidYouMean() {
        TestDistribution dist = distribution();
        dist.write("etc/revisor.properties", "revisor.featurs = core\n");
        Path file = dist.dist.resolve("etc/revisor.properties").toAbsolutePath();
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(file
                + ": unknown key 'revisor.featurs'; did you mean 'revisor.features'? (the keys of this file:"
                + " revisor.features, revisor.features.console, revisor.console, revisor.stop.timeout,"
                + " revisor.control.allow.users, revisor.control.allow.groups)");
    }

    @Test
    void anUnknownRevisorKeyWithoutANearOneListsTheKnownKeys() {
        TestDistribution dist = distribution();
        dist.write("etc/revisor.properties", "revisor.features = core\nrevisor.colour = blue\n");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("revisor.properties: unknown key 'revisor.colour' (the keys of this file:");
    }

    @Test
    void aFrameworkPropertyInRevisorPropertiesIsSentToConfigProperties() {
        TestDistribution dist = distribution();
        dist.write("etc/revisor.properties", "revisor.features = core\nfelix.fileinstall.poll = 50\n");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'felix.fileinstall.poll'; framework properties belong in config.properties");
    }

    @Test
    void aMisspeltFileInstallKeyIsRefusedBeforeFileInstallIgnoresIt() {
        TestDistribution dist = distribution();
        dist.config("felix.fileinstall.bundles.new.strat = false");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessageStartingWith(config(dist)
                + ": unknown key 'felix.fileinstall.bundles.new.strat'; did you mean 'felix.fileinstall.bundles.new.start'?");
    }

    @Test
    void aRevisorKeyInConfigPropertiesIsRefusedUnlessTheLauncherSetsIt() throws Exception {
        TestDistribution dist = distribution();
        dist.config("revisor.features = core");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(": unknown key 'revisor.features'; it belongs in revisor.properties");
        TestDistribution typo = distribution("typo");
        typo.config("revisor.dta = /tmp/x");
        assertThatThrownBy(() -> load(typo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(": unknown key 'revisor.dta'; did you mean 'revisor.data'?");
    }

    @Test
    void aMisspeltCheckedFrameworkKeyIsRefused() {
        TestDistribution dist = distribution();
        dist.config("org.osgi.framework.storage.claen = onFirstInit");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": unknown key 'org.osgi.framework.storage.claen'; did you mean 'org.osgi.framework.storage.clean'?");
    }

    @Test
    void scrsMetadataCacheIsTrueOrFalse() {
        TestDistribution dist = distribution();
        dist.config("ds.cache.metadata = yes");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class)
                .hasMessage(config(dist) + ": ds.cache.metadata must be true or false, not 'yes'");
    }

    @Test
    void aMisspeltMetadataCacheKeyIsNamed() {
        TestDistribution dist = distribution();
        dist.config("ds.cache.metdata = true");
        assertThatThrownBy(() -> load(dist)).isInstanceOf(ConfigException.class).hasMessage(config(dist)
                + ": unknown key 'ds.cache.metdata'; did you mean 'ds.cache.metadata'?");
    }

    @Test
    void otherFileInstallValuesAreCheckedToo() {
        String[][] bad = {
            {"felix.fileinstall.noInitialDelay = yes", "must be true or false, not 'yes'"},
            {"felix.fileinstall.subdir.mode = deep", "must be one of jar, skip, recurse, not 'deep'"},
            {"felix.fileinstall.optionalImportRefreshScope = some", "must be one of none, managed, all"},
            {"felix.fileinstall.log.level = 9", "must be an integer from 0 to 4, not '9'"},
            {"felix.fileinstall.filter = *.jar", "must be a Java regular expression, not '*.jar'"},
            {"felix.fileinstall.configEncoding = no-such-charset", "must be a character set name"},
            {"felix.log.level = 12", "felix.log.level must be an integer from 0 to 4, not '12'"},
        };
        for (String[] line : bad) {
            TestDistribution dist = TestDistribution.create(dir.resolve("d" + Math.abs(line[0].hashCode())));
            dist.feature("core", null, TestDistribution.FUNCTION + "@1", TestDistribution.FILEINSTALL + "@5");
            dist.boot("core");
            dist.config(line[0]);
            assertThatThrownBy(() -> load(dist)).as(line[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(line[1]);
        }
    }

    @Test
    void closeKeysAreFoundAndFarOnesAreNot() {
        assertThat(EtcCheck.distance("revisor.featurs", "revisor.features")).isEqualTo(1);
        assertThat(EtcCheck.distance("ab", "ba")).isEqualTo(1);
        assertThat(EtcCheck.closest("revisor.consol", Settings.KEYS)).isEqualTo("revisor.console");
        assertThat(EtcCheck.closest("revisor.colour", Settings.KEYS)).isNull();
    }

    @Test
    void theBoundedDistanceAgreesWithTheFullOneUpToItsLimit() {
        String[] words = {"", "a", "ab", "ba", "abc", "acb", "felix.log.level", "felix.log.levle", "felix.lgo.level",
            "org.osgi.framework.storage", "org.osgi.framework.storage.clean", "felix.startlevel.bundle",
            "felix.startlevle.bundel", "revisor.fleet.member", "revisor.fleet.membre", "xyz"};
        for (String a : words) {
            for (String b : words) {
                int full = EtcCheck.distance(a, b);
                for (int limit = 0; limit <= 4; limit++) {
                    int bounded = EtcCheck.distance(a, b, limit);
                    if (full <= limit) {
                        assertThat(bounded).as(a + " / " + b + " within " + limit).isEqualTo(full);
                    } else {
                        assertThat(bounded).as(a + " / " + b + " within " + limit).isGreaterThan(limit);
                    }
                }
            }
        }
        assertThat(EtcCheck.closest("felix.lgo.level", EtcCheck.checkedKeys())).isEqualTo("felix.log.level");
    }
}
