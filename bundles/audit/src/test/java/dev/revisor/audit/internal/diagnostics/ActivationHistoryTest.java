package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.ActivationFailureDTO;
import dev.revisor.audit.api.AuditEventDTO;

class ActivationHistoryTest {
    private final List<AuditEventDTO> events = new ArrayList<>();

    private void event(String type, String time) {
        event(type, time, Map.of());
    }

    private void event(String type, String time, Map<String, Object> details) {
        AuditEventDTO e = new AuditEventDTO();
        e.seq = events.size() + 1;
        e.type = type;
        e.time = time;
        e.details = new LinkedHashMap<>(details);
        events.add(e);
    }

    @Test
    void aStartThatEndsWithoutStartedFailedInTheActivator() {
        event("bundle.installed", "t0");
        event("bundle.resolved", "t1");
        event("bundle.starting", "t2");
        event("bundle.stopping", "t3");
        event("bundle.stopped", "t4");

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_LIFECYCLE);
        assertThat(f.time).isEqualTo("t3");
        assertThat(f.exception).as("the exception went to the caller of start").isNull();
    }

    @Test
    void theFrameworksErrorGivesTheActivatorsException() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("bundle.stopped", "t3");
        event("framework.error", "t4", Map.of("exception", "org.osgi.framework.BundleException",
                "message", "Activator start error in bundle x [7].",
                "cause", "java.lang.IllegalStateException: no URL: set orders.db.url"));

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_ERROR);
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("no URL: set orders.db.url");
        assertThat(f.wrapper).isEqualTo("org.osgi.framework.BundleException: Activator start error in bundle x [7].");
        assertThat(f.time).isEqualTo("t4");
    }

    @Test
    void aLaterFailedStartByAnotherCallerKeepsTheReportedException() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("framework.error", "t3", Map.of("exception", "org.osgi.framework.BundleException",
                "message", "Activator start error", "cause", "java.lang.IllegalStateException: no URL"));
        event("bundle.starting", "t4"); // FileInstall tries again; the exception goes to FileInstall
        event("bundle.stopping", "t5");
        event("bundle.stopped", "t6");

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_LIFECYCLE);
        assertThat(f.time).isEqualTo("t5");
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("no URL");
        assertThat(f.exceptionTime).isEqualTo("t3");
    }

    @Test
    void aLaterSuccessfulStartClearsTheFailure() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("bundle.starting", "t3");
        event("bundle.started", "t4");
        assertThat(ActivationHistory.lastFailure(events)).isNull();
    }

    @Test
    void aCleanStopIsNoFailure() {
        event("bundle.starting", "t1");
        event("bundle.started", "t2");
        event("bundle.stopping", "t3");
        event("bundle.stopped", "t4");
        assertThat(ActivationHistory.lastFailure(events)).isNull();
    }

    @Test
    void aFrameworkErrorWithoutAStartAttemptIsNotAnActivatorFailure() {
        event("bundle.installed", "t1");
        event("framework.error", "t2", Map.of("exception", "org.osgi.framework.BundleException", "message", "Unable to resolve"));
        assertThat(ActivationHistory.lastFailure(events)).isNull();
        assertThat(ActivationHistory.lastFailure(List.of())).isNull();
    }
}
