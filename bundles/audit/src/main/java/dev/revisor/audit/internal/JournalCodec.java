package dev.revisor.audit.internal;

import java.lang.reflect.Array;
import java.util.Collection;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.common.internal.Lazy;

/**
 * Turns journal events into one line of JSON and back. Numbers in {@code details} read back as
 * {@code Long} when they are integral.
 * <p>
 * Encoding runs on the journal writer's thread for every event, so the line is written by hand into the writer's
 * buffer, exactly as Gson (configured below) writes it: the fields in declaration order, {@code null} fields and
 * {@code null} map values left out, strings escaped as Gson escapes them without HTML escaping. A value in
 * {@code details} that is not a string, number, boolean, character, map, collection or array (a DTO, say) is handed
 * to Gson. Decoding, which only readers do, is Gson's. Gson is set up on its first use, not when the journal opens:
 * it is the largest part of the audit bundle's start otherwise, and a fresh journal, whose events are all encoded
 * by hand, may never need it.
 * <p>
 * Concurrent Semantics: thread safe (stateless besides Gson, which is, and which is made once).
 */
final class JournalCodec {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final Lazy<Gson> gson = new Lazy<>(() -> new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .disableHtmlEscaping()
            .create());

    /**
     * @param typePrefix the start of an event type, e.g. {@code operation.}
     * @return text that every encoded line of such a type contains, to pick lines out before decoding them (a line of
     *         another type may contain it inside a string value; decode and check the type)
     */
    static String typeMarker(String typePrefix) {
        StringBuilder out = new StringBuilder("\"type\":");
        string(out, typePrefix);
        out.setLength(out.length() - 1); // a prefix: without the closing quote
        return out.toString();
    }

    String encode(AuditEventDTO event) {
        StringBuilder out = new StringBuilder(256);
        encodeTo(event, out);
        return out.toString();
    }

    /** Appends the event's line, without the line break, to {@code out}. */
    void encodeTo(AuditEventDTO event, StringBuilder out) {
        if (event.getClass() != AuditEventDTO.class || (event.bundle != null && event.bundle.getClass() != BundleRefDTO.class)) {
            out.append(gson.get().toJson(event)); // a subclass: Gson knows its fields
            return;
        }
        out.append("{\"seq\":").append(event.seq);
        if (event.time != null) {
            string(out.append(",\"time\":"), event.time);
        }
        if (event.type != null) {
            string(out.append(",\"type\":"), event.type);
        }
        if (event.operation != null) {
            string(out.append(",\"operation\":"), event.operation);
        }
        if (event.bundle != null) {
            out.append(",\"bundle\":{\"id\":").append(event.bundle.id);
            if (event.bundle.symbolicName != null) {
                string(out.append(",\"symbolicName\":"), event.bundle.symbolicName);
            }
            if (event.bundle.version != null) {
                string(out.append(",\"version\":"), event.bundle.version);
            }
            out.append('}');
        }
        if (event.details != null) {
            map(out.append(",\"details\":"), event.details);
        }
        out.append('}');
    }

    private void value(StringBuilder out, Object v) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String) {
            string(out, (String) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            out.append(((Number) v).longValue());
        } else if (v instanceof Boolean) {
            out.append(((Boolean) v).booleanValue());
        } else if (v instanceof Map) {
            map(out, (Map<?, ?>) v);
        } else if (v instanceof Collection) {
            out.append('[');
            boolean first = true;
            for (Object item : (Collection<?>) v) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                value(out, item);
            }
            out.append(']');
        } else if (v instanceof Object[] || (v.getClass().isArray() && v.getClass().getComponentType() != char.class)) {
            out.append('[');
            for (int i = 0, n = Array.getLength(v); i < n; i++) {
                if (i > 0) {
                    out.append(',');
                }
                value(out, Array.get(v, i));
            }
            out.append(']');
        } else if (v instanceof Character) {
            string(out, v.toString());
        } else {
            out.append(gson.get().toJson(v)); // doubles (NaN, -0.0, exponents), BigDecimal, DTOs, enums: as Gson writes them
        }
    }

    private void map(StringBuilder out, Map<?, ?> m) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() == null) {
                continue; // Gson leaves out a member whose value is null
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, String.valueOf(e.getKey()));
            out.append(':');
            value(out, e.getValue());
        }
        out.append('}');
    }

    /** A JSON string as Gson writes it without HTML escaping. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        int last = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            String replacement;
            if (c < 0x20) {
                switch (c) {
                    case '\t': replacement = "\\t"; break;
                    case '\b': replacement = "\\b"; break;
                    case '\n': replacement = "\\n"; break;
                    case '\r': replacement = "\\r"; break;
                    case '\f': replacement = "\\f"; break;
                    default: replacement = null; break;
                }
                if (replacement == null) {
                    out.append(s, last, i).append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    last = i + 1;
                    continue;
                }
            } else if (c == '"') {
                replacement = "\\\"";
            } else if (c == '\\') {
                replacement = "\\\\";
            } else if (c == '\u2028') {
                replacement = "\\u2028";
            } else if (c == '\u2029') {
                replacement = "\\u2029";
            } else {
                continue;
            }
            out.append(s, last, i).append(replacement);
            last = i + 1;
        }
        out.append(s, last, n).append('"');
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
            AuditEventDTO event = gson.get().fromJson(line, AuditEventDTO.class);
            return event == null || event.type == null || event.seq <= 0 ? null : event;
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            return null;
        }
    }

    /** @return the line Gson itself writes for the event (the reference the hand-written encoding is tested against) */
    String encodeWithGson(AuditEventDTO event) {
        return gson.get().toJson(event);
    }
}
