package dev.revisor.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;

/**
 * {@code audit:events}: reads the journal; with {@code --follow} it goes on printing new events ({@link EventFollow}).
 * Thin: the query runs in the audit bundle.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "audit", function = {"events"})
public final class EventsCommand implements CommandSet {
    private final Journal journal;

    @Activate
    public EventsCommand(@Reference Journal journal) {
        this.journal = journal;
    }

    @Descriptor("show the newest events of the audit journal, oldest first; --follow goes on printing new ones")
    public String events(
            @Descriptor("how many events to show (default 20; with --follow, 0 shows only new ones)")
            @Parameter(names = {"-n", "--number"}, absentValue = "20") int number,
            @Descriptor("only events about this bundle (id or symbolic name)")
            @Parameter(names = {"-b", "--bundle"}, absentValue = "") String bundle,
            @Descriptor("only events of this operation id")
            @Parameter(names = {"-o", "--op"}, absentValue = "") String operation,
            @Descriptor("only events of this type (bundle.started), or of a family when it ends in a dot (bundle.)")
            @Parameter(names = {"-t", "--type"}, absentValue = "") String type,
            @Descriptor("only events since this time: ISO-8601 (2026-11-27T10:00:00Z) or an age (10m, 2h, 1d, 30s)")
            @Parameter(names = {"-s", "--since"}, absentValue = "") String since,
            @Descriptor("print one JSON document instead of a table (with --follow: one JSON object per line)")
            @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("go on printing each new event as it is written, until interrupted (Ctrl-C) or --for ends")
            @Parameter(names = {"-f", "--follow"}, presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor("with --follow: stop after this long (30s, 10m, 2h); through bin/revisor exec a follow also"
                    + " ends at the control socket's command.timeout.ms")
            @Parameter(names = {"--for"}, absentValue = "") String forDuration) {
        if (!forDuration.isEmpty() && !follow) {
            throw new IllegalArgumentException("--for applies to --follow only");
        }
        java.time.Duration limit = forDuration.isEmpty() ? null : EventFollow.parseDuration(forDuration);
        boolean initial = !(follow && number == 0);
        EventQuery query = EventQuery.last(initial ? number : 1);
        if (!bundle.isEmpty()) {
            query = query.withBundle(bundle);
        }
        if (!operation.isEmpty()) {
            query = query.withOperation(operation);
        }
        if (!type.isEmpty()) {
            query = query.withType(type);
        }
        if (!since.isEmpty()) {
            query = query.withSince(parseSince(since, Instant.now()));
        }
        if (follow) {
            // a stream, not one answer: printed as it comes, to the command's standard output (Gogo gives each command
            // thread its own, the console's or the pipe's or the control socket's)
            new EventFollow(journal, json, System.out).run(query, initial, limit);
            return null;
        }
        List<AuditEventDTO> events = journal.events(query);
        if (json) {
            return Json.of(Map.of("events", events));
        }
        if (events.isEmpty()) {
            return "no events match " + query + " in " + journal.directory();
        }
        Table table = new Table("SEQ", "TIME", "TYPE", "OP", "BUNDLE", "DETAILS");
        for (AuditEventDTO e : events) {
            table.row(e.seq, e.time, e.type, e.operation == null ? "-" : e.operation,
                    e.bundle == null ? "-" : e.bundle.display(), details(e.details));
        }
        return table.toString();
    }

    static String details(Map<String, Object> details) {
        if (details == null || details.isEmpty()) {
            return "";
        }
        return details.entrySet().stream().map(en -> en.getKey() + "=" + en.getValue()).collect(Collectors.joining(" "));
    }

    /**
     * @param text ISO-8601 instant or an age such as {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}
     * @param now  the current time
     * @return the instant meant
     */
    static Instant parseSince(String text, Instant now) {
        String t = text.trim();
        if (t.matches("\\d+[smhd]")) {
            long amount = Long.parseLong(t.substring(0, t.length() - 1));
            switch (t.charAt(t.length() - 1)) {
                case 's': return now.minus(Duration.ofSeconds(amount));
                case 'm': return now.minus(Duration.ofMinutes(amount));
                case 'h': return now.minus(Duration.ofHours(amount));
                default: return now.minus(Duration.ofDays(amount));
            }
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since '" + text
                    + "' is neither an ISO-8601 time (2026-11-27T10:00:00Z) nor an age (30s, 10m, 2h, 1d)");
        }
    }
}
