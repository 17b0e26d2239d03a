package dev.revisor.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;

/** The bundles of an OSGi Feature JSON file (Compendium ch.159), as the Revisor launcher reads them. */
final class Feature {
    /** One bundle entry: Maven coordinates and start order. */
    record Entry(String groupId, String artifactId, String version, int startOrder) {
        /** @return the file in a Maven-layout repository such as the distribution's system/ */
        Path in(Path repository) {
            return repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version)
                    .resolve(artifactId + "-" + version + ".jar");
        }

        String id() {
            return groupId + ":" + artifactId + ":" + version;
        }

        /**
         * The plain Felix baseline: the Apache Felix bundles of the feature (SCR, Config Admin, Log, Gogo, FileInstall)
         * and the OSGi API bundles they need; Revisor's own bundles and the libraries only they use (Gson, bndlib,
         * SLF4J, the repository API) are absent, and so is Revisor's log file (Logback and its bridge from the Log
         * Service, org.apache.felix.logback): plain Felix keeps its log in memory.
         */
        boolean thirdPartyBaseline() {
            return groupId.equals("org.apache.felix") && !artifactId.equals("org.apache.felix.logback")
                    || BASELINE_APIS.contains(groupId + ":" + artifactId);
        }
    }

    /** API bundles that SCR needs (DS API, promises, functions). */
    static final java.util.Set<String> BASELINE_APIS = java.util.Set.of("org.osgi:org.osgi.util.function",
            "org.osgi:org.osgi.util.promise", "org.osgi:org.osgi.service.component");

    private Feature() {
    }

    static List<Entry> read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r);
        }
    }

    static List<Entry> parse(Reader text) {
        JsonReader reader = new JsonReader(text);
        reader.setLenient(true); // the specification allows comments
        JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
        List<Entry> entries = new ArrayList<>();
        if (!root.has("bundles")) {
            return entries;
        }
        for (JsonElement e : root.getAsJsonArray("bundles")) {
            String id;
            int order = 1;
            if (e.isJsonPrimitive()) {
                id = e.getAsString();
            } else {
                JsonObject o = e.getAsJsonObject();
                id = o.get("id").getAsString();
                if (o.has("start-order")) {
                    order = o.get("start-order").getAsInt();
                }
            }
            String[] parts = id.split(":");
            if (parts.length < 3) {
                throw new IllegalArgumentException("not a Maven id: " + id);
            }
            entries.add(new Entry(parts[0], parts[1], parts[parts.length - 1], order));
        }
        return entries;
    }
}
