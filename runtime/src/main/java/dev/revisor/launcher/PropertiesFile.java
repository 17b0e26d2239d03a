package dev.revisor.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a {@code .properties} file of {@code etc/} (UTF-8) and replaces {@code ${name}} in its values. A name is looked
 * up, in this order, among the launcher's built-in values ({@code revisor.home}, {@code revisor.data},
 * {@code revisor.dist}, {@code revisor.control.socket}), the other keys of the same file, the JVM's system properties,
 * and, written {@code ${env:NAME}}, the environment. A JVM system property with the same name as a key of the file
 * overrides that key's value. Errors name the file, the key and the problem.
 */
final class PropertiesFile {
    private final Path file;
    private final Map<String, String> raw;
    private final Map<String, String> builtins;
    private final Properties system;
    private final Map<String, String> env;

    private PropertiesFile(Path file, Map<String, String> raw, Map<String, String> builtins, Properties system,
            Map<String, String> env) {
        this.file = file;
        this.raw = raw;
        this.builtins = builtins;
        this.system = system;
        this.env = env;
    }

    /** Reads and resolves {@code file}; keys keep the order of the file. */
    static Map<String, String> load(Path file, Map<String, String> builtins, Properties system,
            Map<String, String> env) throws ConfigException {
        Map<String, String> raw = new LinkedHashMap<>();
        Properties properties = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Object put(Object key, Object value) {
                raw.put((String) key, ((String) value).trim());
                return super.put(key, value);
            }
        };
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read it (permission denied)");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": malformed: " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read it: " + e.getMessage(), e);
        }
        for (Map.Entry<String, String> entry : raw.entrySet()) {
            String override = system.getProperty(entry.getKey());
            if (override != null) {
                entry.setValue(override.trim());
            }
        }
        PropertiesFile resolver = new PropertiesFile(file, raw, builtins, system, env);
        Map<String, String> resolved = new LinkedHashMap<>();
        for (String key : raw.keySet()) {
            resolved.put(key, resolver.resolve(key, new ArrayDeque<>()));
        }
        return resolved;
    }

    private String resolve(String key, Deque<String> stack) throws ConfigException {
        if (stack.contains(key)) {
            throw new ConfigException(file + ": " + stack.getFirst() + ": ${" + key + "} refers to itself (through "
                    + String.join(" -> ", stack) + " -> " + key + ")");
        }
        stack.addLast(key);
        String value = raw.get(key);
        StringBuilder result = new StringBuilder(value.length());
        int from = 0;
        while (true) {
            int start = value.indexOf("${", from);
            if (start < 0) {
                result.append(value, from, value.length());
                break;
            }
            int end = value.indexOf('}', start + 2);
            if (end < 0) {
                throw new ConfigException(file + ": " + stack.getFirst() + ": unclosed '${' in '" + value + "'");
            }
            result.append(value, from, start);
            result.append(lookup(value.substring(start + 2, end), stack));
            from = end + 1;
        }
        stack.removeLast();
        return result.toString();
    }

    private String lookup(String name, Deque<String> stack) throws ConfigException {
        String builtin = builtins.get(name);
        if (builtin != null) {
            return builtin;
        }
        if (raw.containsKey(name)) {
            return resolve(name, stack);
        }
        String property = system.getProperty(name);
        if (property != null) {
            return property;
        }
        if (name.startsWith("env:")) {
            String variable = env.get(name.substring(4));
            if (variable != null) {
                return variable;
            }
            throw new ConfigException(file + ": " + stack.getFirst() + ": ${" + name + "}: the environment variable "
                    + name.substring(4) + " is not set");
        }
        throw new ConfigException(file + ": " + stack.getFirst() + ": ${" + name + "} is not defined (known: "
                + String.join(", ", builtins.keySet()) + ", the keys of this file, JVM system properties, "
                + "${env:NAME})");
    }
}
