package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The server side of the control socket (docs/control-socket.md): {@code bin/revisor exec} and
 * {@code bin/revisor stop} send Gogo command lines through it. The work is done by a {@link ControlServer}
 * that this component owns from activation to deactivation.
 * <p>
 * Concurrent Semantics: activated and deactivated by SCR; holds no mutable state.
 */
@Component(configurationPid = ControlSocketComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = ControlSocketComponent.Config.class)
public final class ControlSocketComponent {
    static final String PID = "dev.revisor.shell.control";
    /** Set by the launcher to {@code $REVISOR_HOME/data/run/control.sock}. */
    static final String SOCKET_PROPERTY = "revisor.control.socket";
    /** Set by the launcher from etc/revisor.properties: further users who may use the socket. */
    static final String ALLOW_USERS_PROPERTY = "revisor.control.allow.users";
    /** Set by the launcher from etc/revisor.properties: groups whose members may use the socket. */
    static final String ALLOW_GROUPS_PROPERTY = "revisor.control.allow.groups";

    @ObjectClassDefinition(name = "Revisor control socket",
            description = "The local Unix domain socket through which bin/revisor exec runs Gogo commands")
    public @interface Config {
        @AttributeDefinition(description = "Path of the socket; empty: the framework property revisor.control.socket. "
                + "Its directory is made (or tightened to) mode 0700 and must belong to the user running Revisor")
        String path() default "";

        @AttributeDefinition(description = "How many connections are served at once; further clients wait")
        int max_concurrent() default 16;

        @AttributeDefinition(description = "Longest command line accepted, in bytes")
        int max_request_bytes() default ControlProtocol.MAX_REQUEST_BYTES;

        @AttributeDefinition(description = "How long a client may take to send its whole request, in milliseconds")
        long request_timeout_ms() default 10_000;

        @AttributeDefinition(description = "How long a client may read nothing while output waits for it, in "
                + "milliseconds; then the connection is closed and the command's further output discarded")
        long write_timeout_ms() default ControlServer.Settings.DEFAULT_WRITE_TIMEOUT_MILLIS;

        @AttributeDefinition(description = "How long one command may run, in milliseconds; then the client is told, "
                + "the command's thread interrupted and its slot given back")
        long command_timeout_ms() default ControlServer.Settings.DEFAULT_COMMAND_TIMEOUT_MILLIS;

        @AttributeDefinition(description = "While every slot is taken and a new client waits: how long a connection "
                + "may wait for its client (to send its request or to read) before it is closed, in milliseconds")
        long pressure_idle_ms() default ControlServer.Settings.DEFAULT_PRESSURE_IDLE_MILLIS;

        @AttributeDefinition(description = "Most characters with a meaning to Gogo's parser (; & | < > = quotes "
                + "brackets braces $ ` \\ line breaks) in one command line")
        int max_request_specials() default RequestGuard.MAX_SPECIALS;
    }

    private final ControlServer server; // null: no socket configured

    @Activate
    public ControlSocketComponent(BundleContext context, Config config, @Reference CommandProcessor processor,
            @Reference(service = LoggerFactory.class) Logger logger) throws IOException {
        Path socket = socketPath(config.path(), context.getProperty(SOCKET_PROPERTY));
        if (socket == null) {
            logger.info("no control socket configured (neither {} path nor the framework property {} is set): "
                    + "bin/revisor exec cannot reach this instance", PID, SOCKET_PROPERTY);
            this.server = null;
            return;
        }
        ControlServer.Settings settings = new ControlServer.Settings(config.max_concurrent(),
                config.max_request_bytes(), config.request_timeout_ms(), config.write_timeout_ms(),
                config.command_timeout_ms(), config.pressure_idle_ms(), config.max_request_specials());
        UserPrincipal owner = SocketDirectory.currentUser(FileSystems.getDefault());
        PeerCredentials access = new PeerCredentials(owner.getName(),
                names(context.getProperty(ALLOW_USERS_PROPERTY)), names(context.getProperty(ALLOW_GROUPS_PROPERTY)));
        try {
            this.server = ControlServer.start(socket, owner, settings, access, processor, logger);
        } catch (IOException e) {
            logger.error("{}", e.getMessage());
            throw e; // the message names the path; SCR reports the failed activation with it
        }
        logger.info("control socket listening at {} (at most {} connections at once)", server.socket(),
                settings.maxConcurrent());
    }

    /** @return the names in a list separated by commas or blanks */
    static Set<String> names(String list) {
        Set<String> names = new LinkedHashSet<>();
        if (list != null) {
            for (String name : list.trim().split("[,\\s]+")) {
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** @return the configured path, else the framework property, else {@code null} */
    static Path socketPath(String configured, String frameworkProperty) {
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured.trim()).toAbsolutePath();
        }
        if (frameworkProperty != null && !frameworkProperty.isBlank()) {
            return Paths.get(frameworkProperty.trim()).toAbsolutePath();
        }
        return null;
    }

    /** @return the socket being served, or {@code null} when none is configured */
    Path socket() {
        return server == null ? null : server.socket();
    }

    @Deactivate
    void deactivate() {
        if (server != null) {
            server.close();
        }
    }
}
