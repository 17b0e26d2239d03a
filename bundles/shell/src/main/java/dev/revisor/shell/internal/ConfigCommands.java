package dev.revisor.shell.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.audit.api.Operations;
import dev.revisor.deploy.api.ConfigChangeDTO;
import dev.revisor.deploy.api.ConfigEntryDTO;
import dev.revisor.deploy.api.ConfigPlanDTO;
import dev.revisor.deploy.api.Configurations;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;

/**
 * {@code audit:config}: the configurations in force with their source and history; {@code audit:config set PID
 * key=value ...} and {@code audit:config delete PID} as checked, verified, journaled changes. Thin: the work is the
 * deploy bundle's {@link Configurations} service.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"config"})
public final class ConfigCommands implements CommandSet {
    private final Configurations configurations;

    @Activate
    public ConfigCommands(@Reference Configurations configurations) {
        this.configurations = configurations;
    }

    @Descriptor("show the configurations in force (with the file they came from) and one PID's history; 'set PID key=value ...'"
            + " sets keys, 'delete PID' deletes it: each change checked against Metatype, verified and journaled")
    public String config(
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("how many recorded changes of the PID to show (default 10)")
            @Parameter(names = {"-n", "--number"}, absentValue = "10") int number,
            @Descriptor("nothing (every configuration), a PID, 'set PID key=value ...', or 'delete PID'") String... args)
            throws InterruptedException {
        List<String> a = args == null ? List.of() : List.of(args);
        if (!a.isEmpty() && a.get(0).equals("set")) {
            if (a.size() < 3) {
                throw new IllegalArgumentException("usage: audit:config set PID key=value [key=value ...]");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (String kv : a.subList(2, a.size())) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'" + kv + "' is not key=value");
                }
                values.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
            }
            // the trigger names the keys, never the values (a password typed here stays out of the journal)
            String trigger = Operations.TRIGGER_SHELL + "audit:config set " + a.get(1) + " " + String.join(",", values.keySet());
            return change(configurations.set(a.get(1), values, trigger), json);
        }
        if (!a.isEmpty() && a.get(0).equals("delete")) {
            if (a.size() != 2) {
                throw new IllegalArgumentException("usage: audit:config delete PID");
            }
            return change(configurations.delete(a.get(1), Operations.TRIGGER_SHELL + "audit:config delete " + a.get(1)), json);
        }
        if (a.size() > 1) {
            throw new IllegalArgumentException("name one PID, or 'set PID key=value ...', or 'delete PID'");
        }
        String pid = a.isEmpty() ? null : a.get(0);
        List<ConfigEntryDTO> entries = configurations.current(pid);
        List<ConfigChangeDTO> history = pid == null ? List.of() : configurations.history(pid, number);
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("configurations", entries);
            if (pid != null) {
                doc.put("history", history);
            }
            return Json.of(doc);
        }
        StringBuilder out = new StringBuilder();
        if (pid == null) {
            if (entries.isEmpty()) {
                return "no configurations\n";
            }
            Table table = new Table("PID", "SOURCE", "KEYS", "COMPONENTS");
            for (ConfigEntryDTO e : entries) {
                table.row(e.pid, e.source, e.values.size(), String.join(", ", e.components));
            }
            return out.append(table).toString();
        }
        if (entries.isEmpty()) {
            out.append("no configuration ").append(pid).append(" in force\n");
        }
        for (ConfigEntryDTO e : entries) {
            out.append(e.pid).append(" (from ").append(e.source).append(")\n");
            e.values.forEach((k, v) -> out.append("  ").append(k).append(" = ").append(Table.escape(String.valueOf(v))).append('\n'));
            if (!e.components.isEmpty()) {
                out.append("  components: ").append(String.join(", ", e.components)).append('\n');
            }
        }
        if (!history.isEmpty()) {
            out.append("history:\n");
            Table table = new Table("TIME", "OP", "ACTION", "OUTCOME", "FROM", "CHANGES");
            for (ConfigChangeDTO c : history) {
                table.row(c.time, c.operation == null ? "-" : c.operation, c.action, c.outcome, c.trigger == null ? "-" : c.trigger,
                        c.diff == null ? "" : String.join("; ", c.diff));
            }
            out.append(table);
        }
        return out.toString();
    }

    private static String change(ConfigChangeDTO c, boolean json) {
        String text = json ? Json.of(c) : render(c);
        if (!"succeeded".equals(c.outcome)) {
            throw new IllegalArgumentException(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        }
        return text;
    }

    static String render(ConfigChangeDTO c) {
        StringBuilder out = new StringBuilder();
        out.append(c.action).append(' ').append(c.pid).append(": ").append(c.outcome)
                .append(c.operation == null ? "" : " (" + c.operation + ")").append('\n');
        if (c.reason != null) {
            out.append("  ").append(Table.escape(c.reason)).append('\n');
        }
        if (c.diff != null) {
            c.diff.forEach(d -> out.append("  ").append(Table.escape(d)).append('\n'));
        }
        section(out, "modified", c.modified);
        section(out, "reactivated", c.reactivated);
        section(out, "deactivated", c.deactivated);
        return out.toString();
    }

    private static void section(StringBuilder out, String what, List<String> names) {
        if (names != null && !names.isEmpty()) {
            out.append("  ").append(what).append(": ").append(String.join(", ", names)).append('\n');
        }
    }

    static String render(ConfigPlanDTO plan) {
        StringBuilder out = new StringBuilder();
        out.append("configuration ").append(plan.pid).append(plan.exists ? " (exists" : " (does not exist yet")
                .append(plan.described ? ", checked against its Metatype description)" : ", no Metatype description)")
                .append('\n');
        if (plan.components.isEmpty()) {
            return out.append("no DS component takes this PID: a change reconfigures nothing\n").toString();
        }
        Table table = new Table("COMPONENT", "BUNDLE", "STATE", "ON CHANGE", "ON DELETE", "WHY");
        for (ConfigPlanDTO.Entry e : plan.components) {
            table.row(e.component, e.bundle, e.state, e.onChange, e.onDelete, e.why);
        }
        return out.append(table).toString();
    }
}
