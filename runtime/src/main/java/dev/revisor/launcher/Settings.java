package dev.revisor.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Revisor's own settings, from {@code etc/revisor.properties}. */
final class Settings {
    static final String FEATURES = "revisor.features";
    static final String CONSOLE_FEATURES = "revisor.features.console";
    static final String CONSOLE = "revisor.console";
    static final String STOP_TIMEOUT = "revisor.stop.timeout";
    /** Further users who may use the control socket; passed to the shell bundle as a framework property. */
    static final String CONTROL_ALLOW_USERS = "revisor.control.allow.users";
    /** Groups whose members may use the control socket; passed to the shell bundle as a framework property. */
    static final String CONTROL_ALLOW_GROUPS = "revisor.control.allow.groups";
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*\\$?");
    /** Every key of etc/revisor.properties; any other is refused ({@link EtcCheck#revisorProperties}). */
    static final List<String> KEYS = List.of(FEATURES, CONSOLE_FEATURES, CONSOLE, STOP_TIMEOUT, CONTROL_ALLOW_USERS,
            CONTROL_ALLOW_GROUPS);

    static final String DEFAULT_FEATURES = "revisor-core";
    static final String DEFAULT_CONSOLE_FEATURES = "revisor-console";
    static final long DEFAULT_STOP_TIMEOUT_SECONDS = 30;

    private static final Pattern FEATURE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");

    /** Features booted at every start: names of {@code features/NAME.json}, or paths ending in {@code .json}. */
    final List<String> features;
    /** Features booted on top when the console is interactive. */
    final List<String> consoleFeatures;
    /** False when {@code revisor.console = off}: never an interactive console. */
    final boolean consoleAllowed;
    /** How long the framework may take to stop before the launcher gives up. */
    final long stopTimeoutSeconds;
    /** The control socket's allow-list: {@link #CONTROL_ALLOW_USERS} and {@link #CONTROL_ALLOW_GROUPS}, if set. */
    final Map<String, String> controlAccess;

    private Settings(List<String> features, List<String> consoleFeatures, boolean consoleAllowed,
            long stopTimeoutSeconds, Map<String, String> controlAccess) {
        this.controlAccess = controlAccess;
        this.features = features;
        this.consoleFeatures = consoleFeatures;
        this.consoleAllowed = consoleAllowed;
        this.stopTimeoutSeconds = stopTimeoutSeconds;
    }

    static Settings from(Map<String, String> values, Path file) throws ConfigException {
        EtcCheck.revisorProperties(values, file);
        List<String> features = featureList(values.getOrDefault(FEATURES, DEFAULT_FEATURES), FEATURES, file);
        List<String> console = featureList(values.getOrDefault(CONSOLE_FEATURES, DEFAULT_CONSOLE_FEATURES),
                CONSOLE_FEATURES, file);
        String mode = values.getOrDefault(CONSOLE, "auto");
        boolean consoleAllowed;
        if (mode.equals("auto")) {
            consoleAllowed = true;
        } else if (mode.equals("off")) {
            consoleAllowed = false;
        } else {
            throw new ConfigException(file + ": " + CONSOLE + " must be 'auto' or 'off', not '" + mode + "'");
        }
        long stopTimeout = DEFAULT_STOP_TIMEOUT_SECONDS;
        if (values.containsKey(STOP_TIMEOUT)) {
            stopTimeout = Numbers.parse(values.get(STOP_TIMEOUT), 1, STOP_TIMEOUT, file, "a number of seconds");
        }
        Map<String, String> access = new java.util.LinkedHashMap<>();
        for (String key : new String[] {CONTROL_ALLOW_USERS, CONTROL_ALLOW_GROUPS}) {
            String list = values.get(key);
            if (list != null) {
                for (String name : list.trim().isEmpty() ? new String[0] : LIST_SEPARATOR.split(list.trim())) {
                    if (!ACCOUNT_NAME.matcher(name).matches()) {
                        throw new ConfigException(file + ": " + key + ": '" + name + "' is not a user or group name"
                                + " (letters, digits, '.', '_', '-'; names separated by commas or blanks)");
                    }
                }
                access.put(key, list.trim());
            }
        }
        return new Settings(features, console, consoleAllowed, stopTimeout, Collections.unmodifiableMap(access));
    }

    private static List<String> featureList(String value, String key, Path file) throws ConfigException {
        String trimmed = value.trim();
        if (trimmed.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> names = new ArrayList<>();
        for (String name : LIST_SEPARATOR.split(trimmed)) {
            if (!name.endsWith(".json") && !FEATURE_NAME.matcher(name).matches()) {
                throw new ConfigException(file + ": " + key + ": '" + name + "' is neither a feature name"
                        + " (letters, digits, '.', '_', '-') nor a path ending in .json");
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return Collections.unmodifiableList(names);
    }
}
