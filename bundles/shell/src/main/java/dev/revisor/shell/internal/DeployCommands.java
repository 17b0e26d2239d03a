package dev.revisor.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.deploy.api.DeployFileDTO;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * {@code audit:deploys}: the deploy folder's state. Thin: the state is the deploy bundle's.
 */
@Component(service = DeployCommands.class)
@GogoCommand(scope = "audit", function = {"deploys"})
public final class DeployCommands {
    private final DeployFolder folder;

    @Activate
    public DeployCommands(@Reference DeployFolder folder) {
        this.folder = folder;
    }

    @Descriptor("list the deploy folder: each file, its bundle and state, how its last change ended and why")
    public String deploys(
            @Descriptor("print one JSON document instead of a table")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        DeployStatusDTO status = folder.status();
        if (json) {
            return Json.of(status);
        }
        return render(status);
    }

    static String render(DeployStatusDTO status) {
        StringBuilder out = new StringBuilder();
        out.append("deploy folder ").append(status.folder).append(" (api.gate=").append(status.apiGate);
        if (status.queued > 0) {
            out.append(", ").append(status.queued).append(" change(s) in progress");
        }
        out.append(")\n");
        if (!status.accepting) {
            out.append("REFUSED: ").append(status.problem).append('\n');
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
