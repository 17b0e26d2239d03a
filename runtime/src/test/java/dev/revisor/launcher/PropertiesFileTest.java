package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PropertiesFileTest {
    private static final Map<String, String> BUILTINS = Map.of("revisor.home", "/h", "revisor.data", "/h/data");

    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        Path file = dir.resolve("config.properties");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void substitutesBuiltinsOtherKeysSystemPropertiesAndEnvironment() throws Exception {
        Properties system = new Properties();
        system.setProperty("user.name", "ada");
        Map<String, String> values = PropertiesFile.load(file(""
                + "# comment\n"
                + "cache = ${revisor.data}/cache\n"
                + "deploy = ${base}/deploy\n"
                + "base = ${revisor.home}\n"
                + "who = ${user.name} in ${env:REGION}\n"
                + "plain = value with spaces  \n"), BUILTINS, system, Map.of("REGION", "eu"));
        assertThat(values).containsEntry("cache", "/h/data/cache").containsEntry("deploy", "/h/deploy")
                .containsEntry("who", "ada in eu").containsEntry("plain", "value with spaces");
        assertThat(values.keySet()).containsExactly("cache", "deploy", "base", "who", "plain");
    }

    @Test
    void aSystemPropertyOverridesTheKeyOfTheFile() throws Exception {
        Properties system = new Properties();
        system.setProperty("felix.fileinstall.poll", "50");
        Map<String, String> values = PropertiesFile.load(file("felix.fileinstall.poll = 250\n"), BUILTINS, system,
                Map.of());
        assertThat(values).containsEntry("felix.fileinstall.poll", "50");
    }

    @Test
    void anUndefinedVariableNamesFileKeyAndVariable() throws Exception {
        Path file = file("a = ${revisor.hom}/x\n");
        assertThatThrownBy(() -> PropertiesFile.load(file, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": a: ${revisor.hom} is not defined");
    }

    @Test
    void aMissingEnvironmentVariableIsNamed() throws Exception {
        Path file = file("a = ${env:NOPE_NOT_SET}\n");
        assertThatThrownBy(() -> PropertiesFile.load(file, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("NOPE_NOT_SET is not set");
    }

    @Test
    void cyclesAndUnclosedReferencesAreErrors() throws Exception {
        Path cyclic = file("a = ${b}\nb = ${a}\n");
        assertThatThrownBy(() -> PropertiesFile.load(cyclic, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("refers to itself");
        Path unclosed = file("a = ${revisor.home\n");
        assertThatThrownBy(() -> PropertiesFile.load(unclosed, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unclosed");
    }

    @Test
    void missingAndUnreadableFilesAreNamed() throws Exception {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> PropertiesFile.load(missing, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessage(missing + ": no such file");

        Path locked = file("a = 1\n");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(locked)) { // root reads everything
            assertThatThrownBy(() -> PropertiesFile.load(locked, BUILTINS, new Properties(), Map.of()))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(locked.toString())
                    .hasMessageContaining("permission denied");
        }
        Path directory = Files.createDirectory(dir.resolve("adir.properties"));
        assertThatThrownBy(() -> PropertiesFile.load(directory, BUILTINS, new Properties(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(directory + ": cannot read it");
    }

    @Test
    void settingsRejectBadValuesNamingFileAndKey() throws Exception {
        Path file = dir.resolve("revisor.properties");
        assertThatThrownBy(() -> Settings.from(Map.of("revisor.stop.timeout", "soon"), file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": revisor.stop.timeout must be a number of seconds (an integer >= 1), not 'soon'");
        assertThatThrownBy(() -> Settings.from(Map.of("revisor.console", "yes"), file))
                .isInstanceOf(ConfigException.class).hasMessageContaining("revisor.console");
        assertThatThrownBy(() -> Settings.from(Map.of("revisor.features", "core, ../etc/passwd"), file))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'../etc/passwd'");
    }

    @Test
    void settingsDefaultsAndLists() throws Exception {
        Settings defaults = Settings.from(Map.of(), dir.resolve("r.properties"));
        assertThat(defaults.features).containsExactly("revisor-core");
        assertThat(defaults.consoleFeatures).containsExactly("revisor-console");
        assertThat(defaults.consoleAllowed).isTrue();
        assertThat(defaults.stopTimeoutSeconds).isEqualTo(30);

        Settings custom = Settings.from(Map.of("revisor.features", "a, b c,a", "revisor.features.console", "",
                "revisor.console", "off"), dir.resolve("r.properties"));
        assertThat(custom.features).containsExactly("a", "b", "c");
        assertThat(custom.consoleFeatures).isEmpty();
        assertThat(custom.consoleAllowed).isFalse();
    }
}
