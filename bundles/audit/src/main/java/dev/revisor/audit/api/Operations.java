package dev.revisor.audit.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Operations group lifecycle changes: every install, update, uninstall, start, stop, resolve and refresh belongs
 * to one, with an id, a kind, a trigger, a start, an end and an outcome. Journal events emitted during an
 * operation carry its id.
 * <p>
 * Code that changes the framework on purpose (the deploy folder, a shell command, a user's tool) opens an
 * operation around the change with {@link #begin}; changes nobody announced (a Gogo {@code update 12}, the
 * framework's own refresh) get an operation of their own, with the trigger the audit can tell.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@ProviderType
public interface Operations {
    /** Trigger prefix of a change made for a file in the deploy folder: {@code deploy:<file name>}. */
    String TRIGGER_DEPLOY = "deploy:";
    /** Trigger prefix of a change made by a shell command: {@code shell:<command line>}. */
    String TRIGGER_SHELL = "shell:";
    /** Trigger prefix of a change made through an API: {@code api:<caller>}. */
    String TRIGGER_API = "api:";
    /** Trigger of a change the framework made by itself (start level, its own refresh). */
    String TRIGGER_FRAMEWORK = "framework";

    /**
     * Begins an operation on the calling thread. Until it is closed, the events the framework emits on this
     * thread, and those of refreshes it starts through {@link Refreshes#refresh}, carry its id. Operations on
     * one thread nest: an inner one ends before the outer one.
     *
     * @param kind    what it does: {@code install}, {@code update}, {@code uninstall}, {@code start}, {@code stop},
     *                {@code refresh}, {@code resolve}, {@code deploy}, or another word
     * @param trigger why it happens, one of the {@code TRIGGER_*} forms
     * @param subject what it is about, for people: a bundle name, a file name
     * @return the open operation; close it (try-with-resources) when the change is done
     */
    Operation begin(String kind, String trigger, String subject);

    /** @return the innermost operation open on the calling thread, or {@code null} */
    OperationDTO current();

    /**
     * @param id an operation id
     * @return the operation, open or ended, or {@code null} when the runtime does not remember it
     */
    OperationDTO find(String id);

    /**
     * @param limit at most this many
     * @return the most recent operations, newest last
     */
    List<OperationDTO> recent(int limit);
}
