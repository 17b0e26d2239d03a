package dev.revisor.bench.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonObject;

import dev.revisor.bench.faults.Snapshot.Bundle;
import dev.revisor.bench.faults.Snapshot.Row;

/**
 * The invariant of issue 11 (DESIGN.md "The invariant every live change keeps"), checked on a settled
 * {@link Snapshot} against the one before the step. Each violation is one sentence: the file, what the record says,
 * what the framework (or the folder, or the journal) shows; the caller adds seed and step. Pure: no I/O.
 */
final class Checker {
    private final Fixtures fixtures;

    Checker(Fixtures fixtures) {
        this.fixtures = fixtures;
    }

    /**
     * @param before the settled look before the step, or null (the first look)
     * @param goneOnPurpose files the step removed from the folder (their bundles may be gone)
     */
    List<String> check(Snapshot before, Snapshot now, Set<String> goneOnPurpose) {
        List<String> v = new ArrayList<>();
        for (Map.Entry<String, String> jar : now.jars.entrySet()) {
            checkFile(now, jar.getKey(), jar.getValue(), v);
        }
        for (String marker : now.markers) {
            String jar = marker.substring(0, marker.lastIndexOf('.'));
            if (!now.jars.containsKey(jar)) {
                v.add(marker + " lies in deploy/ but " + jar + " does not: a marker without its file");
            }
        }
        for (Bundle b : now.bundles.values()) {
            if (b.bsn().startsWith(Fixtures.PREFIX)) {
                Row holder = now.rows.values().stream().filter(r -> Long.valueOf(b.id()).equals(r.bundleId())).findFirst().orElse(null);
                if (holder == null || !now.jars.containsKey(holder.file())) {
                    v.add("the framework shows " + b.describe() + " installed from deploy/, but no file of deploy/ holds it"
                            + (holder == null ? " (no record names it)" : " (the record of " + holder.file() + " does, and the file is gone)"));
                }
            } else if (!b.active()) {
                v.add("the framework shows " + b.describe() + ", a bundle of the runtime's features that is not Active, and no record names it");
            }
        }
        if (before != null) {
            for (Bundle was : before.bundles.values()) {
                if (was.active() && was.bsn().startsWith(Fixtures.PREFIX)) {
                    checkStillActive(before, now, was, goneOnPurpose, v);
                }
            }
        }
        if (!now.accepting) {
            v.add("audit:deploys says the folder is not accepting files, though the campaign never makes it writable by others");
        }
        return v;
    }

    private void checkFile(Snapshot s, String file, String fileSha, List<String> v) {
        Row r = s.rows.get(file);
        if (r == null) {
            v.add(file + ": the file is in deploy/ but audit:deploys has no row for it");
            return;
        }
        String rec = file + ": the record says " + r.describe();
        Bundle b = r.bundleId() == null ? null : s.bundles.get(r.bundleId());
        String fw = b == null ? "no bundle" + (r.bundleId() == null ? "" : " [" + r.bundleId() + "]") : b.describe();
        Fixtures.Variant runs = b == null ? null : fixtures.byBsnVersion(b.bsn(), b.version());
        String runsSha = runs == null ? null : runs.sha256();
        String fwRuns = b == null ? fw : fw + " running the bytes sha " + Fixtures.short8(runsSha);
        boolean failed = s.markers.contains(file + ".failed");
        boolean pending = s.markers.contains(file + ".pending");
        String actualMarker = failed && pending ? "both markers" : failed ? file + ".failed" : pending ? file + ".pending" : "none";
        String expectedMarker = switch (r.state()) {
        case "deployed" -> "none";
        case "pending", "waiting" -> file + ".pending";
        default -> file + ".failed";
        };
        if (!actualMarker.equals(expectedMarker)) {
            v.add(rec + "; beside the file lies " + actualMarker + " (a " + r.state() + " file has " + expectedMarker + ")");
        }
        if (!actualMarker.equals(r.marker() == null ? "none" : r.marker()) && !actualMarker.equals("both markers")) {
            v.add(rec + "; but the marker beside the file is " + actualMarker);
        }
        if (r.bundleId() != null && b == null) {
            v.add(rec + "; the framework has no bundle [" + r.bundleId() + "]");
        }
        if (b != null && !b.state().equalsIgnoreCase(String.valueOf(r.bundleState()))) {
            v.add(rec + "; the framework shows " + fw);
        }
        if (b != null && !b.bsn().equals(Fixtures.bsn(file))) {
            v.add(rec + "; the framework shows " + fw + ", which is not the bundle of this file");
        }
        if (b != null && r.sha256() != null && runsSha != null && !runsSha.equals(r.sha256())) {
            v.add(rec + " (the bundle runs those bytes); the framework shows " + fwRuns);
        }
        switch (r.state()) {
        case "deployed" -> {
            if (b == null || !b.active()) {
                v.add(rec + "; the framework shows " + fw + " (deployed means the bundle runs the file's bytes, Active)");
            }
            if (fileSha != null && !fileSha.equals(r.sha256())) {
                v.add(rec + "; the file in deploy/ has sha " + Fixtures.short8(fileSha) + " (deployed means the bundle runs the file's bytes)");
            }
        }
        case "pending" -> {
            if (b == null || !b.state().equalsIgnoreCase("INSTALLED")) {
                v.add(rec + "; the framework shows " + fw + " (pending means installed, waiting for requirements)");
            }
        }
        case "failed" -> {
            if (b != null && b.active()) {
                v.add(rec + "; the framework shows " + fw + " (failed means installed but not started)");
            }
        }
        case "refused", "rolled-back" -> {
            if (fileSha != null && fileSha.equals(runsSha)) {
                v.add(rec + "; the framework shows " + fwRuns + ", the bytes of the file itself (" + r.state() + " means they do not run)");
            }
            if (r.state().equals("rolled-back") && b == null) {
                v.add(rec + "; the framework shows no bundle (rolled-back means the previous bytes run again)");
            }
        }
        default -> { }
        }
        checkJournal(s, r, file, fileSha, rec, v);
    }

    private static void checkJournal(Snapshot s, Row r, String file, String fileSha, String rec, List<String> v) {
        JsonObject ev = s.lastEvents.get(file);
        if (ev == null) {
            v.add(rec + "; the journal has no deploy.* event of the file");
            return;
        }
        String type = ev.get("type").getAsString();
        JsonObject d = ev.getAsJsonObject("details");
        String sha = Snapshot.str(d, "sha256");
        String decision = Snapshot.str(d, "decision");
        String outcome = Snapshot.str(d, "outcome");
        String said = "the last deploy event of the file is " + type + (decision == null ? "" : " (decision " + decision + ")")
                + (outcome == null ? "" : " (outcome " + outcome + ")") + " with sha " + Fixtures.short8(sha) + " (seq " + ev.get("seq") + ")";
        List<String> allowed = switch (r.state()) {
        // deploy.revived: the bundle of a failed file was found running (a later change or a shell start started it)
        case "deployed" -> List.of("deploy.installed", "deploy.updated", "deploy.resolved", "deploy.recovered:completed",
                "deploy.start-returned:started", "deploy.revived:started");
        // stranded: another file's removal took away what it needs (its record: pending, outcome failed)
        case "pending" -> List.of("deploy.pending", "deploy.stranded", "deploy.recovered:completed");
        case "failed" -> List.of("deploy.failed", "deploy.rollback-failed", "deploy.start-returned:failed", "deploy.recovered:completed",
                "deploy.recovered:failed");
        // refused and rolled-back files whose bundle (running older bytes) another file's removal stranded, stopped or
        // brought back: the event is the file's, about the file's bytes, and the record keeps its state
        case "refused" -> List.of("deploy.refused", "deploy.api-gate", "deploy.stranded", "deploy.failed", "deploy.revived");
        case "rolled-back" -> List.of("deploy.rolled-back", "deploy.recovered:rolled-back", "deploy.stranded", "deploy.failed",
                "deploy.revived");
        default -> List.of();
        };
        String key = type + (decision != null ? ":" + decision : outcome != null ? ":" + outcome : "");
        // deploy.unchanged: a change that waited for a stuck start needed nothing; the state before stands
        if (!allowed.contains(type) && !allowed.contains(key) && !"deploy.unchanged".equals(type)) {
            v.add(rec + "; " + said);
            return;
        }
        boolean aboutRunningBytes = r.state().equals("deployed") || r.state().equals("pending");
        if (aboutRunningBytes && sha != null && !sha.equals(r.sha256())) {
            v.add(rec + "; " + said + " (not the bytes the record says run)");
        }
        if ((r.state().equals("refused") || r.state().equals("rolled-back")) && sha != null && fileSha != null && !sha.equals(fileSha)) {
            v.add(rec + "; " + said + ", but the file's bytes are sha " + Fixtures.short8(fileSha));
        }
    }

    private static void checkStillActive(Snapshot before, Snapshot now, Bundle was, Set<String> goneOnPurpose, List<String> v) {
        String file = before.rows.values().stream().filter(r -> Long.valueOf(was.id()).equals(r.bundleId())).map(Row::file)
                .findFirst().orElse(was.bsn().substring(Fixtures.PREFIX.length()) + ".jar");
        Bundle is = now.bundles.get(was.id());
        if (goneOnPurpose.contains(file)) {
            return;
        }
        Row r = now.rows.get(file);
        if (is == null) {
            if (now.jars.containsKey(file) && (r == null || r.bundleId() == null || !now.bundles.containsKey(r.bundleId())
                    || !now.bundles.get(r.bundleId()).active())) {
                v.add(file + ": " + was.describe() + " was Active before the step and the framework no longer has it, though the file "
                        + "is still in deploy/; the record says " + (r == null ? "nothing" : r.describe()));
            }
            return;
        }
        if (is.active()) {
            return;
        }
        String mark = now.markers.contains(file + ".failed") ? file + ".failed" : now.markers.contains(file + ".pending") ? file + ".pending" : null;
        boolean named = r != null && r.reason() != null && (r.reason().contains(was.bsn()) || r.reason().contains(file));
        if (r == null || mark == null || !named || r.state().equals("deployed")) {
            v.add(file + ": " + was.describe() + " was Active before the step and the framework shows " + is.describe()
                    + " now; the record says " + (r == null ? "nothing" : r.describe() + (named ? "" : ", its reason does not name it"))
                    + " (a bundle that was Active is Active after, or named with its reason in the record and a marker)");
        }
    }
}
