package dev.revisor.bench.faults;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * What one look at the runtime sees, all from the outside: the framework's bundles ({@code lb -s}, Gogo's own
 * command), the deploy records ({@code audit:deploys --json}), both over the control socket, the folder (jars with their SHA-256, markers) and the last {@code deploy.*}
 * journal event of each file. {@link #settle} is the campaign's one way to wait for the folder to be judged.
 */
final class Snapshot {
    /** A row of {@code audit:deploys --json}. */
    record Row(String file, String state, Long bundleId, String bsn, String version, String bundleState, String outcome,
            String operation, String reason, String marker, String sha256) {
        String describe() {
            return state + "/" + outcome + (bundleId == null ? ", no bundle" : ", bundle " + bsn + "/" + version + " [" + bundleId + "] "
                    + bundleState) + ", sha " + Fixtures.short8(sha256) + ", marker " + (marker == null ? "none" : marker);
        }
    }

    /** A line of {@code lb -s}. */
    record Bundle(long id, String state, String bsn, String version) {
        boolean active() {
            return state.equalsIgnoreCase("ACTIVE");
        }

        String describe() {
            return bsn + "/" + version + " [" + id + "] " + state.toUpperCase(java.util.Locale.ROOT);
        }
    }

    private static final Pattern LB = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*\\d+\\|(\\S+) \\((\\S*)\\)\\|.*$");

    final String raw;
    final int queued;
    final boolean accepting;
    final Map<String, Row> rows = new TreeMap<>();
    final Map<Long, Bundle> bundles = new TreeMap<>();
    /** jar name to SHA-256 (null when it could not be read: a directory, a file that went away) */
    final Map<String, String> jars = new TreeMap<>();
    final TreeSet<String> markers = new TreeSet<>();
    final Map<String, JsonObject> lastEvents;

    private Snapshot(String raw, JsonObject deploys, Map<String, JsonObject> lastEvents) {
        this.raw = raw;
        this.lastEvents = lastEvents;
        this.queued = deploys.get("queued").getAsInt();
        this.accepting = deploys.get("accepting").getAsBoolean();
        for (JsonElement e : deploys.getAsJsonArray("files")) {
            JsonObject f = e.getAsJsonObject();
            JsonObject b = f.has("bundle") && f.get("bundle").isJsonObject() ? f.getAsJsonObject("bundle") : null;
            rows.put(str(f, "file"), new Row(str(f, "file"), str(f, "state"), b == null ? null : b.get("id").getAsLong(),
                    b == null ? null : str(b, "symbolicName"), b == null ? null : str(b, "version"), str(f, "bundleState"),
                    str(f, "outcome"), str(f, "operation"), str(f, "reason"), str(f, "marker"), str(f, "sha256")));
        }
    }

    static String str(JsonObject o, String key) {
        return o != null && o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    /** A look from the texts of {@code audit:deploys --json} and {@code lb -s}; the folder is filled in by the caller. */
    static Snapshot of(String deploysJson, String lb, Map<String, JsonObject> lastEvents) {
        Snapshot s = new Snapshot(deploysJson + lb, JsonParser.parseString(deploysJson).getAsJsonObject(), lastEvents);
        for (String line : lb.split("\n")) {
            Matcher m = LB.matcher(line);
            if (m.matches()) {
                s.bundles.put(Long.parseLong(m.group(1)), new Bundle(Long.parseLong(m.group(1)), m.group(2), m.group(3), m.group(4)));
            }
        }
        return s;
    }

    static Snapshot take(FaultRuntime rt, JournalReader journal) throws IOException {
        // two command lines: a line of two statements ('lb -s ; audit:deploys --json') loses lb's output over the socket
        ControlClient.Answer deploys = rt.client.execute("audit:deploys --json");
        ControlClient.Answer lb = rt.client.execute("lb -s");
        if (deploys.status() != 0 || lb.status() != 0) {
            throw new IOException("'audit:deploys --json' or 'lb -s' failed: " + deploys.err() + lb.err());
        }
        journal.read();
        Snapshot s = of(deploys.out(), lb.out(), journal.lastDeployEvents());
        if (Files.isDirectory(rt.deploy)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(rt.deploy)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".jar")) {
                        s.jars.put(name, Files.isRegularFile(p) ? Fixtures.sha256(p) : null);
                    } else if (name.endsWith(".jar.failed") || name.endsWith(".jar.pending")) {
                        s.markers.add(name);
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // the folder is being swapped: an empty listing, not settled
            }
        }
        return s;
    }

    /** @return why the folder is not judged yet (empty when it is) */
    List<String> unsettled() {
        List<String> why = new ArrayList<>();
        if (queued > 0) {
            why.add("queued " + queued);
        }
        for (Row r : rows.values()) {
            if (List.of("waiting", "incomplete", "removing", "stuck").contains(r.state())) {
                why.add(r.file() + " is " + r.state());
            }
        }
        for (Bundle b : bundles.values()) {
            if (b.state().equalsIgnoreCase("STARTING") || b.state().equalsIgnoreCase("STOPPING")) {
                why.add(b.describe() + " (an activator is still running: a refresh or start from the shell)");
            }
        }
        if (!jars.keySet().equals(rows.keySet())) {
            why.add("deploy/ holds " + jars.keySet() + " but audit:deploys lists " + rows.keySet());
        }
        for (Map.Entry<String, String> j : jars.entrySet()) {
            Row r = rows.get(j.getKey());
            JsonObject ev = lastEvents.get(j.getKey());
            String evSha = ev == null ? null : str(ev.getAsJsonObject("details"), "sha256");
            if (r != null && j.getValue() != null && !j.getValue().equals(r.sha256()) && !j.getValue().equals(evSha)) {
                why.add(j.getKey() + " (sha " + Fixtures.short8(j.getValue()) + ") is not judged yet: the record has sha "
                        + Fixtures.short8(r.sha256()) + ", the file's last deploy event sha " + Fixtures.short8(evSha));
            }
        }
        return why;
    }

    /** What must not change between two looks for the folder to count as settled. */
    private String stableKey() {
        StringBuilder k = new StringBuilder(raw).append(jars).append(markers);
        lastEvents.forEach((f, e) -> k.append(f).append(e.get("seq")));
        return k.toString();
    }

    /** Thrown when the folder does not settle in time; the message says what was still open. */
    static final class NotSettled extends Exception {
        NotSettled(String message) {
            super(message);
        }
    }

    /**
     * The settle step: polls until no file is waiting, incomplete, removing or stuck, no bundle is Starting or Stopping,
     * nothing is queued, the folder
     * listing matches the rows, every jar's bytes have been judged (its SHA-256 is the record's or that of its last
     * deploy event), and two looks in a row saw the same. The one place to switch to {@code audit:deploys --wait}.
     */
    static Snapshot settle(FaultRuntime rt, JournalReader journal, Duration timeout) throws IOException, NotSettled {
        long deadline = System.nanoTime() + timeout.toNanos();
        Snapshot previous = null;
        List<String> why = List.of("no look yet");
        while (System.nanoTime() < deadline) {
            if (!rt.alive()) {
                throw new NotSettled("the runtime process is gone: " + rt.logTail());
            }
            Snapshot s;
            try {
                s = take(rt, journal);
            } catch (IOException e) {
                why = List.of("no answer: " + e.getMessage());
                Campaign.sleep(200);
                continue;
            }
            why = s.unsettled();
            if (why.isEmpty() && previous != null && Objects.equals(previous.stableKey(), s.stableKey())) {
                return s;
            }
            previous = why.isEmpty() ? s : null;
            Campaign.sleep(150);
        }
        throw new NotSettled("deploy/ did not settle within " + timeout.toSeconds() + " s: " + String.join("; ", why));
    }
}
