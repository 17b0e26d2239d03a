package dev.revisor.fleet.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.revisor.audit.api.Journal;

/**
 * The fleet's journal events ({@code fleet.*}, docs/journal.md and docs/fleet.md): every one carries
 * {@code fleetOperation}, the rollout's id, so that one rollout can be followed across the members' journals.
 * Concurrent Semantics: stateless.
 */
final class FleetEvents {
    private FleetEvents() {
    }

    static void record(Journal journal, String type, String rollout, String plugin, String version, String sha256,
            Map<String, Object> more) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("fleetOperation", rollout);
        details.put("plugin", plugin);
        details.put("version", version);
        details.put("sha256", sha256);
        details.putAll(more);
        journal.record(type, null, null, details);
    }
}
