package dev.revisor.audit.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Which journal events to return: the last {@code limit} events that match every filter that is set.
 * Immutable; build one with {@link #last(int)} and the {@code with*} methods.
 */
public final class EventQuery {
    private final int limit;
    private final String bundle;
    private final String operation;
    private final String type;
    private final Instant since;

    private EventQuery(int limit, String bundle, String operation, String type, Instant since) {
        if (limit < 1) {
            throw new IllegalArgumentException("the number of events must be at least 1, not " + limit);
        }
        this.limit = limit;
        this.bundle = bundle;
        this.operation = operation;
        this.type = type;
        this.since = since;
    }

    /**
     * @param limit how many of the newest matching events to return, at least 1
     * @return a query with no filter
     */
    public static EventQuery last(int limit) {
        return new EventQuery(limit, null, null, null, null);
    }

    /**
     * @param bundle a bundle id or symbolic name; events about other bundles are left out
     * @return a copy of this query with that filter
     */
    public EventQuery withBundle(String bundle) {
        return new EventQuery(limit, bundle, operation, type, since);
    }

    /**
     * @param operation an operation id
     * @return a copy of this query that keeps only that operation's events
     */
    public EventQuery withOperation(String operation) {
        return new EventQuery(limit, bundle, operation, type, since);
    }

    /**
     * @param type an event type ({@code bundle.started}) or a prefix ending in a dot ({@code bundle.})
     * @return a copy of this query that keeps only events of that type
     */
    public EventQuery withType(String type) {
        return new EventQuery(limit, bundle, operation, type, since);
    }

    /**
     * @param since the earliest time of an event to keep
     * @return a copy of this query with that filter
     */
    public EventQuery withSince(Instant since) {
        return new EventQuery(limit, bundle, operation, type, since);
    }

    public int limit() { return limit; }
    public String bundle() { return bundle; }
    public String operation() { return operation; }
    public String type() { return type; }
    public Instant since() { return since; }

    /**
     * @param event a journal event
     * @return whether the event passes every filter of this query (the limit is not considered)
     */
    public boolean matches(AuditEventDTO event) {
        if (operation != null && !operation.equals(event.operation)) {
            return false;
        }
        if (type != null && !(type.endsWith(".") ? event.type != null && event.type.startsWith(type) : type.equals(event.type))) {
            return false;
        }
        if (bundle != null) {
            BundleRefDTO ref = event.bundle;
            if (ref == null || !(bundle.equals(Long.toString(ref.id)) || bundle.equals(ref.symbolicName))) {
                return false;
            }
        }
        if (since != null && (event.time == null || Instant.parse(event.time).isBefore(since))) {
            return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "EventQuery[last " + limit + (bundle == null ? "" : ", bundle " + bundle)
                + (operation == null ? "" : ", operation " + operation) + (type == null ? "" : ", type " + type)
                + (since == null ? "" : ", since " + since) + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EventQuery)) {
            return false;
        }
        EventQuery q = (EventQuery) o;
        return limit == q.limit && Objects.equals(bundle, q.bundle) && Objects.equals(operation, q.operation)
                && Objects.equals(type, q.type) && Objects.equals(since, q.since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(limit, bundle, operation, type, since);
    }
}
