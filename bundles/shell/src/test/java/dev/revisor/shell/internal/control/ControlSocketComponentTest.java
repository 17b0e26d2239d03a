package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

/** The DS component as SCR would drive it: constructor (activate) and deactivate. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlSocketComponentTest {
    @TempDir
    Path tmp;
    private final RecordingLogger log = new RecordingLogger();
    private final BundleContext context = mock(BundleContext.class);
    private final FakeGogo gogo = new FakeGogo((line, out, err, in) -> "ran " + line);
    private ControlSocketComponent component;

    @AfterEach
    void tearDown() {
        if (component != null) {
            component.deactivate();
        }
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void withNeitherConfigNorFrameworkPropertyItServesNothingAndSaysSo() throws Exception {
        component = new ControlSocketComponent(context, config(""), gogo.processor, log.logger);

        assertThat(component.socket()).isNull();
        assertThat(ControlServerTest.controlThreads()).isEmpty();
        assertThat(log.at("INFO")).singleElement().asString().contains("no control socket configured",
                "dev.revisor.shell.control", "revisor.control.socket");
    }

    @Test
    void theFrameworkPropertySetByTheLauncherNamesTheSocket() throws Exception {
        Path socket = tmp.resolve("data/run/control.sock");
        when(context.getProperty("revisor.control.socket")).thenReturn(socket.toString());

        component = new ControlSocketComponent(context, config(""), gogo.processor, log.logger);

        assertThat(component.socket()).isEqualTo(socket);
        assertThat(TestClient.run(socket, "lb").out()).isEqualTo("inspect:ran lb\n");
        assertThat(log.at("INFO")).anyMatch(l -> l.contains("control socket listening at " + socket));

        component.deactivate();
        component = null;
        assertThat(socket).doesNotExist();
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void theConfiguredPathOverridesTheFrameworkProperty() throws Exception {
        Path configured = tmp.resolve("configured/control.sock");
        when(context.getProperty("revisor.control.socket")).thenReturn(tmp.resolve("launcher/control.sock").toString());

        component = new ControlSocketComponent(context, config(configured.toString()), gogo.processor, log.logger);

        assertThat(component.socket()).isEqualTo(configured);
        assertThat(tmp.resolve("launcher")).doesNotExist();
        assertThat(TestClient.run(configured, "x").status()).isZero();
    }

    @Test
    void activationFailsNamingThePathWhenTheDirectoryBelongsToAnotherUser() throws Exception {
        // Making a directory that belongs to another user needs chown, which only root may call. CI and the
        // development machines run as root, so this runs there; elsewhere it is skipped, not passed.
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a directory away");
        Path dir = Files.createDirectories(tmp.resolve("run"));
        UserPrincipal nobody = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(dir, nobody);
        when(context.getProperty("revisor.control.socket")).thenReturn(dir.resolve("control.sock").toString());

        assertThatThrownBy(() -> new ControlSocketComponent(context, config(""), gogo.processor, log.logger))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("is owned by nobody, not by root");
        assertThat(log.at("ERROR")).singleElement().asString().contains(dir.toString(), "owned by nobody");
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void aSocketPathTooLongForTheKernelIsRefusedNamingIt() {
        Path socket = tmp.resolve("x".repeat(120)).resolve("control.sock");
        when(context.getProperty("revisor.control.socket")).thenReturn(socket.toString());

        assertThatThrownBy(() -> new ControlSocketComponent(context, config(""), gogo.processor, log.logger))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot open the control socket " + socket + ": ")
                .hasMessageContaining("too long");
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void nonsensicalLimitsAreRefusedByName() {
        when(context.getProperty("revisor.control.socket")).thenReturn(tmp.resolve("run/control.sock").toString());

        assertThatThrownBy(() -> new ControlSocketComponent(context, config("", 0, 1024, 1000), gogo.processor,
                log.logger)).isInstanceOf(IllegalArgumentException.class).hasMessage("max.concurrent must be at least 1, is 0");
        assertThat(tmp.resolve("run")).doesNotExist();
    }

    private static ControlSocketComponent.Config config(String path) {
        return config(path, 16, ControlProtocol.MAX_REQUEST_BYTES, 10_000);
    }

    private static ControlSocketComponent.Config config(String path, int maxConcurrent, int maxRequestBytes,
            long requestTimeoutMillis) {
        return new ControlSocketComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ControlSocketComponent.Config.class;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public int max_concurrent() {
                return maxConcurrent;
            }

            @Override
            public int max_request_bytes() {
                return maxRequestBytes;
            }

            @Override
            public long request_timeout_ms() {
                return requestTimeoutMillis;
            }

            @Override
            public long write_timeout_ms() {
                return ControlServer.Settings.DEFAULT_WRITE_TIMEOUT_MILLIS;
            }

            @Override
            public long command_timeout_ms() {
                return ControlServer.Settings.DEFAULT_COMMAND_TIMEOUT_MILLIS;
            }

            @Override
            public long pressure_idle_ms() {
                return ControlServer.Settings.DEFAULT_PRESSURE_IDLE_MILLIS;
            }

            @Override
            public int max_request_specials() {
                return RequestGuard.MAX_SPECIALS;
            }
        };
    }
}
