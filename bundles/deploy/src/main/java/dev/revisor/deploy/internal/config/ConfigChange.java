package dev.revisor.deploy.internal.config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.deploy.api.ConfigChangeDTO;

/**
 * One configuration change as a transaction: the write-ahead record, Configuration Admin's update (or delete), the
 * wait until SCR has taken it up, the comparison of the components before and after, and, when a component that was
 * active did not come back, the rollback to the previous values (or, with {@code on.failure=warn}, a warning).
 * Journals {@code config.applied}, {@code config.deleted}, {@code config.rolled-back}, {@code config.failed},
 * {@code config.rollback-failed} in the change's operation.
 * <p>
 * Concurrent Semantics: not thread safe; one instance per change, on the config thread.
 */
final class ConfigChange {
    /** How long a settled view must stay unchanged before it counts, in polls. */
    private static final int STABLE_POLLS = 2;
    private static final long POLL_MILLIS = 25;
    /** Time for the Log Service's listener thread to hand over what SCR logged during the change. */
    private static final long LOG_GRACE_MILLIS = 150;

    private final ConfigEngine.Context ctx;
    private final ConfigFile.Pid pid;
    private final String trigger;
    private final String file;

    ConfigChange(ConfigEngine.Context ctx, ConfigFile.Pid pid, String trigger, String file) {
        this.ctx = ctx;
        this.pid = pid;
        this.trigger = trigger;
        this.file = file;
    }

    /**
     * Applies {@code next} ({@code null}: deletes) over {@code previous}.
     *
     * @return how it ended; the change's operation is closed
     */
    ConfigChangeDTO run(Map<String, Object> previous, Map<String, Object> next) throws InterruptedException {
        ConfigChangeDTO dto = new ConfigChangeDTO();
        dto.pid = pid.pid();
        dto.trigger = trigger;
        dto.action = next == null ? "delete" : previous == null ? "create" : "update";
        dto.diff = Values.diff(previous, next);
        dto.time = java.time.Instant.now().toString();
        Operations operations = ctx.operations;
        try (Operation op = operations.begin("config", trigger, pid.pid())) {
            dto.operation = op.id();
            ComponentWatch.Snapshot before = ctx.watch.snapshot(pid);
            ConfigRecords.Inflight wal = new ConfigRecords.Inflight();
            wal.operation = op.id();
            wal.pid = pid.pid();
            wal.file = file;
            wal.previous = Values.text(previous);
            wal.next = Values.text(next);
            ctx.records.begin(wal);
            ctx.watch.capture();
            try {
                apply(next);
                ComponentWatch.Snapshot after = await(next);
                ComponentWatch.Effects fx = ctx.watch.compare(before, after, next == null);
                effects(dto, fx);
                if (fx.failures.isEmpty()) {
                    dto.outcome = Operation.SUCCEEDED;
                    journal(next == null ? ConfigEvents.DELETED : ConfigEvents.APPLIED, op, dto, null);
                } else if (!ctx.settings.get().rollback()) {
                    dto.outcome = Operation.FAILED;
                    dto.reason = "applied (on.failure=warn), but " + String.join("; ", fx.failures);
                    op.outcome(Operation.FAILED, dto.reason);
                    journal(ConfigEvents.FAILED, op, dto, fx.failures);
                } else {
                    rollBack(op, dto, wal, before, previous, fx);
                }
            } finally {
                ctx.watch.stopCapture();
                ctx.records.end();
            }
        } catch (IOException e) {
            dto.outcome = Operation.FAILED;
            dto.reason = "Configuration Admin or the record failed: " + e;
            ctx.log.error("config: {} of {}: {}", dto.action, pid.pid(), e.toString(), e);
        }
        return dto;
    }

    private void rollBack(Operation op, ConfigChangeDTO dto, ConfigRecords.Inflight wal, ComponentWatch.Snapshot before,
            Map<String, Object> previous, ComponentWatch.Effects fx) throws IOException, InterruptedException {
        wal.rollingBack = true;
        ctx.records.begin(wal);
        apply(previous);
        ComponentWatch.Snapshot restored = await(previous);
        List<String> still = new ArrayList<>();
        for (Map.Entry<String, List<ComponentWatch.State>> e : before.byComponent().entrySet()) {
            boolean wasUp = e.getValue().stream().anyMatch(ComponentWatch.State::up);
            List<ComponentWatch.State> now = restored.byComponent().getOrDefault(e.getKey(), List.of());
            if (wasUp && now.stream().noneMatch(ComponentWatch.State::up)) {
                ComponentWatch.State s = now.isEmpty() ? null : now.get(0);
                still.add(e.getKey() + " is " + (s == null ? "gone" : ComponentWatch.stateName(s.state())));
            }
        }
        String cause = String.join("; ", fx.failures);
        if (still.isEmpty()) {
            dto.outcome = Operation.ROLLED_BACK;
            dto.reason = cause + ". Rolled back: the previous configuration is in force again and "
                    + (before.byComponent().isEmpty() ? "no component takes it" : "every component that was active is active");
            op.outcome(Operation.ROLLED_BACK, dto.reason);
            journal(ConfigEvents.ROLLED_BACK, op, dto, fx.failures);
        } else {
            dto.outcome = Operation.FAILED;
            dto.reason = cause + ". The previous configuration is back, but " + String.join("; ", still);
            op.outcome(Operation.FAILED, dto.reason);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("rollbackFailures", still);
            journal(ConfigEvents.ROLLBACK_FAILED, op, dto, fx.failures, extra);
        }
    }

    /** Puts the values into Configuration Admin: an update, or a deletion for {@code null}. */
    void apply(Map<String, Object> values) throws IOException {
        ConfigurationAdmin cm = ctx.cm;
        Configuration c = find(cm, pid);
        if (values == null) {
            if (c != null) {
                c.delete();
            }
            return;
        }
        if (c == null) {
            c = pid.factoryPid() == null ? cm.getConfiguration(pid.pid(), "?")
                    : cm.getFactoryConfiguration(pid.factoryPid(), pid.name(), "?");
        }
        c.update(Values.table(values));
    }

    /** @return the configuration of the PID, or {@code null} */
    static Configuration find(ConfigurationAdmin cm, ConfigFile.Pid pid) throws IOException {
        try {
            Configuration[] found = cm.listConfigurations("(service.pid=" + escape(pid.pid()) + ")");
            return found == null || found.length == 0 ? null : found[0];
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException("'" + pid.pid() + "' cannot be looked up: " + e.getMessage(), e);
        }
    }

    static String escape(String value) {
        StringBuilder s = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '(' || c == ')' || c == '*' || c == '\\') {
                s.append('\\');
            }
            s.append(c);
        }
        return s.toString();
    }

    /** Waits until SCR has taken the change up (or {@code verify.timeout.ms} has passed); @return the view then */
    private ComponentWatch.Snapshot await(Map<String, Object> expected) throws InterruptedException {
        long deadline = System.nanoTime() + ctx.settings.get().verifyTimeoutMillis() * 1_000_000L;
        String last = null;
        int stable = 0;
        ComponentWatch.Snapshot snap = ctx.watch.snapshot(pid);
        while (System.nanoTime() - deadline < 0) {
            String sig = ComponentWatch.signature(snap);
            if (ctx.watch.settled(snap, expected)) {
                stable = sig.equals(last) ? stable + 1 : 0;
                if (stable >= STABLE_POLLS) {
                    break;
                }
            } else {
                stable = 0;
            }
            last = sig;
            Thread.sleep(POLL_MILLIS);
            snap = ctx.watch.snapshot(pid);
        }
        if (!snap.byComponent().isEmpty()) {
            Thread.sleep(LOG_GRACE_MILLIS);
            snap = ctx.watch.snapshot(pid);
        }
        return snap;
    }

    private static void effects(ConfigChangeDTO dto, ComponentWatch.Effects fx) {
        dto.modified = fx.modified;
        dto.reactivated = fx.reactivated;
        dto.deactivated = fx.deactivated;
        if (!fx.activated.isEmpty()) {
            dto.reactivated = new ArrayList<>(fx.reactivated);
            fx.activated.forEach(a -> dto.reactivated.add(a + " (activated)"));
        }
    }

    private void journal(String type, Operation op, ConfigChangeDTO dto, List<String> failures) {
        journal(type, op, dto, failures, Map.of());
    }

    private void journal(String type, Operation op, ConfigChangeDTO dto, List<String> failures, Map<String, Object> extra) {
        Map<String, Object> d = ConfigEvents.details(file, pid);
        d.put("trigger", trigger);
        d.put("action", dto.action);
        d.put("diff", dto.diff);
        d.put("modified", dto.modified);
        d.put("reactivated", dto.reactivated);
        d.put("deactivated", dto.deactivated);
        if (failures != null) {
            d.put("cause", failures);
        }
        if (dto.reason != null) {
            d.put("reason", dto.reason);
        }
        d.putAll(extra);
        ctx.journal.record(type, op.id(), null, d);
    }
}
