package dev.revisor.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;

/** The hand-written encoding must be the very line Gson writes: readers, tests and users' scripts see no difference. */
class JournalCodecTest {
    private final JournalCodec codec = new JournalCodec();

    @Test
    void aTypicalEventIsTheLineGsonWrites() {
        AuditEventDTO e = new AuditEventDTO();
        e.seq = 1042;
        e.time = "2026-11-27T15:20:01.123Z";
        e.type = "service.unregistering";
        e.operation = "op-1037";
        e.bundle = new BundleRefDTO();
        e.bundle.id = 12;
        e.bundle.symbolicName = "org.example.plugin.a";
        e.bundle.version = "1.0.0";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("serviceId", 57L);
        d.put("objectClass", List.of("org.example.Greeting"));
        d.put("usingBundles", List.of(3L, 4L));
        d.put("pid", null);
        e.details = d;
        assertThat(codec.encode(e)).isEqualTo(codec.encodeWithGson(e))
                .isEqualTo("{\"seq\":1042,\"time\":\"2026-11-27T15:20:01.123Z\",\"type\":\"service.unregistering\","
                        + "\"operation\":\"op-1037\",\"bundle\":{\"id\":12,\"symbolicName\":\"org.example.plugin.a\","
                        + "\"version\":\"1.0.0\"},\"details\":{\"serviceId\":57,\"objectClass\":[\"org.example.Greeting\"],"
                        + "\"usingBundles\":[3,4]}}");
    }

    @Test
    void anyMixOfValuesAndCharactersIsTheLineGsonWrites() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            AuditEventDTO e = new AuditEventDTO();
            e.seq = random.nextLong(1, Long.MAX_VALUE);
            e.time = random.nextBoolean() ? text(random) : null;
            e.type = text(random);
            e.operation = random.nextBoolean() ? text(random) : null;
            if (random.nextBoolean()) {
                e.bundle = new BundleRefDTO();
                e.bundle.id = random.nextLong(-1, 10_000);
                e.bundle.symbolicName = random.nextBoolean() ? text(random) : null;
                e.bundle.version = random.nextBoolean() ? text(random) : null;
            }
            e.details = random.nextInt(10) == 0 ? null : map(random, 0);
            assertThat(codec.encode(e)).as("event %d", i).isEqualTo(codec.encodeWithGson(e));
            assertThat(codec.decode(codec.encode(e))).as("reads back").isNotNull();
        }
    }

    private static Map<String, Object> map(SplittableRandom random, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = random.nextInt(6); i > 0; i--) {
            m.put(text(random), value(random, depth));
        }
        return m;
    }

    private static Object value(SplittableRandom random, int depth) {
        switch (random.nextInt(depth > 2 ? 9 : 12)) {
            case 0: return null;
            case 1: return text(random);
            case 2: return random.nextLong();
            case 3: return random.nextInt();
            case 4: return random.nextBoolean();
            case 5: return random.nextDouble() * 1e6;
            case 6: return (double) random.nextInt(100); // integral doubles: 3.0
            case 7: return new BigDecimal("12.50");
            case 8: {
                BundleRefDTO ref = new BundleRefDTO(); // a DTO inside details: Gson's own reflection
                ref.id = 3;
                ref.symbolicName = "x\"y";
                return ref;
            }
            case 9: return map(random, depth + 1);
            case 10: {
                List<Object> l = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    l.add(value(random, depth + 1));
                }
                return l;
            }
            default: return random.nextBoolean() ? new long[] {1, 2} : Arrays.asList("a", null, 'c');
        }
    }

    /** Printable text with everything JSON or Gson escapes mixed in: quotes, backslashes, controls, U+2028/9, non-ASCII. */
    private static String text(SplittableRandom random) {
        String special = "\"\\\t\b\n\r\f\u0000\u0001\u001f\u2028\u2029<>&='é漢😀";
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            if (random.nextInt(4) == 0) {
                int at = random.nextInt(special.length());
                b.append(special.charAt(at));
            } else {
                b.append((char) ('a' + random.nextInt(26)));
            }
        }
        return b.toString();
    }
}
