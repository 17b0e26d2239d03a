package dev.revisor.shell.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;

/**
 * The one JSON style of every {@code --json} output: pretty-printed, nulls left out, no HTML escaping.
 * Commands build a DTO (or a map of DTOs) and pass it here; they never write JSON by hand.
 * Concurrent Semantics: thread safe.
 */
public final class Json {
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .disableHtmlEscaping()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .create();

    private Json() {
    }

    /**
     * @param value a DTO, a map or a list of them
     * @return one JSON document
     */
    public static String of(Object value) {
        return GSON.toJson(value);
    }
}
