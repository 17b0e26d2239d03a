package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.common.internal.Lazy;

/**
 * Turns DTOs into the plain maps and lists that journal details hold. Gson is set up by the first conversion (a
 * refresh plan, a retired revision), not when the audit bundle starts. Concurrent Semantics: thread safe.
 */
final class Dtos {
    private final Lazy<Gson> gson = new Lazy<>(() -> new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create());
    private final Lazy<java.lang.reflect.Type> mapType = new Lazy<>(() -> new TypeToken<Map<String, Object>>() { }.getType());

    /** @return the DTO's fields as a map of strings, numbers, booleans, lists and maps (nulls left out) */
    Map<String, Object> toMap(Object dto) {
        Gson g = gson.get();
        return g.fromJson(g.toJsonTree(dto), mapType.get());
    }

    List<Object> toList(List<?> dtos) {
        List<Object> out = new ArrayList<>();
        for (Object d : dtos) {
            out.add(toMap(d));
        }
        return out;
    }

    /** @return the refs by bundle id, in their order */
    static Map<Long, BundleRefDTO> byId(Iterable<BundleRefDTO> refs) {
        Map<Long, BundleRefDTO> out = new LinkedHashMap<>();
        for (BundleRefDTO r : refs) {
            out.put(r.id, r);
        }
        return out;
    }

    static List<Long> ids(Iterable<BundleRefDTO> refs) {
        List<Long> ids = new ArrayList<>();
        for (BundleRefDTO r : refs) {
            ids.add(r.id);
        }
        return ids;
    }
}
