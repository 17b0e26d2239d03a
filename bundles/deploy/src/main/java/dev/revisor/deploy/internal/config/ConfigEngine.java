package dev.revisor.deploy.internal.config;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.deploy.api.ConfigChangeDTO;
import dev.revisor.deploy.api.ConfigFileDTO;

/**
 * The configuration files of the watched folders and the changes the shell asks for, one at a time: reads a file,
 * refuses what does not parse or does not pass the Metatype check (the previous configuration stays in force, the
 * reason goes into {@code FILE.failed} and the journal), and hands everything else to a {@link ConfigChange}. Keeps
 * each file's record and marker in step with its last outcome. At start, reports a change a {@code kill -9}
 * interrupted and which values are in force.
 * <p>
 * Concurrent Semantics: not thread safe; every method runs on the "revisor-config" thread.
 */
final class ConfigEngine {
    /** The settings the component reads from its configuration. */
    record Settings(boolean rollback, long verifyTimeoutMillis, Charset encoding) {
    }

    /** What a change needs. */
    static final class Context {
        final BundleContext bundleContext;
        final ConfigurationAdmin cm;
        final MetatypeCheck metatype;
        final ComponentWatch watch;
        final ConfigRecords records;
        final Operations operations;
        final Journal journal;
        final Logger log;
        final Supplier<Settings> settings;

        Context(BundleContext bundleContext, ConfigurationAdmin cm, MetatypeCheck metatype, ComponentWatch watch,
                ConfigRecords records, Operations operations, Journal journal, Logger log, Supplier<Settings> settings) {
            this.bundleContext = bundleContext;
            this.cm = cm;
            this.metatype = metatype;
            this.watch = watch;
            this.records = records;
            this.operations = operations;
            this.journal = journal;
            this.log = log;
            this.settings = settings;
        }
    }

    /** Where a watched file is: its name for people and the trigger of its changes. */
    record Place(String display, String trigger) {
    }

    private final Context ctx;
    private final java.util.function.Function<Path, Place> places;

    ConfigEngine(Context ctx, java.util.function.Function<Path, Place> places) {
        this.ctx = ctx;
        this.places = places;
    }

    // ---- files

    /** A configuration file is new or changed (FileInstall's install or update). */
    void changed(Path file) {
        Place place = places.apply(file);
        try {
            if (!Files.isRegularFile(file)) {
                return; // gone meanwhile: its removal follows
            }
            byte[] bytes = ConfigFile.read(file);
            String sha = ConfigFile.sha256(bytes);
            ConfigFileDTO rec = ctx.records.file(place.display());
            if (rec != null && sha.equals(rec.sha256) && !ConfigFileDTO.APPLIED.equals(rec.state)
                    && !ConfigFileDTO.WAITING.equals(rec.state)) {
                return; // these bytes were tried and refused or rolled back: the marker says why
            }
            ConfigFileDTO previous = rec;
            rec = new ConfigFileDTO();
            rec.file = place.display();
            rec.sha256 = sha;
            ConfigFile.Pid pid;
            Map<String, Object> values;
            try {
                pid = ConfigFile.pid(file.getFileName().toString());
                rec.pid = pid.pid();
                rec.factoryPid = pid.factoryPid();
                values = ConfigFile.values(bytes, file.getFileName().toString(), ctx.settings.get().encoding(), this::lookup);
            } catch (ConfigFile.ParseException e) {
                refuse(file, place, rec, rec.pid == null ? null : ConfigFile.parsePid(rec.pid), null, List.of(e.getMessage()));
                return;
            }
            Map<String, Object> current = current(pid);
            if (Values.equal(current, values)) {
                if (previous != null && sha.equals(previous.sha256) && ConfigFileDTO.APPLIED.equals(previous.state)) {
                    ConfigRecords.unmark(file);
                    return; // a restart: the record of the change that applied these bytes stays
                }
                rec.state = ConfigFileDTO.APPLIED;
                rec.outcome = Operation.SUCCEEDED;
                rec.time = Instant.now().toString();
                if (previous != null && ConfigFileDTO.WAITING.equals(previous.state) && previous.operation != null) {
                    // the change a kill -9 interrupted: its values are in force, as config.recovered said
                    rec.operation = previous.operation;
                    rec.outcome = previous.outcome;
                    rec.reason = previous.reason + "; the file's values are in force";
                }
                ConfigRecords.unmark(file);
                ctx.records.put(place.display(), rec);
                if (ctx.records.source(pid.pid()) == null) {
                    ctx.records.source(pid.pid(), place.display());
                }
                return; // in force already (a restart): nothing to do, nothing to journal
            }
            List<String> problems = ctx.metatype.check(pid, values);
            if (!problems.isEmpty()) {
                refuse(file, place, rec, pid, current == null ? "create" : "update", problems);
                return;
            }
            ConfigChangeDTO change = new ConfigChange(ctx, pid, place.trigger(), place.display()).run(current, values);
            finish(file, place, rec, pid, change);
        } catch (IOException | RuntimeException e) {
            ctx.log.error("config: {}: {}", place.display(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A configuration file left its folder: its configuration is deleted when it came from this file. */
    void removed(Path file) {
        Place place = places.apply(file);
        try {
            ConfigRecords.unmark(file);
            ConfigFileDTO rec = ctx.records.file(place.display());
            ctx.records.remove(place.display());
            ConfigFile.Pid pid = ConfigFile.pid(file.getFileName().toString());
            if (!place.display().equals(ctx.records.source(pid.pid()))) {
                return; // never applied from this file, or another source set it since
            }
            Map<String, Object> current = current(pid);
            if (current != null) {
                ConfigChangeDTO change = new ConfigChange(ctx, pid, place.trigger(), place.display()).run(current, null);
                if (!Operation.SUCCEEDED.equals(change.outcome) && rec != null) {
                    ctx.log.warn("config: removing {} did not end well: {}", place.display(), change.reason);
                }
            }
            if (current(pid) == null) {
                ctx.records.source(pid.pid(), null);
            }
        } catch (ConfigFile.ParseException e) {
            // a file without a PID never configured anything
        } catch (IOException | RuntimeException e) {
            ctx.log.error("config: removal of {}: {}", place.display(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @param action {@code create} or {@code update} for a Metatype refusal; {@code null}: the file did not parse */
    private void refuse(Path file, Place place, ConfigFileDTO rec, ConfigFile.Pid pid, String action, List<String> problems)
            throws IOException {
        String check = action == null ? "parse" : "metatype";
        String subject = pid == null ? place.display() : pid.pid();
        try (Operation op = ctx.operations.begin("config", place.trigger(), subject)) {
            String reason = "refused: " + String.join("; ", problems) + ". The previous configuration stays in force";
            op.outcome(Operation.REFUSED, reason);
            Map<String, Object> d = pid == null ? new LinkedHashMap<>(Map.of("file", place.display()))
                    : ConfigEvents.details(place.display(), pid);
            d.put("trigger", place.trigger());
            if (action != null) {
                d.put("action", action);
            }
            d.put("check", check);
            d.put("problems", problems);
            d.put("reason", reason);
            ctx.journal.record(ConfigEvents.REFUSED, op.id(), null, d);
            rec.state = ConfigFileDTO.REFUSED;
            rec.outcome = Operation.REFUSED;
            rec.operation = op.id();
            rec.reason = reason;
            rec.time = Instant.now().toString();
            rec.marker = file.getFileName() + ConfigRecords.FAILED_SUFFIX;
            ConfigRecords.mark(file, place.display() + " " + reason + " (operation " + op.id() + "; docs/configuration.md)");
            ctx.records.put(place.display(), rec);
        }
    }

    private void finish(Path file, Place place, ConfigFileDTO rec, ConfigFile.Pid pid, ConfigChangeDTO change)
            throws IOException {
        rec.operation = change.operation;
        rec.outcome = change.outcome;
        rec.reason = change.reason;
        rec.time = change.time;
        if (Operation.SUCCEEDED.equals(change.outcome)) {
            rec.state = ConfigFileDTO.APPLIED;
            ConfigRecords.unmark(file);
            ctx.records.source(pid.pid(), place.display());
        } else {
            rec.state = Operation.ROLLED_BACK.equals(change.outcome) ? ConfigFileDTO.ROLLED_BACK : ConfigFileDTO.FAILED;
            rec.marker = file.getFileName() + ConfigRecords.FAILED_SUFFIX;
            ConfigRecords.mark(file, place.display() + " " + rec.state + ": " + change.reason + " (operation "
                    + change.operation + "; docs/configuration.md)");
            if (ConfigFileDTO.FAILED.equals(rec.state)) {
                ctx.records.source(pid.pid(), place.display());
            }
        }
        ctx.records.put(place.display(), rec);
    }

    // ---- shell and API

    /** Sets keys (the others keep their values). */
    ConfigChangeDTO set(ConfigFile.Pid pid, Map<String, String> values, String trigger) throws IOException, InterruptedException {
        Map<String, Object> current = current(pid);
        Map<String, Object> next = new TreeMap<>(current == null ? Map.of() : current);
        next.putAll(values);
        if (Values.equal(current, next)) {
            ConfigChangeDTO dto = new ConfigChangeDTO();
            dto.pid = pid.pid();
            dto.trigger = trigger;
            dto.action = "update";
            dto.outcome = Operation.SUCCEEDED;
            dto.reason = "nothing to change: the configuration has these values already";
            dto.diff = List.of();
            return dto;
        }
        List<String> problems = ctx.metatype.check(pid, next);
        if (!problems.isEmpty()) {
            ConfigChangeDTO dto = new ConfigChangeDTO();
            dto.pid = pid.pid();
            dto.trigger = trigger;
            dto.action = current == null ? "create" : "update";
            dto.diff = Values.diff(current, next);
            try (Operation op = ctx.operations.begin("config", trigger, pid.pid())) {
                dto.operation = op.id();
                dto.outcome = Operation.REFUSED;
                dto.reason = "refused: " + String.join("; ", problems) + ". The previous configuration stays in force";
                op.outcome(Operation.REFUSED, dto.reason);
                Map<String, Object> d = ConfigEvents.details(null, pid);
                d.put("trigger", trigger);
                d.put("action", dto.action);
                d.put("check", "metatype");
                d.put("problems", problems);
                d.put("diff", dto.diff);
                d.put("reason", dto.reason);
                ctx.journal.record(ConfigEvents.REFUSED, op.id(), null, d);
            }
            return dto;
        }
        ConfigChangeDTO dto = new ConfigChange(ctx, pid, trigger, null).run(current, next);
        if (Operation.SUCCEEDED.equals(dto.outcome) || Operation.FAILED.equals(dto.outcome)) {
            ctx.records.source(pid.pid(), "shell");
        }
        return dto;
    }

    /** Deletes a configuration. */
    ConfigChangeDTO delete(ConfigFile.Pid pid, String trigger) throws IOException, InterruptedException {
        Map<String, Object> current = current(pid);
        if (current == null) {
            throw new IllegalArgumentException("no configuration '" + pid.pid() + "' exists (audit:config lists them)");
        }
        ConfigChangeDTO dto = new ConfigChange(ctx, pid, trigger, null).run(current, null);
        if (current(pid) == null) {
            ctx.records.source(pid.pid(), null);
        }
        return dto;
    }

    /** @return the values in force for the PID without Configuration Admin's own keys, or {@code null} */
    Map<String, Object> current(ConfigFile.Pid pid) throws IOException {
        Configuration c = ConfigChange.find(ctx.cm, pid);
        return c == null ? null : Values.of(c.getProperties());
    }

    // ---- start

    /** Reports a change the end of the process interrupted: which values are in force now. */
    void recover() {
        try {
            ConfigRecords.Inflight wal = ctx.records.inflight();
            if (wal == null) {
                return;
            }
            ConfigFile.Pid pid = ConfigFile.parsePid(wal.pid);
            Map<String, Object> now = current(pid);
            Map<String, Object> previous = Values.parse(wal.previous);
            Map<String, Object> next = Values.parse(wal.next);
            String inForce = Values.equal(now, next) ? "new" : Values.equal(now, previous) ? "previous" : "other";
            Map<String, Object> d = ConfigEvents.details(wal.file, pid);
            d.put("interruptedOperation", wal.operation);
            d.put("rollingBack", wal.rollingBack);
            d.put("inForce", inForce);
            d.put("values", Values.masked(now));
            ctx.journal.record(ConfigEvents.RECOVERED, null, null, d);
            ctx.log.warn("config: the change of {} ({}) was interrupted by the end of the process; in force now: the {} values",
                    wal.pid, wal.operation, inForce);
            if (wal.file != null) {
                ConfigFileDTO rec = ctx.records.file(wal.file);
                if (rec != null) {
                    rec.state = ConfigFileDTO.WAITING; // its file is offered again at start and checked once more
                    rec.outcome = Operation.INTERRUPTED;
                    rec.operation = wal.operation;
                    rec.reason = "interrupted by the end of the process; the " + inForce + " values were in force at start";
                    ctx.records.put(wal.file, rec);
                }
            }
            ctx.records.end();
        } catch (IOException | RuntimeException e) {
            ctx.log.error("config: cannot read the record of an interrupted change: {}", e.toString(), e);
        }
    }

    // ---- helpers

    /** {@code ${name}}: a framework property (system properties included), or {@code env:NAME}. */
    private String lookup(String name) {
        if (name.startsWith("env:")) {
            return System.getenv(name.substring(4));
        }
        return ctx.bundleContext.getProperty(name);
    }

    /** @return the file records, each with its marker as it is on disk */
    List<ConfigFileDTO> files() {
        return new ArrayList<>(ctx.records.files());
    }
}
