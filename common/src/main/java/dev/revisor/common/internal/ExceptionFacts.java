package dev.revisor.common.internal;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one shape of an exception in the journal (docs/journal.md, "An exception in an event"), for every event that
 * carries one ({@code framework.error}, {@code deploy.failed}, {@code deploy.rolled-back}, ...):
 * <ul>
 * <li>{@code exception}, {@code message}: the exception that matters (for an activator that threw, the activator's
 * own exception, not the framework's {@code BundleException} around it); a {@code null} message is left out;</li>
 * <li>{@code rootCauseClass}, {@code rootCauseMessage}: its innermost cause, when it has one;</li>
 * <li>{@code wrapper}: the framework's exception that wrapped it, as {@code class: message}, when there was one.</li>
 * </ul>
 * How a message is written is the bundle's choice ({@link #of(Throwable, boolean, java.util.function.UnaryOperator)}):
 * the audit keeps messages whole (the journal caps a long event as a whole), the deploy folder their first line.
 * <p>
 * Owns nothing; pure functions, called on any thread. Inlined into each bundle by bnd {@code -conditionalpackage}.
 */
public final class ExceptionFacts {
    private ExceptionFacts() {
    }

    /**
     * @param thrown  what was thrown, or {@code null} (no fields)
     * @param wrapper whether {@code thrown} is the framework's wrapper ({@code BundleException}) of the exception that
     *                matters: its cause is then reported as the exception, itself as {@code wrapper}
     * @return the fields, in the order above ({@code wrapper} last)
     */
    public static Map<String, Object> of(Throwable thrown, boolean wrapper) {
        return of(thrown, wrapper, m -> m);
    }

    /**
     * @param text how a bundle writes a (non-null) message: the audit keeps it whole, the deploy folder its first line
     * @see #of(Throwable, boolean)
     */
    public static Map<String, Object> of(Throwable thrown, boolean wrapper, java.util.function.UnaryOperator<String> text) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (thrown == null) {
            return d;
        }
        Throwable exception = wrapper && thrown.getCause() != null ? thrown.getCause() : thrown;
        d.put("exception", exception.getClass().getName());
        if (exception.getMessage() != null) {
            d.put("message", text.apply(exception.getMessage()));
        }
        Throwable root = rootCause(exception);
        if (root != exception) {
            d.put("rootCauseClass", root.getClass().getName());
            if (root.getMessage() != null) {
                d.put("rootCauseMessage", text.apply(root.getMessage()));
            }
        }
        if (exception != thrown) {
            d.put("wrapper", thrown.getClass().getName() + (thrown.getMessage() == null ? "" : ": " + text.apply(thrown.getMessage())));
        }
        return d;
    }

    /** @return the innermost cause (the throwable itself when it has none); safe against cause cycles */
    public static Throwable rootCause(Throwable t) {
        Throwable root = t;
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(t);
        for (int i = 0; i < 32 && root.getCause() != null && seen.add(root.getCause()); i++) {
            root = root.getCause();
        }
        return root;
    }
}
