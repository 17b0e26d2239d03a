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
    void theFrameworksErrorWithTheCauseInTwoFieldsGivesTheActivatorsExceptionToo() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("framework.error", "t3", Map.of("exception", "org.osgi.framework.BundleException",
                "message", "Activator start error in bundle x [7].",
                "causeClass", "java.lang.IllegalStateException", "causeMessage", "no URL: set orders.db.url",
                "rootCauseClass", "java.io.FileNotFoundException", "rootCauseMessage", "orders.properties"));

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_ERROR);
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("no URL: set orders.db.url");
        assertThat(f.wrapper).isEqualTo("org.osgi.framework.BundleException: Activator start error in bundle x [7].");
        assertThat(f.rootCause).isEqualTo("java.io.FileNotFoundException");
        assertThat(f.rootCauseMessage).isEqualTo("orders.properties");
    }

    /** The shape written from this version on (ExceptionFacts): the activator's exception, the wrapper apart. */
    @Test
    void theFrameworksErrorInTheOneShapeGivesTheActivatorsException() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("framework.error", "t3", Map.of("exception", "java.lang.IllegalStateException",
                "message", "no URL: set orders.db.url", "rootCauseClass", "java.io.FileNotFoundException",
                "rootCauseMessage", "orders.properties",
                "wrapper", "org.osgi.framework.BundleException: Activator start error in bundle x [7]."));

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_ERROR);
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("no URL: set orders.db.url");
        assertThat(f.wrapper).isEqualTo("org.osgi.framework.BundleException: Activator start error in bundle x [7].");
        assertThat(f.rootCause).isEqualTo("java.io.FileNotFoundException");
        assertThat(f.rootCauseMessage).isEqualTo("orders.properties");
    }

    @Test
    void whenBothFormsOfTheCauseAreThereTheTwoFieldsWin() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("framework.error", "t3", Map.of("exception", "org.osgi.framework.BundleException", "message", "Activator start error",
                "cause", "java.lang.IllegalStateException: a: b", "causeClass", "java.lang.IllegalStateException",
                "causeMessage", "a: b"));
        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("a: b");
    }

    @Test
    void aStartTheDeployFolderMadeGetsItsExceptionFromDeployFailed() {
        event("bundle.installed", "t0");
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("bundle.stopped", "t3");
        event("deploy.failed", "t4", Map.of("file", "orders.jar", "reason", "installed ..., but it did not start: ...",
                "exception", "java.lang.IllegalStateException", "message", "cannot open the orders database",
                "rootCauseClass", "java.net.ConnectException", "rootCauseMessage", "Connection refused",
                "wrapper", "org.osgi.framework.BundleException: Activator start error in bundle orders [7]."));

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_DEPLOY);
        assertThat(f.time).as("when the activator failed").isEqualTo("t2");
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.message).isEqualTo("cannot open the orders database");
        assertThat(f.rootCause).isEqualTo("java.net.ConnectException");
        assertThat(f.rootCauseMessage).isEqualTo("Connection refused");
        assertThat(f.wrapper).startsWith("org.osgi.framework.BundleException");
        assertThat(f.exceptionTime).isNull();
    }

    @Test
    void aLateStartThatThrewAfterItWasReportedStuckGivesItsException() {
        event("bundle.starting", "t1");
        event("deploy.start-stuck", "t2", Map.of("file", "orders.jar"));
        event("bundle.stopping", "t3");
        event("bundle.stopped", "t4");
        event("deploy.start-returned", "t5", Map.of("file", "orders.jar", "outcome", "failed",
                "exception", "java.lang.IllegalStateException", "message", "gave up waiting"));
        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_DEPLOY);
        assertThat(f.message).isEqualTo("gave up waiting");
        assertThat(f.rootCause).isNull();
    }

    @Test
    void aDeployEventWithoutAnExceptionOrWithoutAFailedStartSaysNothingAboutTheActivator() {
        event("deploy.failed", "t1", Map.of("file", "x.jar", "exception", "java.lang.IllegalStateException", "message", "m"));
        assertThat(ActivationHistory.lastFailure(events)).as("no start attempt before it").isNull();

        event("bundle.starting", "t2");
        event("bundle.stopping", "t3");
        event("deploy.failed", "t4", Map.of("file", "x.jar", "reason", "it was not started: 4 bundle starts have not returned"));
        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_LIFECYCLE);
        assertThat(f.exception).isNull();
    }

    @Test
    void aLaterFailedStartByAnotherCallerKeepsTheExceptionTheDeployFolderJournaled() {
        event("bundle.starting", "t1");
        event("bundle.stopping", "t2");
        event("deploy.failed", "t3", Map.of("exception", "java.lang.IllegalStateException", "message", "no URL",
                "rootCauseClass", "java.io.IOException", "rootCauseMessage", "refused"));
        event("bundle.starting", "t4"); // someone tries again from Gogo; the exception goes to Gogo
        event("bundle.stopping", "t5");

        ActivationFailureDTO f = ActivationHistory.lastFailure(events);
        assertThat(f.source).isEqualTo(ActivationFailureDTO.FROM_JOURNAL_LIFECYCLE);
        assertThat(f.time).isEqualTo("t5");
        assertThat(f.exception).isEqualTo("java.lang.IllegalStateException");
        assertThat(f.rootCause).isEqualTo("java.io.IOException");
        assertThat(f.exceptionTime).isEqualTo("t2");
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
