package dev.revisor.launcher;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an OSGi Feature JSON descriptor (Compendium ch.159) with Gson. Comments are allowed, as the specification
 * allows them. Used: {@code feature-resource-version} (must be 1.0 when present), {@code id} (required),
 * {@code name}, {@code bundles} (strings or objects with {@code id} and an optional positive integer
 * {@code start-order}, default 1), and {@code configurations}. Anything else is ignored with a warning from the
 * caller ({@link #ignoredKeys}).
 */
final class FeatureReader {
    static final int DEFAULT_START_ORDER = 1;
    private static final Set<String> KNOWN_KEYS = Set.of("feature-resource-version", "id", "name", "description",
            "docURL", "license", "scm", "vendor", "copyright", "categories", "complete", "bundles", "configurations");

    private FeatureReader() {
    }

    static Feature read(Path file) throws FeatureException {
        JsonElement root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(reader);
        } catch (NoSuchFileException e) {
            throw new FeatureException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new FeatureException(file + ": cannot read it (permission denied)");
        } catch (IOException e) {
            throw new FeatureException(file + ": cannot read it: " + e.getMessage());
        } catch (JsonParseException e) {
            throw new FeatureException(file + ": malformed JSON: " + message(e));
        }
        if (!root.isJsonObject()) {
            throw new FeatureException(file + ": a feature must be a JSON object, not " + describe(root));
        }
        JsonObject json = root.getAsJsonObject();

        JsonElement version = json.get("feature-resource-version");
        if (version != null && !(version.isJsonPrimitive() && version.getAsString().equals("1.0"))) {
            throw new FeatureException(file + ": feature-resource-version " + version
                    + " is not supported (only \"1.0\")");
        }
        String idText = string(json, "id", file, "");
        if (idText == null) {
            throw new FeatureException(file + ": the feature has no \"id\" (groupId:artifactId:version)");
        }
        ArtifactId id;
        try {
            id = ArtifactId.parse(idText);
        } catch (IllegalArgumentException e) {
            throw new FeatureException(file + ": id: " + e.getMessage());
        }
        String name = string(json, "name", file, "");
        return new Feature(file, id, name == null ? id.toString() : name, bundles(json.get("bundles"), file),
                configurations(json.get("configurations"), file));
    }

    /** Top-level keys of the file that the launcher does not act on. */
    static List<String> ignoredKeys(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement root = JsonParser.parseReader(reader);
            List<String> ignored = new ArrayList<>();
            for (String key : root.getAsJsonObject().keySet()) {
                if (!KNOWN_KEYS.contains(key)) {
                    ignored.add(key);
                }
            }
            return ignored;
        } catch (IOException | RuntimeException e) {
            return Collections.emptyList();
        }
    }

    private static List<Feature.Bundle> bundles(JsonElement element, Path file) throws FeatureException {
        if (element == null || element.isJsonNull()) {
            return Collections.emptyList();
        }
        if (!element.isJsonArray()) {
            throw new FeatureException(file + ": \"bundles\" must be an array, not " + describe(element));
        }
        List<Feature.Bundle> bundles = new ArrayList<>();
        JsonArray array = element.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            JsonElement entry = array.get(i);
            String where = "bundles[" + i + "]";
            String idText;
            int startOrder = DEFAULT_START_ORDER;
            if (entry.isJsonPrimitive() && entry.getAsJsonPrimitive().isString()) {
                idText = entry.getAsString();
            } else if (entry.isJsonObject()) {
                idText = string(entry.getAsJsonObject(), "id", file, where + ".");
                if (idText == null) {
                    throw new FeatureException(file + ": " + where + " has no \"id\"");
                }
                JsonElement order = entry.getAsJsonObject().get("start-order");
                if (order != null) {
                    startOrder = startOrder(order, file, where + " (" + idText + ")");
                }
            } else {
                throw new FeatureException(file + ": " + where + " must be a Maven id or an object with \"id\", not "
                        + describe(entry));
            }
            ArtifactId id;
            try {
                id = ArtifactId.parse(idText);
            } catch (IllegalArgumentException e) {
                throw new FeatureException(file + ": " + where + ": " + e.getMessage());
            }
            for (Feature.Bundle seen : bundles) {
                if (seen.id().equals(id)) {
                    throw new FeatureException(file + ": " + where + ": " + id + " is listed twice");
                }
            }
            bundles.add(new Feature.Bundle(id, startOrder));
        }
        return Collections.unmodifiableList(bundles);
    }

    private static int startOrder(JsonElement order, Path file, String where) throws FeatureException {
        if (order.isJsonPrimitive()) {
            JsonPrimitive primitive = order.getAsJsonPrimitive();
            String text = primitive.getAsString().trim();
            if (primitive.isNumber() || primitive.isString()) {
                try {
                    BigDecimal number = new BigDecimal(text);
                    int value = number.intValueExact();
                    if (value >= 1) {
                        return value;
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    // reported below
                }
            }
        }
        throw new FeatureException(file + ": " + where + ": start-order must be a positive integer, not " + order);
    }

    private static Map<String, Map<String, Object>> configurations(JsonElement element, Path file)
            throws FeatureException {
        if (element == null || element.isJsonNull()) {
            return Collections.emptyMap();
        }
        if (!element.isJsonObject()) {
            throw new FeatureException(file + ": \"configurations\" must be an object, not " + describe(element));
        }
        Map<String, Map<String, Object>> configurations = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> pid : element.getAsJsonObject().entrySet()) {
            String where = "configurations." + pid.getKey();
            if (pid.getKey().isBlank()) {
                throw new FeatureException(file + ": configurations: an empty PID");
            }
            if (!pid.getValue().isJsonObject()) {
                throw new FeatureException(file + ": " + where + " must be an object, not " + describe(pid.getValue()));
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> property : pid.getValue().getAsJsonObject().entrySet()) {
                String key = property.getKey();
                if (key.startsWith(":configurator:")) {
                    continue; // instructions for the Configurator, not properties
                }
                String type = null;
                int colon = key.indexOf(':');
                if (colon > 0) {
                    type = key.substring(colon + 1);
                    key = key.substring(0, colon);
                }
                properties.put(key, ConfigurationValues.convert(property.getValue(), type, file,
                        where + "." + property.getKey()));
            }
            configurations.put(pid.getKey(), Collections.unmodifiableMap(properties));
        }
        return Collections.unmodifiableMap(configurations);
    }

    private static String string(JsonObject json, String key, Path file, String prefix) throws FeatureException {
        JsonElement value = json.get(key);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return value.getAsString();
        }
        throw new FeatureException(file + ": " + prefix + key + " must be a string, not " + describe(value));
    }

    static String describe(JsonElement element) {
        if (element.isJsonObject()) {
            return "an object";
        }
        if (element.isJsonArray()) {
            return "an array";
        }
        if (element.isJsonNull()) {
            return "null";
        }
        return element.toString();
    }

    private static String message(JsonParseException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String text = cause.getMessage();
        int see = text == null ? -1 : text.indexOf("\nSee ");
        return see >= 0 ? text.substring(0, see) : String.valueOf(text);
    }

    /** JSON values to Configuration Admin property values; {@code type} is the {@code key:Type} suffix, if any. */
    static final class ConfigurationValues {
        private ConfigurationValues() {
        }

        static Object convert(JsonElement value, String type, Path file, String where) throws FeatureException {
            if (type == null) {
                return untyped(value, file, where);
            }
            String elementType = type;
            boolean array = false;
            if (type.endsWith("[]")) {
                array = true;
                elementType = type.substring(0, type.length() - 2);
            } else if (type.startsWith("Collection<") && type.endsWith(">")) {
                array = true; // Revisor passes collections as arrays
                elementType = type.substring(11, type.length() - 1);
            }
            Class<?> target = typeClass(elementType, file, where);
            if (!array) {
                return scalar(value, target, file, where);
            }
            if (!value.isJsonArray()) {
                throw new FeatureException(file + ": " + where + ": a " + type + " needs an array, not "
                        + describe(value));
            }
            JsonArray elements = value.getAsJsonArray();
            Object result = Array.newInstance(target, elements.size());
            for (int i = 0; i < elements.size(); i++) {
                Array.set(result, i, scalar(elements.get(i), target, file, where + "[" + i + "]"));
            }
            return result;
        }

        private static Object untyped(JsonElement value, Path file, String where) throws FeatureException {
            if (value.isJsonPrimitive()) {
                JsonPrimitive primitive = value.getAsJsonPrimitive();
                if (primitive.isBoolean()) {
                    return primitive.getAsBoolean();
                }
                if (primitive.isNumber()) {
                    BigDecimal number = primitive.getAsBigDecimal();
                    try {
                        return number.longValueExact();
                    } catch (ArithmeticException e) {
                        return number.doubleValue();
                    }
                }
                return primitive.getAsString();
            }
            if (value.isJsonArray()) {
                JsonArray array = value.getAsJsonArray();
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < array.size(); i++) {
                    JsonElement item = array.get(i);
                    if (!item.isJsonPrimitive()) {
                        throw new FeatureException(file + ": " + where + "[" + i + "]: arrays may hold only strings,"
                                + " numbers and booleans, not " + describe(item));
                    }
                    items.add(untyped(item, file, where + "[" + i + "]"));
                }
                Class<?> common = items.isEmpty() ? String.class : items.get(0).getClass();
                for (Object item : items) {
                    if (item.getClass() != common) {
                        throw new FeatureException(file + ": " + where + ": the array mixes " + common.getSimpleName()
                                + " and " + item.getClass().getSimpleName() + "; give the type as key:Type[]");
                    }
                }
                return items.toArray((Object[]) Array.newInstance(common, 0));
            }
            throw new FeatureException(file + ": " + where + ": a configuration value must be a string, number,"
                    + " boolean or array, not " + describe(value));
        }

        private static Class<?> typeClass(String name, Path file, String where) throws FeatureException {
            switch (name) {
                case "String": return String.class;
                case "Integer": case "int": return Integer.class;
                case "Long": case "long": return Long.class;
                case "Float": case "float": return Float.class;
                case "Double": case "double": return Double.class;
                case "Boolean": case "boolean": return Boolean.class;
                case "Short": case "short": return Short.class;
                case "Byte": case "byte": return Byte.class;
                case "Character": case "char": return Character.class;
                default:
                    throw new FeatureException(file + ": " + where + ": unknown type '" + name + "'");
            }
        }

        private static Object scalar(JsonElement value, Class<?> target, Path file, String where)
                throws FeatureException {
            if (!value.isJsonPrimitive()) {
                throw new FeatureException(file + ": " + where + ": expected a " + target.getSimpleName() + ", not "
                        + describe(value));
            }
            String text = value.getAsString();
            try {
                if (target == String.class) {
                    return text;
                } else if (target == Boolean.class) {
                    if (text.equals("true") || text.equals("false")) {
                        return Boolean.valueOf(text);
                    }
                } else if (target == Character.class) {
                    if (text.length() == 1) {
                        return text.charAt(0);
                    }
                } else if (target == Integer.class) {
                    return new BigDecimal(text).intValueExact();
                } else if (target == Long.class) {
                    return new BigDecimal(text).longValueExact();
                } else if (target == Short.class) {
                    return new BigDecimal(text).shortValueExact();
                } else if (target == Byte.class) {
                    return new BigDecimal(text).byteValueExact();
                } else if (target == Float.class) {
                    return Float.valueOf(text);
                } else if (target == Double.class) {
                    return Double.valueOf(text);
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // reported below
            }
            throw new FeatureException(file + ": " + where + ": '" + text + "' is not a " + target.getSimpleName());
        }
    }
}
