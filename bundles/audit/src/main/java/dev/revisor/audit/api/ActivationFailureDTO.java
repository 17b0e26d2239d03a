package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * A failure of a bundle's activator.
 */
public class ActivationFailureDTO extends DTO {
    /** Where it was seen: the journal's {@code framework.error} event, the journal's start without {@code bundle.started}, or a trial start. */
    public static final String FROM_JOURNAL_ERROR = "journal-error";
    /** A start seen in the journal that ended without {@code bundle.started}; the exception went to whoever called start. */
    public static final String FROM_JOURNAL_LIFECYCLE = "journal-lifecycle";
    /** A start attempted by the diagnostic because the user asked for it. */
    public static final String FROM_TRIAL_START = "trial-start";
    /**
     * A start made by the deploy folder: its {@code deploy.failed}, {@code deploy.rollback-failed} or
     * {@code deploy.start-returned} event carries the activator's exception.
     */
    public static final String FROM_JOURNAL_DEPLOY = "journal-deploy";

    /** {@link #FROM_JOURNAL_ERROR}, {@link #FROM_JOURNAL_LIFECYCLE}, {@link #FROM_JOURNAL_DEPLOY} or {@link #FROM_TRIAL_START}. */
    public String source;
    /** When it happened, ISO-8601, or {@code null} when unknown. */
    public String time;
    /**
     * When the exception below was reported, if that was an earlier attempt than {@link #time} (the framework
     * reported it, a later start by another caller failed again without telling the framework); otherwise {@code null}.
     */
    public String exceptionTime;
    /** The exception class, e.g. {@code java.lang.IllegalStateException}, or {@code null} when unknown. */
    public String exception;
    /** The exception's message, or {@code null}. */
    public String message;
    /** The framework's exception, when the activator's exception was wrapped, or {@code null}. */
    public String wrapper;
    /** The class of the innermost cause of {@link #exception}, when it has one and it is known; otherwise {@code null}. */
    public String rootCause;
    /** That cause's message, or {@code null}. */
    public String rootCauseMessage;
}
