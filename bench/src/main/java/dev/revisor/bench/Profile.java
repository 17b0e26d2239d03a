package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/** Reads a JFR recording: garbage collections by cause, and where the sampled Java time of Revisor's code goes. */
final class Profile {
    final Map<String, long[]> gcByCause = new HashMap<>(); // count, total pause ns
    final Map<String, Integer> nearestRevisorFrame = new HashMap<>();
    int samples;
    int samplesWithRevisor;

    static Profile read(Path jfr) throws IOException {
        Profile p = new Profile();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                long[] v = p.gcByCause.computeIfAbsent(e.getString("name") + " (" + e.getString("cause") + ")", k -> new long[2]);
                v[0]++;
                v[1] += e.getDuration().toNanos();
            } else if (type.equals("jdk.ExecutionSample")) {
                p.samples++;
                RecordedStackTrace st = e.getStackTrace();
                if (st == null) {
                    continue;
                }
                String nearest = nearestRevisor(st.getFrames());
                if (nearest != null) {
                    p.samplesWithRevisor++;
                    p.nearestRevisorFrame.merge(nearest, 1, Integer::sum);
                }
            }
        }
        return p;
    }

    /** The Revisor bundle frame closest to the top of the stack (not the bench's probe and fixtures, not the launcher). */
    static String nearestRevisor(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String c = f.getMethod().getType().getName();
            if (c.startsWith("dev.revisor.") && !c.startsWith("dev.revisor.bench.") && !c.startsWith("dev.revisor.launcher.")) {
                return c.replaceFirst("^dev\\.revisor\\.", "") + "." + f.getMethod().getName();
            }
        }
        return null;
    }

    String summary(int top) {
        String gcs = gcByCause.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s: %d, %.0f ms", e.getKey(), e.getValue()[0],
                e.getValue()[1] / 1e6)).collect(Collectors.joining("; "));
        String frames = nearestRevisorFrame.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        return "collections: " + (gcs.isEmpty() ? "none" : gcs) + ". Java execution samples: " + samples + ", " + samplesWithRevisor
                + " with a Revisor frame; nearest Revisor frame: " + frames;
    }
}
