package dev.revisor.audit.internal;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;

/**
 * The cap on one journal line ({@code max.event.bytes}, docs/journal.md): no single event, whatever a bundle or a
 * file put into it, can fill a journal file and rotate the history away. An event whose line is longer is written
 * shortened: its long strings cut with a note of how many characters were left out, its long lists cut with
 * {@code "and N more"}, ever shorter until the line fits, and {@code details.truncated} holds the length in bytes of
 * the line it would have had. Runs on the journal writer's thread. Stateless besides its limit; thread safe.
 */
final class EventCap {
    static final int DEFAULT_MAX_EVENT_BYTES = 64 * 1024;
    static final int MIN_MAX_EVENT_BYTES = 1024;
    /** The detail that says a line was shortened, with the length in bytes it would have had. */
    static final String TRUNCATED = "truncated";

    private final int maxBytes;

    EventCap(int maxBytes) {
        if (maxBytes < MIN_MAX_EVENT_BYTES) {
            throw new IllegalArgumentException("max.event.bytes must be at least " + MIN_MAX_EVENT_BYTES + ", not " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    int maxBytes() {
        return maxBytes;
    }

    /** @return whether {@code line[from..]} has at most {@code max.event.bytes} bytes in UTF-8 */
    boolean fits(CharSequence line, int from) {
        int chars = line.length() - from;
        if (chars <= maxBytes / 3) {
            return true; // at most 3 bytes per char
        }
        if (chars > maxBytes) {
            return false;
        }
        return utf8Length(line, from) <= maxBytes;
    }

    static long utf8Length(CharSequence s, int from) {
        long bytes = 0;
        for (int i = from, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * @param event        the event whose line was too long
     * @param encodedBytes the length of that line, in bytes
     * @param codec        to measure each attempt
     * @return a shortened copy whose line fits (the seq, time, type and operation are the event's own)
     */
    AuditEventDTO shorten(AuditEventDTO event, long encodedBytes, JournalCodec codec) {
        for (int strings = maxBytes / 4, items = 64; strings >= 16; strings /= 4, items = Math.max(4, items / 4)) {
            AuditEventDTO copy = copy(event, strings, items, encodedBytes);
            if (utf8Length(codec.encode(copy), 0) <= maxBytes) {
                return copy;
            }
        }
        AuditEventDTO bare = copy(event, 16, 0, encodedBytes); // the details could not be shortened enough: left out
        bare.details = new LinkedHashMap<>();
        bare.details.put(TRUNCATED, encodedBytes);
        bare.details.put("note", "the details of this event were left out: its line had " + encodedBytes
                + " bytes, more than max.event.bytes (" + maxBytes + ")");
        return bare;
    }

    private static AuditEventDTO copy(AuditEventDTO event, int strings, int items, long encodedBytes) {
        AuditEventDTO copy = new AuditEventDTO();
        copy.seq = event.seq;
        copy.time = event.time;
        copy.type = cut(event.type, 256);
        copy.operation = cut(event.operation, 256);
        if (event.bundle != null) {
            BundleRefDTO b = new BundleRefDTO();
            b.id = event.bundle.id;
            b.symbolicName = cut(event.bundle.symbolicName, Math.min(strings, 1024));
            b.version = cut(event.bundle.version, Math.min(strings, 1024));
            copy.bundle = b;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        if (event.details != null) {
            for (Map.Entry<String, Object> e : event.details.entrySet()) {
                details.put(cut(e.getKey(), 256), value(e.getValue(), strings, items));
            }
        }
        details.put(TRUNCATED, encodedBytes);
        copy.details = details;
        return copy;
    }

    private static Object value(Object v, int strings, int items) {
        if (v instanceof String) {
            return cut((String) v, strings);
        }
        if (v instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            int n = 0;
            Map<?, ?> map = (Map<?, ?>) v;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (n++ >= Math.max(items, 1)) {
                    m.put("...", "and " + (map.size() - items) + " more");
                    break;
                }
                m.put(cut(String.valueOf(e.getKey()), 256), value(e.getValue(), strings, items));
            }
            return m;
        }
        List<Object> list = null;
        if (v instanceof Collection) {
            list = new ArrayList<>((Collection<?>) v);
        } else if (v != null && v.getClass().isArray() && v.getClass().getComponentType() != char.class) {
            list = new ArrayList<>();
            for (int i = 0, n = Array.getLength(v); i < n; i++) {
                list.add(Array.get(v, i));
            }
        }
        if (list != null) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Math.min(items, list.size()); i++) {
                out.add(value(list.get(i), strings, items));
            }
            if (list.size() > items) {
                out.add("and " + (list.size() - items) + " more");
            }
            return out;
        }
        if (v instanceof Number || v instanceof Boolean || v == null) {
            return v;
        }
        return cut(String.valueOf(v), strings); // a DTO or other object: its text, cut
    }

    /** @return the text, or its first {@code max} characters and how many were left out */
    static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int keep = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, keep) + " [... " + (s.length() - keep) + " more characters left out]";
    }
}
