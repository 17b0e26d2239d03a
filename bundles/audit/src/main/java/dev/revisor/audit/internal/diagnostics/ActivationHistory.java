package dev.revisor.audit.internal.diagnostics;

import java.util.List;
import java.util.Map;

import dev.revisor.audit.api.ActivationFailureDTO;
import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.internal.EventTypes;

/**
 * Reads a bundle's last start attempt from its journal events: a {@code bundle.starting} that ends in
 * {@code bundle.stopping}/{@code bundle.stopped} without {@code bundle.started} is a failed activation. When the
 * framework itself started the bundle (start levels), it also reported the exception as a {@code framework.error}
 * event, which gives the activator's exception. When the deploy folder started it, its {@code deploy.failed},
 * {@code deploy.rollback-failed} or {@code deploy.start-returned} event carries the exception it caught
 * ({@code exception}, {@code message}, {@code rootCauseClass}, {@code rootCauseMessage}, {@code wrapper}). When someone
 * else called {@code start()}, the exception went to that caller and the journal only knows that the start failed.
 * Stateless.
 */
final class ActivationHistory {
    private ActivationHistory() {
    }

    /**
     * @param events the bundle's events since its last install or update, oldest first
     * @return the last start attempt's failure, or {@code null} when the last attempt succeeded or there was none
     */
    static ActivationFailureDTO lastFailure(List<AuditEventDTO> events) {
        ActivationFailureDTO failure = null;
        ActivationFailureDTO lastError = null; // the newest failure the framework reported with its exception
        boolean starting = false;
        boolean failedAttempt = false;
        for (AuditEventDTO e : events) {
            if (e.type == null) {
                continue;
            }
            switch (e.type) {
                case EventTypes.BUNDLE_STARTING:
                    starting = true;
                    failedAttempt = false;
                    failure = null;
                    break;
                case EventTypes.BUNDLE_STARTED:
                    starting = false;
                    failedAttempt = false;
                    failure = null;
                    lastError = null;
                    break;
                case EventTypes.BUNDLE_STOPPING:
                case EventTypes.BUNDLE_STOPPED:
                    if (starting) {
                        starting = false;
                        failedAttempt = true;
                        failure = new ActivationFailureDTO();
                        failure.source = ActivationFailureDTO.FROM_JOURNAL_LIFECYCLE;
                        failure.time = e.time;
                    }
                    break;
                case EventTypes.FRAMEWORK_ERROR:
                    if (failedAttempt || starting) {
                        failure = fromError(e);
                        lastError = failure;
                        starting = false;
                        failedAttempt = true;
                    }
                    break;
                case "deploy.failed":
                case "deploy.rollback-failed":
                case "deploy.start-returned":
                    // the deploy folder caught the start's exception; it comes after the failed attempt it is about
                    if (failedAttempt && e.details != null && e.details.get("exception") != null) {
                        failure = fromDeploy(e, failure);
                        lastError = failure;
                    }
                    break;
                default:
                    break;
            }
        }
        if (failure != null && failure.exception == null && lastError != null) {
            // a later attempt (someone else's start) failed again: the exception is most likely the one reported before
            failure.exception = lastError.exception;
            failure.message = lastError.message;
            failure.wrapper = lastError.wrapper;
            failure.rootCause = lastError.rootCause;
            failure.rootCauseMessage = lastError.rootCauseMessage;
            failure.exceptionTime = lastError.time;
        }
        return failure;
    }

    /**
     * @param attempt the failed attempt the event is about (its time is when the activator failed), or {@code null}
     */
    private static ActivationFailureDTO fromDeploy(AuditEventDTO e, ActivationFailureDTO attempt) {
        ActivationFailureDTO f = new ActivationFailureDTO();
        f.source = ActivationFailureDTO.FROM_JOURNAL_DEPLOY;
        f.time = attempt != null && attempt.time != null ? attempt.time : e.time;
        Map<String, Object> d = e.details;
        f.exception = text(d.get("exception"));
        f.message = text(d.get("message"));
        f.rootCause = text(d.get("rootCauseClass"));
        f.rootCauseMessage = text(d.get("rootCauseMessage"));
        f.wrapper = text(d.get("wrapper"));
        return f;
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static ActivationFailureDTO fromError(AuditEventDTO e) {
        ActivationFailureDTO f = new ActivationFailureDTO();
        f.source = ActivationFailureDTO.FROM_JOURNAL_ERROR;
        f.time = e.time;
        Map<String, Object> d = e.details == null ? Map.of() : e.details;
        Object exception = d.get("exception");
        Object message = d.get("message");
        Object cause = d.get("cause");
        Object causeClass = d.get("causeClass");
        if (causeClass != null) {
            // the cause as two fields (causeClass, causeMessage)
            f.exception = String.valueOf(causeClass);
            f.message = text(d.get("causeMessage"));
            f.wrapper = exception == null ? null : exception + (message == null ? "" : ": " + message);
        } else if (cause != null) {
            // the journal writes the cause as "class: message" (LifecycleRecorder)
            String c = String.valueOf(cause);
            int sep = c.indexOf(": ");
            f.exception = sep < 0 ? c : c.substring(0, sep);
            f.message = sep < 0 ? null : c.substring(sep + 2);
            f.wrapper = exception == null ? null : exception + (message == null ? "" : ": " + message);
        } else {
            // the one shape (ExceptionFacts): the exception that matters, and the framework's wrapper apart
            f.exception = exception == null ? null : String.valueOf(exception);
            f.message = message == null ? null : String.valueOf(message);
            f.wrapper = text(d.get("wrapper"));
        }
        // the innermost cause, when the recorder wrote it (same fields as the deploy folder's events)
        f.rootCause = text(d.get("rootCauseClass"));
        f.rootCauseMessage = text(d.get("rootCauseMessage"));
        return f;
    }
}
