package dev.revisor.shell.internal;

import java.util.List;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.revisor.deploy.api.ConfigFileDTO;
import dev.revisor.deploy.api.Configurations;
import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * {@code audit:deploys}: the deploy folder's state; with {@code --wait}, once the folder has settled (every file in it
 * taken up, no change in progress), so that scripts wait for the folder instead of sleeping. Thin: the state and the
 * waiting are the deploy bundle's.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"deploys"})
public final class DeployCommands implements CommandSet {
    private final DeployFolder folder;
    /** The configuration files of deploy/ and etc/, listed with the jars when the service runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Configurations configurations;

    @Activate
    public DeployCommands(@Reference DeployFolder folder) {
        this.folder = folder;
    }

    @Descriptor("list the deploy folder: each file, its bundle and state, how its last change ended and why")
    public String deploys(
            @Descriptor("print one JSON document instead of a table")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("first wait until the folder has settled: every file in it (and every configuration file of etc/) taken"
                    + " up as it is now, no change in progress; fails when it has not within --timeout")
            @Parameter(names = {"-w", "--wait"}, presentValue = "true", absentValue = "false") boolean wait,
            @Descriptor("how long --wait waits at most: milliseconds, or a number with ms, s, m or h (default 60s)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "60s") String timeout)
            throws InterruptedException, TimeoutException {
        long timeoutMillis = Durations.millis(timeout, "--timeout");
        long started = System.currentTimeMillis();
        DeployStatusDTO status;
        try {
            status = wait ? folder.awaitSettled(timeoutMillis) : folder.status();
        } catch (TimeoutException e) { // names files: on one line, whatever their names hold
            throw new TimeoutException(Table.escape(String.valueOf(e.getMessage())));
        }
        Configurations c = configurations;
        if (c != null) {
            try {
                // --wait: the configuration files too, within what is left of the timeout
                status.configurations = wait ? c.awaitSettled(Math.max(0, timeoutMillis - (System.currentTimeMillis() - started)))
                        : c.files();
            } catch (TimeoutException e) {
                throw new TimeoutException(Table.escape(String.valueOf(e.getMessage())));
            }
        }
        if (json) {
            return Json.of(status);
        }
        return render(status) + configs(status.configurations);
    }

    static String configs(List<ConfigFileDTO> files) {
        if (files == null || files.isEmpty()) {
            return "";
        }
        Table table = new Table("CONFIG FILE", "STATE", "PID", "OUTCOME", "OP", "REASON");
        for (ConfigFileDTO f : files) {
            table.row(f.file, f.state, f.pid == null ? "-" : f.pid, f.outcome == null ? "-" : f.outcome,
                    f.operation == null ? "-" : f.operation, f.reason == null ? "" : f.reason);
        }
        return table.toString();
    }

    static String render(DeployStatusDTO status) {
        StringBuilder out = new StringBuilder();
        out.append("deploy folder ").append(Table.escape(String.valueOf(status.folder))).append(" (api.gate=").append(status.apiGate);
        if (status.queued > 0) {
            out.append(", ").append(status.queued).append(" change(s) in progress");
        }
        out.append(")\n");
        if (!status.accepting) {
            out.append("REFUSED: ").append(Table.escape(String.valueOf(status.problem))).append('\n');
        }
        if (!status.settled && status.inProgress != null && !status.inProgress.isEmpty()) {
            out.append("not settled yet (audit:deploys --wait waits for it):\n");
            status.inProgress.forEach(p -> out.append("  ").append(Table.escape(p)).append('\n'));
        }
        if (status.files == null || status.files.isEmpty()) {
            out.append("no bundle jars in the folder\n");
            return out.toString();
        }
        Table table = new Table("FILE", "STATE", "BUNDLE", "BUNDLE STATE", "OUTCOME", "OP", "REASON");
        for (DeployFileDTO f : status.files) {
            table.row(f.file, f.state, f.bundle == null ? "-" : f.bundle.display(), f.bundleState == null ? "-" : f.bundleState,
                    f.outcome == null ? "-" : f.outcome, f.operation == null ? "-" : f.operation, f.reason == null ? "" : f.reason);
        }
        return out.append(table).toString();
    }
}
