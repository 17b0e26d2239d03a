package dev.revisor.audit.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;

import dev.revisor.audit.api.AuditEventDTO;

/**
 * Turns journal events into one line of JSON and back. Numbers in {@code details} read back as
 * {@code Long} when they are integral. Concurrent Semantics: thread safe (Gson is).
 */
final class JournalCodec {
    private final Gson gson = new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .disableHtmlEscaping()
            .create();

    String encode(AuditEventDTO event) {
        return gson.toJson(event);
    }

    /**
     * @param line one line of a journal file
     * @return the event, or {@code null} when the line is not a complete event (a partial line left by a crash)
     */
    AuditEventDTO decode(String line) {
        if (line.isBlank() || line.charAt(0) != '{') {
            return null;
        }
        try {
            AuditEventDTO event = gson.fromJson(line, AuditEventDTO.class);
            return event == null || event.type == null || event.seq <= 0 ? null : event;
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            return null;
        }
    }
}
