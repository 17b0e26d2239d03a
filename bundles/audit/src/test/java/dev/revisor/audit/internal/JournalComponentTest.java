package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;

class JournalComponentTest {
    @TempDir
    Path data;

    private JournalComponent.Config config(String directory) {
        JournalComponent.Config config = mock(JournalComponent.Config.class);
        when(config.directory()).thenReturn(directory);
        when(config.max_file_bytes()).thenReturn(16L * 1024 * 1024);
        when(config.max_files()).thenReturn(8);
        when(config.sync_timeout_ms()).thenReturn(5000L);
        return config;
    }

    private BundleContext context() {
        BundleContext context = mock(BundleContext.class);
        when(context.getProperty("revisor.data")).thenReturn(data.toString());
        return context;
    }

    private LoggerFactory loggers() {
        LoggerFactory loggers = mock(LoggerFactory.class);
        when(loggers.getLogger(JournalComponent.class)).thenReturn(mock(Logger.class));
        return loggers;
    }

    @Test
    void writesUnderRevisorDataAndReadsBack() throws Exception {
        JournalComponent journal = new JournalComponent(context(), config(""), loggers());
        try {
            Bundle bundle = mock(Bundle.class);
            when(bundle.getBundleId()).thenReturn(7L);
            when(bundle.getSymbolicName()).thenReturn("org.example.a");
            when(bundle.getVersion()).thenReturn(new Version(1, 2, 3));
            journal.record("bundle.started", "op-1", bundle, Map.of("n", 3));
            journal.record("service.registered", null, null, Map.of());
            journal.sync();

            assertThat(journal.directory()).isEqualTo(data.resolve("audit"));
            List<AuditEventDTO> all = journal.events(EventQuery.last(10));
            assertThat(all).extracting(e -> e.type).containsExactly("bundle.started", "service.registered");
            AuditEventDTO first = all.get(0);
            assertThat(first.bundle.symbolicName).isEqualTo("org.example.a");
            assertThat(first.bundle.version).isEqualTo("1.2.3");
            assertThat(first.operation).isEqualTo("op-1");
            assertThat(first.details).containsEntry("n", 3L);
            assertThat(journal.events(EventQuery.last(10).withBundle("7"))).hasSize(1);
            assertThat(journal.events(EventQuery.last(10).withOperation("op-1"))).hasSize(1);
        } finally {
            journal.deactivate();
        }
    }

    @Test
    void aReadSeesEveryEventRecordedBeforeItWithoutASync() throws Exception {
        JournalComponent journal = new JournalComponent(context(), config(""), loggers());
        try {
            for (int round = 0; round < 50; round++) {
                AuditEventDTO last = null;
                for (int i = 0; i < 100; i++) {
                    last = journal.record("test.burst", null, null, Map.of("round", round, "i", i));
                }
                List<AuditEventDTO> read = journal.events(EventQuery.last(1).withType("test.burst"));
                assertThat(read).as("round %d", round).extracting(e -> e.seq).containsExactly(last.seq);
            }
        } finally {
            journal.deactivate();
        }
    }

    @Test
    void configuredDirectoryWins() throws Exception {
        Path elsewhere = data.resolve("elsewhere");
        JournalComponent journal = new JournalComponent(context(), config(elsewhere.toString()), loggers());
        try {
            assertThat(journal.directory()).isEqualTo(elsewhere);
        } finally {
            journal.deactivate();
        }
    }

    @Test
    void anEventWithoutTypeIsRefused() throws Exception {
        JournalComponent journal = new JournalComponent(context(), config(""), loggers());
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> journal.record(" ", null, null, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
        } finally {
            journal.deactivate();
        }
    }
}
