package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;

import dev.revisor.audit.api.BundleRefDTO;

/** Turns DTOs into the plain maps and lists that journal details hold. Concurrent Semantics: thread safe. */
final class Dtos {
    private static final java.lang.reflect.Type MAP = new TypeToken<Map<String, Object>>() { }.getType();
    private final Gson gson = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

    /** @return the DTO's fields as a map of strings, numbers, booleans, lists and maps (nulls left out) */
    Map<String, Object> toMap(Object dto) {
        return gson.fromJson(gson.toJsonTree(dto), MAP);
    }

    List<Object> toList(List<?> dtos) {
        List<Object> out = new ArrayList<>();
        for (Object d : dtos) {
            out.add(toMap(d));
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
