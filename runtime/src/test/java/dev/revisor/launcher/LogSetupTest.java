package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the launcher points Logback at etc/logback.xml. */
class LogSetupTest {
    @TempDir
    Path dir;

    @Test
    void theHomesLogbackXmlWinsAndLogbackLearnsTheHome() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"));
        Path home = dir.resolve("home");
        Layout layout = dist.layout(home);
        Properties system = new Properties();
        assertThat(LogSetup.apply(layout, system)).isEqualTo(dist.dist.resolve("etc/logback.xml").toAbsolutePath());
        assertThat(system.getProperty("revisor.data")).isEqualTo(home.resolve("data").toAbsolutePath().toString());

        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/logback.xml"), "<configuration/>");
        system = new Properties();
        assertThat(LogSetup.apply(layout, system)).isEqualTo(home.resolve("etc/logback.xml").toAbsolutePath());
        assertThat(system.getProperty("logback.configurationFile"))
                .isEqualTo(home.resolve("etc/logback.xml").toAbsolutePath().toString());
        assertThat(system.getProperty("revisor.home")).isEqualTo(home.toAbsolutePath().toString());
    }

    @Test
    void aFileGivenWithMinusDIsLeftAlone() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"));
        Properties system = new Properties();
        system.setProperty("logback.configurationFile", "/elsewhere/logback.xml");
        assertThat(LogSetup.apply(dist.layout(dir.resolve("home")), system)).isEqualTo(Path.of("/elsewhere/logback.xml"));
        assertThat(system.getProperty("logback.configurationFile")).isEqualTo("/elsewhere/logback.xml");
    }

    @Test
    void aLogbackXmlThatIsNotWellFormedStopsTheStartNamingTheFileAndLine() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"));
        Path home = dir.resolve("home");
        Path file = malformedLogbackXml(home);
        assertThatThrownBy(() -> LogSetup.apply(dist.layout(home), new Properties()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file.toAbsolutePath() + ": line 3: not well-formed XML");
    }

    @Test
    void checkedOnTheLaunchersEarlyThreadAMalformedLogbackXmlStillStopsTheStart() throws Exception {
        TestDistribution dist = TestDistribution.create(dir.resolve("dist"));
        Path home = dir.resolve("home");
        Path file = malformedLogbackXml(home);
        Layout layout = dist.layout(home);
        Properties system = new Properties();
        assertThat(LogSetup.fileToCheck(layout, system)).isEqualTo(file.toAbsolutePath());
        try (EarlyWork early = EarlyWork.begin(LogSetup.fileToCheck(layout, system))) {
            assertThatThrownBy(() -> LogSetup.apply(layout, system, early::awaitCheck))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(file.toAbsolutePath() + ": line 3: not well-formed XML");
        }
        assertThat(system.getProperty(LogSetup.CONFIGURATION_FILE)).isNull();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(EarlyWork.THREAD_NAME));

        Files.writeString(file, "<configuration/>\n");
        try (EarlyWork early = EarlyWork.begin(LogSetup.fileToCheck(layout, system))) {
            assertThat(LogSetup.apply(layout, system, early::awaitCheck)).isEqualTo(file.toAbsolutePath());
        }
        system.setProperty(LogSetup.CONFIGURATION_FILE, "/elsewhere/logback.xml");
        assertThat(LogSetup.fileToCheck(layout, system)).as("a file the user names is not checked").isNull();
    }

    @Test
    void theShippedLogbackXmlIsWellFormed() throws Exception {
        LogSetup.checkWellFormed(TestDistribution.shippedEtc().resolve("logback.xml"));
    }

    /** Writes a home's etc/logback.xml whose third line closes an element that is not open. */
    private static Path malformedLogbackXml(Path home) throws java.io.IOException {
        Files.createDirectories(home.resolve("etc"));
        Path file = home.resolve("etc/logback.xml");
        Files.writeString(file, "<configuration>\n  <logger name=\"x\" level=\"INFO\">\n</configuration>\n");
        return file;
    }
}
