package dev.revisor.deploy.internal.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.deploy.api.ConfigChangeDTO;
import dev.revisor.deploy.api.ConfigEntryDTO;
import dev.revisor.deploy.api.ConfigFileDTO;
import dev.revisor.deploy.api.ConfigPlanDTO;

/**
 * The read-only views of {@link dev.revisor.deploy.api.Configurations}: the watched files, the configurations in force
 * with their source, the history from the journal, and the plan of a change. Stateless; any thread.
 */
final class ConfigViews {
    private final ConfigEngine.Context ctx;
    private final ServiceComponentRuntime scr;

    ConfigViews(ConfigEngine.Context ctx, ServiceComponentRuntime scr, Path deployFolder, Path etcFolder) {
        this.ctx = ctx;
        this.scr = scr;
    }

    List<ConfigFileDTO> files(List<ConfigFileDTO> records) {
        records.sort((a, b) -> a.file.compareTo(b.file));
        return records;
    }

    List<ConfigEntryDTO> current(String pid) {
        List<ConfigEntryDTO> out = new ArrayList<>();
        try {
            String filter = pid == null ? null : "(|(service.pid=" + ConfigChange.escape(pid) + ")(service.factoryPid="
                    + ConfigChange.escape(pid) + "))";
            Configuration[] all = ctx.cm.listConfigurations(filter);
            if (all == null) {
                return out;
            }
            Arrays.sort(all, (a, b) -> a.getPid().compareTo(b.getPid()));
            for (Configuration c : all) {
                if (c.getPid().startsWith(ConfigComponent.ETC_WATCHER_FACTORY + "~" + ConfigComponent.ETC_WATCHER_NAME)) {
                    continue; // Revisor's own watcher of etc/
                }
                ConfigEntryDTO e = new ConfigEntryDTO();
                e.pid = c.getPid();
                e.factoryPid = c.getFactoryPid();
                String source = ctx.records.source(c.getPid());
                Object fileInstall = c.getProperties() == null ? null : c.getProperties().get("felix.fileinstall.filename");
                e.source = source != null ? source : fileInstall != null ? "FileInstall: " + fileInstall : "other";
                e.values = Values.masked(Values.of(c.getProperties()));
                e.components = new ArrayList<>();
                ComponentWatch.Snapshot snap = ctx.watch.snapshot(ConfigFile.parsePid(c.getPid()));
                snap.byComponent().forEach((name, states) -> states.forEach(s -> e.components.add(name + " "
                        + ComponentWatch.stateName(s.state()))));
                out.add(e);
            }
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("cannot list configurations: " + e.getMessage(), e);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    List<ConfigChangeDTO> history(String pid, int limit) {
        List<AuditEventDTO> events = ctx.journal.events(EventQuery.last(10_000).withType("config."));
        List<ConfigChangeDTO> out = new ArrayList<>();
        for (AuditEventDTO e : events) {
            Map<String, Object> d = e.details == null ? Map.of() : e.details;
            if (pid != null && !pid.equals(d.get("pid")) && !pid.equals(d.get("factoryPid"))) {
                continue;
            }
            ConfigChangeDTO c = new ConfigChangeDTO();
            c.operation = e.operation;
            c.time = e.time;
            c.pid = (String) d.get("pid");
            c.action = d.get("action") == null ? e.type.substring("config.".length()) : (String) d.get("action");
            c.outcome = outcome(e.type);
            c.reason = (String) d.get("reason");
            c.trigger = d.get("trigger") != null ? String.valueOf(d.get("trigger"))
                    : d.get("file") == null ? null : String.valueOf(d.get("file"));
            c.diff = (List<String>) d.get("diff");
            c.modified = (List<String>) d.get("modified");
            c.reactivated = (List<String>) d.get("reactivated");
            c.deactivated = (List<String>) d.get("deactivated");
            out.add(c);
        }
        return out.size() > limit ? new ArrayList<>(out.subList(out.size() - limit, out.size())) : out;
    }

    private static String outcome(String type) {
        switch (type) {
            case ConfigEvents.APPLIED:
            case ConfigEvents.DELETED:
                return "succeeded";
            case ConfigEvents.REFUSED:
                return "refused";
            case ConfigEvents.ROLLED_BACK:
                return "rolled-back";
            case ConfigEvents.RECOVERED:
                return "interrupted";
            default:
                return "failed";
        }
    }

    ConfigPlanDTO plan(ConfigFile.Pid pid) {
        ConfigPlanDTO plan = new ConfigPlanDTO();
        plan.pid = pid.pid();
        try {
            plan.exists = ConfigChange.find(ctx.cm, pid) != null;
        } catch (IOException e) {
            plan.exists = false;
        }
        plan.described = ctx.metatype.find(pid) != null;
        plan.components = new ArrayList<>();
        String wanted = pid.factoryPid() != null ? pid.factoryPid() : pid.pid();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.configurationPid == null || !Arrays.asList(d.configurationPid).contains(wanted)) {
                continue;
            }
            ConfigPlanDTO.Entry entry = new ConfigPlanDTO.Entry();
            entry.component = d.name;
            entry.bundle = d.bundle.symbolicName + "/" + d.bundle.version + " [" + d.bundle.id + "]";
            ComponentConfigurationDTO[] configs = scr.getComponentConfigurationDTOs(d).toArray(new ComponentConfigurationDTO[0]);
            int state = 0;
            for (ComponentConfigurationDTO c : configs) {
                Object sp = c.properties == null ? null : c.properties.get("service.pid");
                if (pid.factoryPid() == null || Values.list(sp).contains(pid.pid())) {
                    state = c.state;
                }
            }
            entry.state = scr.isComponentEnabled(d) ? ComponentWatch.stateName(state) : "DISABLED";
            boolean up = state == ComponentConfigurationDTO.ACTIVE || state == ComponentConfigurationDTO.SATISFIED;
            if ("ignore".equals(d.configurationPolicy)) {
                entry.onChange = "none";
                entry.onDelete = "none";
                entry.why = "its configuration policy is ignore";
            } else if (!up) {
                entry.onChange = state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION ? "activated" : "none";
                entry.onDelete = "none";
                entry.why = state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                        ? "it waits for this configuration" : "it is not active (" + entry.state + ")";
            } else {
                entry.onChange = d.modified != null ? "modified" : "reactivated";
                entry.onDelete = "require".equals(d.configurationPolicy) ? "deactivated" : entry.onChange;
                entry.why = (d.modified != null ? "it has a modified method (" + d.modified + ")"
                        : "it has no modified method: SCR deactivates and activates it again")
                        + ("require".equals(d.configurationPolicy) ? "; it requires the configuration" : "");
            }
            plan.components.add(entry);
        }
        return plan;
    }
}
