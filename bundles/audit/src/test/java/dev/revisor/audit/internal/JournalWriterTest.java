package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;

class JournalWriterTest {
    @TempDir
    Path dir;

    private final JournalCodec codec = new JournalCodec();
    private final List<String> problems = new ArrayList<>();

    private JournalWriter writer(long maxBytes, int maxFiles) throws Exception {
        return new JournalWriter(new JournalFiles(dir, codec), codec, maxBytes, maxFiles, problems::add);
    }

    private static AuditEventDTO event(String type) {
        AuditEventDTO e = new AuditEventDTO();
        e.type = type;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("padding", "x".repeat(100));
        e.details = details;
        return e;
    }

    @Test
    void everyLineIsOneEventInSeqOrder() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            for (int i = 0; i < 100; i++) {
                w.append(event("t" + i));
            }
            assertThat(w.sync(5000)).isTrue();
        }
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        assertThat(lines).hasSize(100);
        for (int i = 0; i < 100; i++) {
            AuditEventDTO e = codec.decode(lines.get(i));
            assertThat(e.seq).isEqualTo(i + 1);
            assertThat(e.type).isEqualTo("t" + i);
            assertThat(Instant.parse(e.time)).isNotNull();
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aFollowerGetsEveryEventWrittenAfterItStartedInSeqOrderAndNothingAfterItEnded() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.append(event("before"));
            assertThat(w.sync(5000)).isTrue();
            java.util.concurrent.BlockingQueue<AuditEventDTO> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            Runnable end = w.follow(seen::add);
            for (int i = 0; i < 50; i++) {
                w.append(event("t" + i));
            }
            assertThat(w.sync(5000)).isTrue();
            List<AuditEventDTO> got = new ArrayList<>();
            seen.drainTo(got);
            List<String> types = new ArrayList<>();
            got.forEach(e -> types.add(e.type));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add("t" + i);
            }
            assertThat(types).isEqualTo(expected);
            // what a follower got is already in the file
            assertThat(Files.readAllLines(dir.resolve("journal.jsonl"))).hasSize(51);
            end.run();
            w.append(event("after"));
            assertThat(w.sync(5000)).isTrue();
            assertThat(seen).isEmpty();
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aFollowerThatThrowsIsDroppedAndTheJournalGoesOn() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.follow(e -> {
                throw new IllegalStateException("boom");
            });
            w.append(event("a"));
            assertThat(w.sync(5000)).isTrue();
            w.append(event("b"));
            assertThat(w.sync(5000)).isTrue();
        }
        assertThat(Files.readAllLines(dir.resolve("journal.jsonl"))).hasSize(2);
        assertThat(problems).hasSize(1).allMatch(p -> p.contains("a follower failed") && p.contains("boom"));
    }

    @Test
    void seqContinuesAfterARestart() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.append(event("a"));
            w.append(event("b"));
        }
        try (JournalWriter w = writer(1 << 20, 4)) {
            assertThat(w.lastSeq()).isEqualTo(2);
            assertThat(w.append(event("c")).seq).isEqualTo(3);
        }
    }

    @Test
    void aPartialLineLeftByACrashIsSkippedAndTheNextEventStartsClean() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.append(event("before-crash"));
        }
        // what kill -9 in the middle of a write leaves
        Files.writeString(dir.resolve("journal.jsonl"), "{\"seq\":2,\"time\":\"2026-11-27T10:0", StandardOpenOption.APPEND);
        try (JournalWriter w = writer(1 << 20, 4)) {
            assertThat(w.lastSeq()).isEqualTo(1);
            w.append(event("after-restart"));
        }
        JournalFiles files = new JournalFiles(dir, codec);
        List<AuditEventDTO> events = files.read(EventQuery.last(10));
        assertThat(events).extracting(e -> e.type).containsExactly("before-crash", "after-restart");
        assertThat(events).extracting(e -> e.seq).containsExactly(1L, 2L);
    }

    @Test
    void rotatesBySizeAndKeepsAtMostMaxFiles() throws Exception {
        try (JournalWriter w = writer(2048, 3)) {
            for (int i = 0; i < 200; i++) {
                w.append(event("e" + i));
                if (i % 10 == 0) {
                    w.sync(5000); // let the writer rotate between batches
                }
            }
            w.sync(5000);
        }
        JournalFiles files = new JournalFiles(dir, codec);
        assertThat(files.rotated()).hasSizeLessThanOrEqualTo(2).isNotEmpty();
        try (var stream = Files.list(dir)) {
            assertThat(stream.count()).isLessThanOrEqualTo(3);
        }
        List<AuditEventDTO> newest = files.read(EventQuery.last(5));
        assertThat(newest).extracting(e -> e.type).containsExactly("e195", "e196", "e197", "e198", "e199");
        // reading across files keeps the order
        List<AuditEventDTO> many = files.read(EventQuery.last(30));
        for (int i = 1; i < many.size(); i++) {
            assertThat(many.get(i).seq).isEqualTo(many.get(i - 1).seq + 1);
        }
        assertThat(files.lastSeq()).isEqualTo(200);
    }

    @Test
    void filtersByTypePrefixAndTime() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            AuditEventDTO old = event("bundle.installed");
            old.time = "2020-01-01T00:00:00Z";
            w.append(old);
            w.append(event("bundle.started"));
            w.append(event("service.registered"));
            w.sync(5000);
        }
        JournalFiles files = new JournalFiles(dir, codec);
        assertThat(files.read(EventQuery.last(10).withType("bundle."))).extracting(e -> e.type)
                .containsExactly("bundle.installed", "bundle.started");
        assertThat(files.read(EventQuery.last(10).withType("bundle"))).isEmpty();
        assertThat(files.read(EventQuery.last(10).withSince(Instant.parse("2025-01-01T00:00:00Z"))))
                .extracting(e -> e.type).containsExactly("bundle.started", "service.registered");
    }

    @Test
    void garbageLinesAreSkipped() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("journal.jsonl"), "not json\n{\"seq\":1,\"type\":\"ok\",\"time\":\"2026-11-27T10:00:00Z\"}\n[1,2]\n{}\n",
                StandardCharsets.UTF_8);
        JournalFiles files = new JournalFiles(dir, codec);
        assertThat(files.read(EventQuery.last(10))).extracting(e -> e.type).containsExactly("ok");
    }

    @Test
    void anEventRecordedWhileTheWriterSleepsReachesTheFileWithoutASync() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.append(event("first"));
            awaitLines(file, 1); // written within the batch window, nobody asked for it
            Thread.sleep(50); // the writer found nothing more and went to sleep
            w.append(event("after-a-pause"));
            awaitLines(file, 2); // the append woke it
            assertThat(codec.decode(Files.readAllLines(file).get(1)).type).isEqualTo("after-a-pause");
        }
    }

    @Test
    void eventsFromManyThreadsAreEachWrittenOnceInSeqOrder() throws Exception {
        int threads = 8;
        int each = 2_000;
        try (JournalWriter w = writer(64L << 20, 4)) {
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String name = "p" + t;
                Thread p = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        w.append(event(name));
                    }
                }, "journal-test-producer-" + t);
                producers.add(p);
                p.start();
            }
            for (Thread p : producers) {
                p.join();
            }
            assertThat(w.sync(10_000)).isTrue();
        }
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        assertThat(lines).hasSize(threads * each);
        Map<String, Integer> perProducer = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            AuditEventDTO e = codec.decode(lines.get(i));
            assertThat(e.seq).as("line %d", i).isEqualTo(i + 1);
            perProducer.merge(e.type, 1, Integer::sum);
        }
        assertThat(perProducer).hasSize(threads).allSatisfy((producer, n) -> assertThat(n).isEqualTo(each));
        assertThat(problems).isEmpty();
    }

    @Test
    void syncsAskedTogetherAllReturnOnceTheirEventsAreOnDisk() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        try (JournalWriter w = writer(1 << 20, 4)) {
            List<Thread> callers = new ArrayList<>();
            List<Boolean> results = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> missing = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 6; t++) {
                String type = "synced-" + t;
                Thread c = new Thread(() -> {
                    w.append(event(type));
                    results.add(w.sync(5000));
                    try { // what sync() promised: the caller's own event is in the file now
                        if (Files.readAllLines(file).stream().noneMatch(l -> l.contains("\"" + type + "\""))) {
                            missing.add(type);
                        }
                    } catch (java.io.IOException e) {
                        missing.add(type + ": " + e);
                    }
                }, "journal-test-sync-" + t);
                callers.add(c);
                c.start();
            }
            for (Thread c : callers) {
                c.join();
            }
            assertThat(results).hasSize(6).containsOnly(true);
            assertThat(missing).isEmpty();
        }
    }

    @Test
    void anEventThatCannotBeEncodedIsReportedAndTheWriterGoesOn() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            w.append(event("before"));
            AuditEventDTO bad = event("bad");
            bad.details.put("ratio", Double.NaN); // JSON has no NaN
            w.append(bad);
            w.append(event("after"));
            assertThat(w.sync(5000)).isTrue();
            assertThat(w.isRunning()).isTrue();
        }
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        assertThat(lines).extracting(l -> codec.decode(l).type).containsExactly("before", "after");
        assertThat(problems).singleElement().asString().contains("cannot encode event 2 (bad)");
    }

    @Test
    void aSyncAfterCloseAnswersFalseAtOnce() throws Exception {
        JournalWriter w = writer(1 << 20, 4);
        w.append(event("last"));
        w.close();
        long start = System.nanoTime();
        assertThat(w.sync(5000)).isFalse();
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds sync() waited").isLessThan(1000);
        assertThat(Files.readAllLines(dir.resolve("journal.jsonl"))).hasSize(1); // close() wrote what was queued
    }

    @Test
    void tailDecodesOnlyTheMarkedLinesAmongTheNewest() throws Exception {
        try (JournalWriter w = writer(1 << 20, 4)) {
            for (int i = 0; i < 30; i++) {
                w.append(event(i % 3 == 0 ? "operation.started" : "bundle.started"));
            }
            w.sync(5000);
        }
        Files.writeString(dir.resolve("journal.jsonl"), "{\"seq\":31,\"type\":\"operation.en", StandardOpenOption.APPEND);
        JournalFiles files = new JournalFiles(dir, codec);
        // the newest 10 lines: seq 22..30 and the partial one, which counts as a line and decodes to nothing
        List<AuditEventDTO> found = files.tail(10, JournalCodec.typeMarker("operation."));
        assertThat(found).extracting(e -> e.seq).containsExactly(22L, 25L, 28L);
        assertThat(found).extracting(e -> e.type).containsOnly("operation.started");
    }

    private static void awaitLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(file) || Files.readAllLines(file).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(file + " did not get " + n + " line(s) within 5 s without a sync");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void theWriterThreadIsNamedAndEndsOnClose() throws Exception {
        JournalWriter w = writer(1 << 20, 4);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains(JournalWriter.THREAD_NAME);
        w.close();
        assertThat(w.isRunning()).isFalse();
    }

    @Test
    void badLimitsAreRefused() {
        assertThatThrownBy(() -> writer(10, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.file.bytes");
        assertThatThrownBy(() -> writer(1 << 20, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.files");
        assertThatThrownBy(() -> EventQuery.last(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEventAboveTheCapIsWrittenShortenedAndRotatesNothingAway() throws Exception {
        List<String> waitsFor = new ArrayList<>();
        for (int i = 0; i < 90_000; i++) {
            waitsFor.add("package org.example.p" + i + " (any version)");
        }
        try (JournalWriter w = new JournalWriter(new JournalFiles(dir, codec), codec, 1 << 20, 2, 16 * 1024, problems::add)) {
            w.append(event("before"));
            AuditEventDTO huge = new AuditEventDTO();
            huge.type = "deploy.pending";
            huge.operation = "deploy-7";
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("file", "huge.jar");
            details.put("reason", "no installed bundle provides " + String.join(", ", waitsFor));
            details.put("waitsFor", waitsFor);
            huge.details = details;
            w.append(huge);
            w.append(event("after"));
            assertThat(w.sync(5000)).isTrue();
        }
        assertThat(new JournalFiles(dir, codec).rotated()).isEmpty();
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(16 * 1024);
        }
        AuditEventDTO written = codec.decode(lines.get(1));
        assertThat(written.seq).isEqualTo(2);
        assertThat(written.type).isEqualTo("deploy.pending");
        assertThat(written.operation).isEqualTo("deploy-7");
        assertThat(written.details.get("file")).isEqualTo("huge.jar");
        assertThat((String) written.details.get("reason")).startsWith("no installed bundle provides package org.example.p0")
                .containsPattern("\\[\\.\\.\\. \\d+ more characters left out\\]$");
        List<?> listed = (List<?>) written.details.get("waitsFor");
        assertThat(listed.get(listed.size() - 1).toString()).matches("and \\d+ more");
        assertThat((Long) written.details.get(EventCap.TRUNCATED)).isGreaterThan(3_000_000L);
        assertThat(codec.decode(lines.get(2)).type).isEqualTo("after");
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("event 2 (deploy.pending)").contains("written shortened"));
    }

    @Test
    void anEventThatCannotBeShortenedEnoughKeepsItsIdentityAndSaysWhy() throws Exception {
        EventCap cap = new EventCap(1024);
        AuditEventDTO e = new AuditEventDTO();
        e.seq = 5;
        e.type = "x.many";
        Map<String, Object> details = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            details.put("key" + i, i);
        }
        e.details = details;
        long bytes = EventCap.utf8Length(codec.encode(e), 0);
        AuditEventDTO shortened = cap.shorten(e, bytes, codec);
        assertThat(EventCap.utf8Length(codec.encode(shortened), 0)).isLessThanOrEqualTo(1024);
        assertThat(shortened.seq).isEqualTo(5);
        assertThat(shortened.details).containsEntry(EventCap.TRUNCATED, bytes);
        assertThat((String) shortened.details.get("note")).contains("max.event.bytes (1024)");
        assertThat(EventCap.utf8Length("é😀a", 0)).isEqualTo(7);
    }

    /**
     * A sync asked for while the writer ends is answered (forced, or refused because the writer is gone), never left
     * to wait out its timeout: the timeout here is an hour, and the hang guard fails the test long before.
     */
    @Test
    void aSyncRacingTheEndOfTheWriterIsAnswered() {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofMinutes(2), () -> {
            for (int i = 0; i < 200; i++) {
                JournalWriter w = writer(1 << 20, 4);
                w.append(event("before-close"));
                Thread closer = new Thread(w::close, "test-journal-closer");
                closer.start();
                w.sync(3_600_000); // true or false: either way it returns
                closer.join();
                assertThat(w.sync(3_600_000)).as("a sync after the end").isFalse();
            }
        });
    }
}
