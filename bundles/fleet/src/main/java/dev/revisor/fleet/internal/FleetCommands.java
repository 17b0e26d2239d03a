package dev.revisor.fleet.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands in scope {@code fleet} ({@code bin/revisor fleet ...} forwards to them through the control socket).
 * Thin: the work is {@link Fleet}'s.
 * <p>
 * Concurrent Semantics: stateless; Gogo calls it on any thread.
 */
@Component(service = FleetCommands.class, property = {"osgi.command.scope=fleet",
        "osgi.command.function=rollout", "osgi.command.function=status", "osgi.command.function=resume",
        "osgi.command.function=abort"})
public final class FleetCommands {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

    private final Fleet fleet;

    @Activate
    public FleetCommands(@Reference Fleet fleet) {
        this.fleet = fleet;
    }

    @Descriptor("roll a plugin jar out to every member: canary first, then in waves, each gated by the audit")
    public String rollout(
            @Descriptor("members that take it first, alone (default 1)")
            @Parameter(names = {"-c", "--canary"}, absentValue = "1") int canary,
            @Descriptor("cumulative percentages of the members per wave after the canary, ending at 100 (default 100)")
            @Parameter(names = {"-w", "--waves"}, absentValue = "100") String waves,
            @Descriptor("how long each member holds the update while the audit watches: ms, s, m or h (default 30s)")
            @Parameter(names = {"-h", "--hold"}, absentValue = "30s") String hold,
            @Descriptor("how long a wave may wait for its members' success before the rollout halts and rolls back: ms, s, m "
                    + "or h, longer than --hold (default 10m)")
            @Parameter(names = {"-t", "--wave-timeout"}, absentValue = "10m") String waveTimeout,
            @Descriptor("the plugin jar, an absolute path (bin/revisor fleet makes a relative one absolute)") String jar)
            throws Exception {
        Path file = Paths.get(jar);
        if (!file.isAbsolute()) {
            throw new IllegalArgumentException("the jar must be an absolute path, not '" + jar + "'");
        }
        Docs.Rollout r = fleet.rollout(file, canary, percentages(waves), millis(hold, "--hold"),
                millis(waveTimeout, "--wave-timeout"));
        StringBuilder out = new StringBuilder();
        out.append("rollout ").append(r.id).append(": ").append(r.plugin).append(' ').append(r.version).append(" (sha256 ")
                .append(r.sha256).append(")\n");
        for (int i = 0; i < r.plan.size(); i++) {
            out.append("  wave ").append(i + 1).append(i == 0 && r.canary > 0 ? " (canary)" : "").append(": ")
                    .append(String.join(" ", r.plan.get(i))).append('\n');
        }
        out.append("follow it with 'fleet status'");
        return out.toString();
    }

    @Descriptor("the fleet: members, the plugins each runs, every plugin's newest rollout with its waves and verdicts")
    public String status(
            @Descriptor("print one JSON document instead of a table")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json)
            throws Exception {
        FleetStatus status = fleet.status();
        return json ? status.json() : status.text();
    }

    @Descriptor("continue a rollout whose coordinator died, from the state it left in ZooKeeper")
    public String resume(@Descriptor("the plugin's symbolic name") String plugin) throws Exception {
        Docs.Rollout r = fleet.resume(plugin);
        return "rollout " + r.id + " of " + r.plugin + " resumed here (" + r.state + ", wave " + (r.wave + 1) + " of "
                + r.plan.size() + ")";
    }

    @Descriptor("stop a rollout: every member that took the update rolls back to its previous bytes")
    public String abort(@Descriptor("the plugin's symbolic name") String plugin) throws Exception {
        Docs.Rollout r = fleet.abort(plugin);
        return "rollout " + r.id + " of " + r.plugin + " is aborting: members roll back ('fleet status' follows it)";
    }

    static List<Integer> percentages(String text) {
        List<Integer> list = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                list.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--waves '" + text + "' must be percentages separated by commas, e.g. 25,50,100");
            }
        }
        RolloutMachine.checkWaves(list);
        return list;
    }

    static long millis(String text, String option) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a duration: 500ms, 30s, 2m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n;
        };
    }
}
