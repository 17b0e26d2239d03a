package dev.revisor.shell.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleNames;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.DependentDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.PlanReasonDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.RemovalPendingDTO;
import dev.revisor.audit.api.RestartDTO;
import dev.revisor.audit.api.ServiceInUseDTO;
import dev.revisor.audit.api.StopDTO;
import dev.revisor.audit.api.Stops;
import dev.revisor.audit.api.WiringChangeDTO;
import dev.revisor.deploy.api.ConfigPlanDTO;
import dev.revisor.deploy.api.Configurations;

/**
 * {@code audit:ops}, {@code audit:op}, {@code audit:plan}, {@code audit:refresh}, {@code audit:stops}: thin; the
 * work is done by the audit bundle's {@link Operations}, {@link Refreshes} and {@link Stops} services. Each prints
 * tables for people, or one JSON document with {@code --json}.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"ops", "op", "plan", "refresh", "stops"})
public final class OperationsCommands implements CommandSet {
    private final BundleContext context;
    private final Operations operations;
    private final Refreshes refreshes;
    private final Stops stops;
    private final Journal journal;
    /** {@code audit:plan --config}: the deploy bundle's configuration changes, when it runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Configurations configurations;

    @Activate
    public OperationsCommands(BundleContext context, @Reference Operations operations, @Reference Refreshes refreshes,
            @Reference Stops stops, @Reference Journal journal) {
        this.context = context;
        this.operations = operations;
        this.refreshes = refreshes;
        this.stops = stops;
        this.journal = journal;
    }

    @Descriptor("list the most recent operations (installs, updates, uninstalls, starts, stops, resolves, refreshes, deploys), oldest first")
    public String ops(
            @Descriptor("how many operations to show (default 20)")
            @Parameter(names = {"-n", "--number"}, absentValue = "20") int number,
            @Descriptor("print one JSON document instead of a table")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        List<OperationDTO> ops = operations.recent(number);
        if (json) {
            return Json.of(Map.of("operations", ops));
        }
        if (ops.isEmpty()) {
            return "no operations recorded yet";
        }
        Table table = new Table("ID", "START", "KIND", "TRIGGER", "OUTCOME", "MS", "BUNDLES", "SUBJECT");
        for (OperationDTO o : ops) {
            table.row(o.id, o.start, o.kind + (o.implicit ? "*" : ""), o.trigger, o.end == null ? "open" : o.outcome,
                    millis(o), o.bundles == null ? 0 : o.bundles.size(), o.subject == null ? "" : o.subject);
        }
        return table + "* implicit: opened by the audit for a change nobody announced (see docs/operations.md)\n";
    }

    @Descriptor("show one operation and its journal events")
    public String op(
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("how many of its events to show at most (default 200)")
            @Parameter(names = {"-n", "--number"}, absentValue = "200") int number,
            @Descriptor("the operation id, e.g. op-42") String id) {
        OperationDTO op = operations.find(id);
        if (op == null) {
            throw new IllegalArgumentException("no operation '" + id + "' in memory or in the journal (audit:ops lists the recent ones)");
        }
        List<AuditEventDTO> events = journal.events(EventQuery.last(number).withOperation(op.id));
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("operation", op);
            doc.put("events", events);
            return Json.of(doc);
        }
        StringBuilder out = new StringBuilder();
        out.append(op.id).append(": ").append(op.kind).append(op.implicit ? " (implicit)" : "").append(", trigger ")
                .append(op.trigger).append(op.subject == null ? "" : ", " + op.subject).append('\n');
        out.append("  ").append(op.start).append(" .. ").append(op.end == null ? "open" : op.end)
                .append(op.end == null ? "" : " (" + millis(op) + " ms), " + op.outcome)
                .append(op.reason == null ? "" : ": " + op.reason).append('\n');
        if (op.thread != null) {
            out.append("  thread ").append(op.thread).append('\n');
        }
        if (op.bundles != null && !op.bundles.isEmpty()) {
            out.append("  bundles: ").append(op.bundles.stream().map(BundleRefDTO::display).collect(Collectors.joining(", ")))
                    .append('\n');
        }
        if (!events.isEmpty()) {
            Table table = new Table("SEQ", "TIME", "TYPE", "BUNDLE", "DETAILS");
            for (AuditEventDTO e : events) {
                table.row(e.seq, e.time, e.type, e.bundle == null ? "-" : e.bundle.display(), EventsCommand.details(e.details));
            }
            out.append(table);
        }
        return out.toString();
    }

    @Descriptor("show what refreshing (or updating, or uninstalling) bundles would stop and restart, and why each one")
    public String plan(
            @Descriptor("plan an update of the bundles (then a refresh)")
            @Parameter(names = {"-u", "--update"}, presentValue = "true", absentValue = "false") boolean update,
            @Descriptor("plan an uninstall of the bundles (then a refresh)")
            @Parameter(names = {"-x", "--uninstall"}, presentValue = "true", absentValue = "false") boolean uninstall,
            @Descriptor("plan a change of this configuration PID instead: which DS components it modifies, reactivates or deactivates")
            @Parameter(names = {"-c", "--config"}, absentValue = "") String config,
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("the bundles: ids, symbolic names or symbolicName/version") String... bundles) {
        if (!config.isEmpty()) {
            if (update || uninstall || bundles != null && bundles.length > 0) {
                throw new IllegalArgumentException("--config plans a configuration change: name no bundles and no --update or --uninstall");
            }
            Configurations c = configurations;
            if (c == null) {
                throw new IllegalArgumentException("configuration changes are not available: the deploy bundle does not run");
            }
            ConfigPlanDTO plan = c.plan(config);
            return json ? Json.of(plan) : ConfigCommands.render(plan);
        }
        if (update && uninstall) {
            throw new IllegalArgumentException("--update and --uninstall exclude each other: plan one change at a time");
        }
        Refreshes.Change change = update ? Refreshes.Change.UPDATE : uninstall ? Refreshes.Change.UNINSTALL
                : Refreshes.Change.REFRESH;
        RefreshPlanDTO plan = refreshes.plan(find(bundles), change);
        return json ? Json.of(plan) : text(plan);
    }

    @Descriptor("refresh bundles (all removal-pending ones when none is named), wait until the framework is done, and print the refresh record")
    public String refresh(
            @Descriptor("how long to wait for the framework, in milliseconds (default 60000)")
            @Parameter(names = {"-t", "--timeout"}, absentValue = "60000") long timeout,
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("the bundles: ids, symbolic names or symbolicName/version") String... bundles)
            throws InterruptedException, TimeoutException {
        List<Bundle> targets = bundles == null || bundles.length == 0 ? List.of() : find(bundles);
        String line = "audit:refresh" + (bundles == null ? "" : " " + String.join(" ", bundles));
        String subject = targets.isEmpty() ? "removal-pending bundles"
                : targets.stream().map(b -> BundleRefDTO.of(b).display()).collect(Collectors.joining(", "));
        RefreshRecordDTO record;
        try (Operation op = operations.begin("refresh", Operations.TRIGGER_SHELL + line, subject)) {
            record = refreshes.refresh(targets, timeout);
            if (!record.failures.isEmpty()) {
                op.outcome(Operation.FAILED, record.failures.size() + " bundle(s) did not come back: "
                        + String.join("; ", record.failures));
            }
        }
        return json ? Json.of(record) : text(record);
    }

    @Descriptor("list the bundle stops in progress, hung ones (longer than the watchdog's limit) with the stopping thread's stack and lock")
    public String stops(
            @Descriptor("print one JSON document instead of text")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json) {
        List<StopDTO> running = stops.inProgress();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("limitMillis", stops.limitMillis());
            doc.put("stops", running);
            return Json.of(doc);
        }
        if (running.isEmpty()) {
            return "no bundle is stopping now (limit " + stops.limitMillis() + " ms; audit:events --type stop. shows past hung stops)\n";
        }
        StringBuilder out = new StringBuilder();
        for (StopDTO s : running) {
            out.append(s.bundle.display()).append(": stopping for ").append(s.elapsedMillis).append(" ms on thread \"")
                    .append(s.thread).append('"').append(s.hung ? " - HUNG (limit " + stops.limitMillis() + " ms)" : "")
                    .append(s.operation == null ? "" : ", operation " + s.operation).append('\n');
            if (s.threadState != null) {
                out.append("  ").append(s.threadState).append(s.lock == null ? "" : " waiting for " + s.lock)
                        .append(s.lockOwner == null ? "" : " held by " + s.lockOwner).append('\n');
            }
            if (s.stack != null) {
                for (String frame : s.stack) {
                    out.append("    at ").append(frame).append('\n');
                }
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- helpers

    private List<Bundle> find(String[] names) {
        if (names == null || names.length == 0) {
            throw new IllegalArgumentException("name at least one bundle: an id, a symbolic name, or symbolicName/version");
        }
        List<Bundle> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String n : names) {
            try {
                found.add(BundleNames.find(context, n));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return found;
    }

    private static String millis(OperationDTO o) {
        if (o.end == null) {
            return "";
        }
        return Long.toString(java.time.Duration.between(java.time.Instant.parse(o.start), java.time.Instant.parse(o.end)).toMillis());
    }

    static String reason(PlanReasonDTO r) {
        String from = r.through == null ? "?" : r.through.display();
        switch (r.kind) {
            case "trigger": return "named";
            case "package": return "imports " + r.name + (r.version == null ? "" : " " + r.version) + " from " + from;
            case "bundle": return "requires bundle " + from;
            case "fragment": return "fragment attached to " + from;
            case "host": return "host of fragment " + from;
            default: return "requires " + r.namespace + " " + r.name + " from " + from;
        }
    }

    static String text(RefreshPlanDTO plan) {
        StringBuilder out = new StringBuilder();
        long restarts = plan.affected.stream().filter(p -> p.restarts && !stranded(p)).count();
        long removed = plan.affected.stream().filter(p -> p.removed).count();
        long stranded = plan.affected.stream().filter(OperationsCommands::stranded).count();
        out.append(plan.change).append(" of ")
                .append(plan.triggers.stream().map(BundleRefDTO::display).collect(Collectors.joining(", ")))
                .append(": ").append(plan.affected.size()).append(" bundle(s) refreshed, ").append(restarts)
                .append(" stop and start again").append(removed > 0 ? ", " + removed + " removed" : "")
                .append(stranded > 0 ? ", " + stranded + " stranded (they will not resolve again: see the problems below)" : "")
                .append('\n');
        Table table = new Table("BUNDLE", "STATE", "RESTARTS", "WHY");
        for (PlannedRestartDTO p : plan.affected) {
            String why = p.reasons.stream().map(OperationsCommands::reason).collect(Collectors.joining("; "));
            if (p.removed) {
                why = "named: " + plan.change.toLowerCase() + "ed" ;
            } else if (plan.change.equals("UPDATE") && why.startsWith("named")) {
                why = "named: updated" + why.substring("named".length());
            }
            table.row(p.bundle.display(), p.state, p.removed ? "removed" : stranded(p) ? "stranded" : p.restarts ? "yes" : "no", why);
        }
        out.append(table);
        List<String> components = new ArrayList<>();
        List<String> services = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (PlannedRestartDTO p : plan.affected) {
            p.components.forEach(c -> components.add("  [" + p.bundle.id + "] " + c));
            p.services.forEach(s -> services.add("  [" + p.bundle.id + "] " + s));
            p.problems.forEach(s -> problems.add("  " + p.bundle.display() + ": " + s));
        }
        section(out, "DS components deactivated meanwhile:", components);
        section(out, "Services that go away meanwhile:", services);
        List<String> users = new ArrayList<>();
        for (ServiceInUseDTO s : plan.servicesInUse) {
            users.add("  " + String.join(",", s.objectClass) + " [service " + s.serviceId + "] of " + s.registrant.display()
                    + " used by " + s.usingBundles.stream().map(BundleRefDTO::display).collect(Collectors.joining(", ")));
        }
        section(out, "Services used by bundles outside the plan:", users);
        section(out, "Problems foreseen:", problems);
        return out.toString();
    }

    /** @return whether the plan says the bundle would not resolve again (an uninstall takes away what it needs) */
    private static boolean stranded(PlannedRestartDTO p) {
        return p.stranded != null && !p.stranded.isEmpty();
    }

    static String text(RefreshRecordDTO r) {
        StringBuilder out = new StringBuilder();
        out.append("refresh ").append(r.operation).append(" ").append(r.start).append(" .. ").append(r.end).append(": ")
                .append(r.triggers.isEmpty() ? "" : "asked for "
                        + r.triggers.stream().map(BundleRefDTO::display).collect(Collectors.joining(", ")) + "; ")
                .append(r.restarted.size()).append(" bundle(s) refreshed, ").append(r.failures.size())
                .append(" failure(s)\n");
        if (!r.restarted.isEmpty()) {
            Table table = new Table("BUNDLE", "STOPPED", "STOP MS", "STARTED", "STATE NOW");
            for (RestartDTO d : r.restarted) {
                table.row(d.bundle.display(), d.stopped == null ? "-" : d.stopped, d.stopMillis < 0 ? "-" : d.stopMillis,
                        d.started == null ? "-" : d.started, d.stateAfter);
            }
            out.append(table);
        }
        List<String> changes = new ArrayList<>();
        for (WiringChangeDTO c : r.wiringChanges) {
            changes.add("  " + c.importer.display() + " " + c.name + ": "
                    + (c.fromExporter == null ? "(not wired)" : c.fromVersion + " from " + c.fromExporter.display()) + " -> "
                    + (c.toExporter == null ? "(not wired)" : c.toVersion + " from " + c.toExporter.display()));
        }
        section(out, "Wiring changes:", changes);
        List<String> pending = new ArrayList<>();
        for (RemovalPendingDTO p : r.removalPending) {
            pending.add("  " + p.bundle.display() + " revision " + p.revision + (p.uninstalled ? " (uninstalled)" : " (old revision)")
                    + " was still used by " + p.wiredBy.stream().map(OperationsCommands::dependent).collect(Collectors.joining(", ")));
        }
        section(out, "Removal-pending revisions the refresh removed:", pending);
        List<String> inUse = new ArrayList<>();
        for (ServiceInUseDTO s : r.servicesInUse) {
            inUse.add("  " + String.join(",", s.objectClass) + " [service " + s.serviceId + "] of " + s.registrant.display()
                    + " was still used by " + s.usingBundles.stream().map(BundleRefDTO::display).collect(Collectors.joining(", ")));
        }
        section(out, "Services unregistered while others used them:", inUse);
        List<String> failures = new ArrayList<>();
        r.failures.forEach(f -> failures.add("  " + f));
        section(out, "Failures:", failures);
        return out.toString();
    }

    private static String dependent(DependentDTO d) {
        return d.bundle.display() + " (" + d.kind + " " + d.name + ")";
    }

    private static void section(StringBuilder out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.append(title).append('\n');
            lines.forEach(l -> out.append(l).append('\n'));
        }
    }
}
