package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.OperationDTO;
import dev.revisor.audit.internal.operations.OperationTracker;

/**
 * kill -9 in the middle of an operation: a child JVM writes through {@link JournalWriter} and is killed with
 * {@link Process#destroyForcibly()} while writing. Afterwards every complete line reads back, the sequence has no
 * hole, a partial last line (if the kill cut one) is skipped, a new writer continues the sequence, and the audit
 * starting again ends the operation the kill left open as {@code interrupted}.
 */
class JournalCrashTest {
    @TempDir
    Path dir;

    private final JournalCodec codec = new JournalCodec();

    @Test
    void aKilledWriterLosesAtMostAPartialLineAndItsOperationIsEndedAsInterrupted() throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                JournalCrashChild.class.getName(), dir.toString()).redirectErrorStream(true).start();
        String op;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertThat(first).as("the child's first line").startsWith("operation op-");
            op = first.substring("operation ".length());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (written() < 4 * 1024 * 1024 && System.nanoTime() < end) { // several rotations
                Thread.sleep(5);
            }
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        JournalFiles files = new JournalFiles(dir, codec);
        List<AuditEventDTO> all = files.read(EventQuery.last(Integer.MAX_VALUE));
        assertThat(all).hasSizeGreaterThan(100);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).seq).as("no hole in the sequence").isEqualTo(i + 1);
        }
        assertThat(all.get(0).operation).isEqualTo(op);
        int complete = 0;
        int partial = 0;
        List<Path> paths = new ArrayList<>(files.rotated());
        if (Files.exists(files.current())) { // a kill between a rotation's rename and the new file leaves none
            paths.add(files.current());
        }
        for (Path p : paths) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (codec.decode(line) != null) {
                    complete++;
                } else {
                    partial++;
                }
            }
        }
        assertThat(complete).as("every complete line is read back").isEqualTo(all.size());
        assertThat(partial).as("at most the last line is cut").isLessThanOrEqualTo(1);
        long last = all.get(all.size() - 1).seq;

        try (JournalWriter w = new JournalWriter(files, codec, 512 * 1024, 1000, m -> { })) {
            assertThat(w.lastSeq()).isEqualTo(last);
            AuditEventDTO e = new AuditEventDTO();
            e.type = "audit.started";
            assertThat(w.append(e).seq).isEqualTo(last + 1);
        }
        List<AuditEventDTO> after = files.read(EventQuery.last(2));
        assertThat(after).extracting(e -> e.seq).containsExactly(last, last + 1);

        // the audit starts again: the operation the kill left open ends as interrupted
        JournalComponent journal = new JournalComponent(context(), journalConfig(), loggers());
        OperationTracker tracker = new OperationTracker(mock(BundleContext.class), trackerConfig(), journal, journal, loggers());
        tracker.activate();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<AuditEventDTO> ended = List.of();
            while (ended.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                ended = journal.events(EventQuery.last(1).withOperation(op).withType("operation.ended"));
            }
            assertThat(ended).hasSize(1);
            assertThat(ended.get(0).details).containsEntry("outcome", Operation.INTERRUPTED).containsEntry("recovered", true);
            OperationDTO found = tracker.find(op);
            assertThat(found.outcome).isEqualTo(Operation.INTERRUPTED);
            assertThat(tracker.recent(10)).extracting(o -> o.id).contains(op);
        } finally {
            tracker.deactivate();
            journal.deactivate();
        }
    }

    private long written() throws java.io.IOException {
        long total = 0;
        try (var stream = Files.list(dir)) {
            for (Path p : (Iterable<Path>) stream::iterator) {
                total += Files.size(p);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return total;
        }
        return total;
    }

    private BundleContext context() {
        BundleContext context = mock(BundleContext.class);
        when(context.getProperty("revisor.data")).thenReturn(dir.getParent().toString());
        return context;
    }

    private JournalComponent.Config journalConfig() {
        JournalComponent.Config c = mock(JournalComponent.Config.class);
        when(c.directory()).thenReturn(dir.toString());
        when(c.max_file_bytes()).thenReturn(512L * 1024);
        when(c.max_files()).thenReturn(1000);
        when(c.sync_timeout_ms()).thenReturn(5000L);
        return c;
    }

    private static OperationTracker.Config trackerConfig() {
        OperationTracker.Config c = mock(OperationTracker.Config.class);
        when(c.implicit_idle_ms()).thenReturn(250L);
        when(c.refresh_idle_ms()).thenReturn(60_000L);
        when(c.history()).thenReturn(100);
        when(c.recovery_events()).thenReturn(100_000);
        return c;
    }

    private static LoggerFactory loggers() {
        LoggerFactory loggers = mock(LoggerFactory.class);
        when(loggers.getLogger(org.mockito.ArgumentMatchers.<Class<?>>any())).thenReturn(mock(Logger.class));
        return loggers;
    }
}
