package dev.revisor.shell.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;

/**
 * {@code audit:events --follow}: prints the matching events already in the journal, then every new one as soon as it
 * is written, one line each (one JSON object per line with {@code --json}), until {@code --for} has passed or the
 * command's thread is interrupted: Ctrl-C in the console; through {@code bin/revisor exec}, the control socket's
 * {@code command.timeout.ms} (600 s by default), since a command there learns nothing of a client that went away.
 * <p>
 * Concurrent Semantics: runs on the command's own thread and starts none. The journal's thread only filters and queues
 * (bounded: a reader that falls {@value #QUEUE} events behind is told how many it missed).
 */
final class EventFollow {
    static final int QUEUE = 10_000;
    /** How often the loop looks at the clock while no event comes (--for). */
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Gson LINES = new GsonBuilder()
            .disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .create();

    private final Journal journal;
    private final boolean json;
    private final PrintStream out;

    EventFollow(Journal journal, boolean json, PrintStream out) {
        this.journal = journal;
        this.json = json;
        this.out = out;
    }

    /**
     * @param query   which events; its limit is how many of the existing ones to print first
     * @param initial whether to print existing events first (false: only new ones)
     * @param limit   how long to follow, or {@code null} until interrupted
     */
    void run(EventQuery query, boolean initial, Duration limit) {
        BlockingQueue<AuditEventDTO> queue = new ArrayBlockingQueue<>(QUEUE);
        AtomicLong missed = new AtomicLong();
        // subscribe before reading what is there: an event written in between comes twice and is printed once (seq)
        try (Journal.Subscription subscription = journal.follow(e -> {
            if (query.matches(e) && !queue.offer(e)) {
                missed.incrementAndGet();
            }
        })) {
            long last = 0;
            if (!json) {
                out.println("following " + journal.directory() + " (" + (limit == null ? "until interrupted"
                        : "for " + limit.toSeconds() + " s") + "); SEQ TIME TYPE OP BUNDLE DETAILS");
            }
            if (initial) {
                List<AuditEventDTO> existing = journal.events(query);
                for (AuditEventDTO e : existing) {
                    print(e);
                    last = e.seq;
                }
            }
            out.flush();
            long deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
            while (true) {
                long wait = TICK_NANOS;
                if (limit != null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    wait = Math.min(wait, left);
                }
                AuditEventDTO e = queue.poll(wait, TimeUnit.NANOSECONDS);
                long lost = missed.getAndSet(0);
                if (lost > 0) {
                    out.println(json ? "{\"missed\":" + lost + "}" : "(" + lost + " events not shown: this reader fell"
                            + " behind; they are in the journal)");
                }
                if (e != null && e.seq > last) {
                    print(e);
                    last = e.seq;
                    for (AuditEventDTO next = queue.poll(); next != null; next = queue.poll()) {
                        if (next.seq > last) {
                            print(next);
                            last = next.seq;
                        }
                    }
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            // Ctrl-C, or the control socket's watchdog: the way a follow ends. The interrupt is consumed here, so
            // that the command ends like one that finished.
        }
    }

    private void print(AuditEventDTO e) {
        if (json) {
            out.println(LINES.toJson(e));
        } else {
            out.println(e.seq + "  " + e.time + "  " + e.type + "  " + (e.operation == null ? "-" : e.operation) + "  "
                    + (e.bundle == null ? "-" : e.bundle.display()) + "  " + EventsCommand.details(e.details));
        }
    }

    /**
     * @param text a duration such as {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}
     * @return the duration
     */
    static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.matches("\\d{1,9}[smhd]")) {
            long amount = Long.parseLong(t.substring(0, t.length() - 1));
            switch (t.charAt(t.length() - 1)) {
                case 's': return Duration.ofSeconds(amount);
                case 'm': return Duration.ofMinutes(amount);
                case 'h': return Duration.ofHours(amount);
                default: return Duration.ofDays(amount);
            }
        }
        throw new IllegalArgumentException("--for '" + text + "' is not a duration such as 30s, 10m, 2h or 1d");
    }
}
