package dev.revisor.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.GsonBuilder;

/**
 * What one run of the harness measured: comparison rows (Revisor beside plain Felix, with the ratio of the medians
 * and the target), notes (why a figure is what it is, what was not measured), and every raw sample.
 */
final class Report {
    /** A row of the table. {@code baseline} may be null (no plain-Felix counterpart); {@code target} may be NaN. */
    record Row(String section, String what, String unit, Stats revisor, Stats baseline, String baselineLabel,
            double target, String targetText, String command) {
        String verdict() {
            if (Double.isNaN(target) || revisor == null) {
                return "–";
            }
            return revisor.median() <= target ? "met" : "**missed**";
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private final Map<String, String> notMeasured = new LinkedHashMap<>();

    synchronized void row(String section, String what, String unit, Stats revisor, Stats baseline, String baselineLabel,
            double target, String targetText, String command) {
        rows.add(new Row(section, what, unit, revisor, baseline, baselineLabel, target, targetText, command));
        if (revisor != null) {
            samples.put(section + " / " + what + " / Revisor", revisor.values());
        }
        if (baseline != null) {
            samples.put(section + " / " + what + " / " + baselineLabel, baseline.values());
        }
        System.out.println("  " + what + ": Revisor " + (revisor == null ? "–" : revisor.describe("%.1f")) + " " + unit
                + (baseline == null ? "" : " | " + baselineLabel + " " + baseline.describe("%.1f")));
    }

    synchronized void note(String text) {
        notes.add(text);
        System.out.println("  note: " + text);
    }

    synchronized void notMeasured(String what, String why) {
        notMeasured.put(what, why);
        System.out.println("  not measured: " + what + ": " + why);
    }

    List<Row> rows() {
        return rows;
    }

    static String cell(Stats s, String unit) {
        if (s == null) {
            return "–";
        }
        String f = s.median() >= 100 || unit.equals("MiB") ? "%.0f" : "%.1f";
        return String.format(Locale.ROOT, "**" + f + "** (" + f + "–" + f + ", p95 " + f + ", n=%d)", s.median(), s.min(),
                s.max(), s.p95(), s.n());
    }

    static String ratio(Row r) {
        if (r.revisor() == null || r.baseline() == null || r.baseline().median() == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f×", r.revisor().median() / r.baseline().median());
    }

    String markdown(String header) {
        StringBuilder md = new StringBuilder(header);
        String section = null;
        for (Row r : rows) {
            if (!r.section().equals(section)) {
                section = r.section();
                md.append("\n### ").append(section).append("\n\n");
                md.append("| what | unit | Revisor: median (min–max, p95, n) | baseline | baseline: median (min–max, p95, n) | ratio | target | verdict |\n");
                md.append("|---|---|---|---|---|---|---|---|\n");
            }
            md.append("| ").append(r.what()).append(" | ").append(r.unit()).append(" | ").append(cell(r.revisor(), r.unit()))
                    .append(" | ").append(r.baseline() == null ? "–" : r.baselineLabel()).append(" | ")
                    .append(cell(r.baseline(), r.unit())).append(" | ").append(ratio(r)).append(" | ")
                    .append(r.targetText() == null ? "–" : r.targetText()).append(" | ").append(r.verdict()).append(" |\n");
        }
        md.append("\n### Commands\n\n");
        Map<String, String> commands = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.command() != null) {
                commands.putIfAbsent(r.section() + ": " + r.what(), r.command());
            }
        }
        commands.forEach((k, v) -> md.append("- ").append(k).append(": `").append(v).append("`\n"));
        if (!notMeasured.isEmpty()) {
            md.append("\n### Not measured\n\n");
            notMeasured.forEach((k, v) -> md.append("- ").append(k).append(": not measured: ").append(v).append('\n'));
        }
        if (!notes.isEmpty()) {
            md.append("\n### Notes from this run\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }

    void write(Path dir, String header) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), markdown(header), StandardCharsets.UTF_8);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("samples", samples);
        json.put("notMeasured", notMeasured);
        json.put("notes", notes);
        Files.writeString(dir.resolve("samples.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json),
                StandardCharsets.UTF_8);
    }
}
