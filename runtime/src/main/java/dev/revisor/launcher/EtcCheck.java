package dev.revisor.launcher;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Strict checks of every key of {@code etc/} that Revisor or FileInstall reads, before the framework (and FileInstall)
 * sees them: a value is never read as something else (FileInstall reads {@code maybe} as {@code false}), a key Revisor
 * does not know in its own namespaces ({@code revisor.*}, {@code felix.fileinstall.*}) is a typo, not a setting. Every
 * problem is a {@link ConfigException} naming the file, the key, the value and what is allowed. Stateless.
 */
final class EtcCheck {
    private static final String FI = "felix.fileinstall.";
    static final String START_LEVEL = FI + "start.level";
    static final String ACTIVE_LEVEL = FI + "active.level";
    static final String STORAGE_CLEAN = "org.osgi.framework.storage.clean";
    static final String BUNDLE_START_LEVEL = "felix.startlevel.bundle";

    /** What a key of config.properties allows; {@code null} allowed values: any text. */
    private record Rule(String allowedText, java.util.function.Predicate<String> allowed) {
    }

    /** Every key FileInstall 3.7.4 reads, with what it allows. */
    private static final Map<String, Rule> FILEINSTALL = new LinkedHashMap<>();
    /** Framework keys with a closed set of values. */
    private static final Map<String, Rule> FRAMEWORK = new LinkedHashMap<>();

    static {
        FILEINSTALL.put(FI + "dir", any());
        FILEINSTALL.put(FI + "tmpdir", any());
        FILEINSTALL.put(FI + "filename", any());
        FILEINSTALL.put(FI + "poll", integer(1, Integer.MAX_VALUE));
        FILEINSTALL.put(FI + "log.level", integer(0, 4));
        FILEINSTALL.put(FI + "log.default", oneOf("stdout", "jul"));
        FILEINSTALL.put(FI + "filter", new Rule("a Java regular expression", EtcCheck::isRegex));
        FILEINSTALL.put(FI + "bundles.new.start", bool());
        FILEINSTALL.put(FI + "bundles.startTransient", bool());
        FILEINSTALL.put(FI + "bundles.startActivationPolicy", bool());
        FILEINSTALL.put(FI + "bundles.updateWithListeners", bool());
        FILEINSTALL.put(FI + "noInitialDelay", bool());
        FILEINSTALL.put(FI + "disableConfigSave", bool());
        FILEINSTALL.put(FI + "enableConfigSave", bool());
        FILEINSTALL.put(FI + "disableNio2", bool());
        FILEINSTALL.put(FI + "configEncoding", new Rule("a character set name such as UTF-8", EtcCheck::isCharset));
        FILEINSTALL.put(START_LEVEL, integer(0, Integer.MAX_VALUE));
        FILEINSTALL.put(ACTIVE_LEVEL, integer(0, Integer.MAX_VALUE));
        FILEINSTALL.put(FI + "optionalImportRefreshScope", oneOf("none", "managed", "all"));
        FILEINSTALL.put(FI + "fragmentRefreshScope", oneOf("none", "managed", "all"));
        FILEINSTALL.put(FI + "subdir.mode", oneOf("jar", "skip", "recurse"));

        FRAMEWORK.put(STORAGE_CLEAN, new Rule("none or onFirstInit",
                v -> v.equalsIgnoreCase("none") || v.equalsIgnoreCase("onFirstInit")));
        FRAMEWORK.put(BootPlan.BEGINNING_START_LEVEL, integer(1, Integer.MAX_VALUE));
        FRAMEWORK.put(BUNDLE_START_LEVEL, integer(1, Integer.MAX_VALUE));
        FRAMEWORK.put("felix.log.level", integer(0, 4));
        // read by Apache Felix SCR: whether it keeps the component descriptions it has read across restarts
        FRAMEWORK.put("ds.cache.metadata", bool());
        // read by the deploy bundle from the framework's properties (docs/deploy.md)
        FRAMEWORK.put("revisor.deploy.bundles.new.start", bool());
        // read by the fleet bundle (feature revisor-fleet; docs/fleet.md, "Setup"); fleet mode is off without a connect string
        FRAMEWORK.put("revisor.fleet.zookeeper", new Rule("a ZooKeeper connect string such as zk1:2181,zk2:2181,zk3:2181",
                v -> v.matches("[^\\s,/]+(,[^\\s,/]+)*(/\\S*)?")));
        FRAMEWORK.put("revisor.fleet.store", new Rule("a directory path or file: URL of the shared artifact store",
                v -> !v.isEmpty()));
        FRAMEWORK.put("revisor.fleet.member", new Rule("a member id of letters, digits, '.', '_' and '-'",
                v -> v.matches("[A-Za-z0-9._-]+")));
        FRAMEWORK.put("revisor.fleet.root", new Rule("a ZooKeeper path such as /revisor/fleet",
                v -> v.matches("(/[^/\\s]+)+")));
        FRAMEWORK.put("revisor.fleet.session.timeout.ms", integer(1000, Integer.MAX_VALUE));
    }

    private EtcCheck() {
    }

    /** Refuses a key of etc/revisor.properties that Revisor does not read. */
    static void revisorProperties(Map<String, String> values, Path file) throws ConfigException {
        for (String key : values.keySet()) {
            if (Settings.KEYS.contains(key)) {
                continue;
            }
            String hint = key.startsWith("revisor.") ? "" : key.startsWith("felix.") || key.startsWith("org.osgi.")
                    ? "; framework properties belong in " + BootPlan.CONFIG_PROPERTIES : "";
            throw new ConfigException(file + ": unknown key '" + key + "'" + suggestion(key, Settings.KEYS) + hint
                    + " (the keys of this file: " + String.join(", ", Settings.KEYS) + ")");
        }
    }

    /**
     * Checks the keys of etc/config.properties (as the file says them, before the launcher adds its own): known
     * {@code revisor.*} and {@code felix.fileinstall.*} keys only, and every value of a checked key allowed.
     */
    static void configProperties(Map<String, String> values, Set<String> builtins, Path file) throws ConfigException {
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue().trim();
            Rule rule = FILEINSTALL.containsKey(key) ? FILEINSTALL.get(key) : FRAMEWORK.get(key);
            if (rule != null) {
                if (!rule.allowed().test(value)) {
                    throw new ConfigException(file + ": " + key + " must be " + rule.allowedText() + ", not '" + value + "'");
                }
            } else if (key.startsWith(FI)) {
                throw new ConfigException(file + ": unknown key '" + key + "'" + suggestion(key, FILEINSTALL.keySet())
                        + " (FileInstall reads " + String.join(", ", FILEINSTALL.keySet()) + ")");
            } else if (key.startsWith("revisor.") && !builtins.contains(key)) {
                Set<String> known = new TreeSet<>(builtins);
                known.addAll(Settings.KEYS);
                String hint = Settings.KEYS.contains(key) ? "; it belongs in " + BootPlan.REVISOR_PROPERTIES : "";
                throw new ConfigException(file + ": unknown key '" + key + "'" + (hint.isEmpty() ? suggestion(key, known)
                        : "") + hint + " (revisor.* keys here: " + String.join(", ", builtins) + ", set by the launcher)");
            } else if (closest(key, FRAMEWORK.keySet()) != null) { // a misspelt checked key would be ignored silently
                throw new ConfigException(file + ": unknown key '" + key + "'" + suggestion(key, FRAMEWORK.keySet()));
            }
        }
    }

    /**
     * Where deployed bundles start: after the audit's and the shell's start level (else, on a restart, they start
     * before the audit watches and the shell answers), and not above the framework's beginning level (else they never
     * start). Only when FileInstall is booted: without it no bundle is deployed.
     *
     * @param bundles   the wanted bundles with their start orders
     * @param beginning the framework's beginning start level, as the plan sets it
     */
    static void deployStartLevel(Map<String, String> framework, Collection<BootPlan.WantedBundle> bundles, int beginning,
            Path file) throws ConfigException {
        boolean fileInstall = false;
        int after = 0;
        String afterWhat = null;
        for (BootPlan.WantedBundle bundle : bundles) {
            String artifact = bundle.id().artifactId();
            if (artifact.equals("org.apache.felix.fileinstall")) {
                fileInstall = true;
            } else if ((artifact.equals("dev.revisor.audit") || artifact.equals("dev.revisor.shell"))
                    && bundle.startOrder() >= after) {
                afterWhat = (afterWhat == null || bundle.startOrder() > after ? "" : afterWhat + " and ") + artifact + " ("
                        + bundle.startOrder() + ")";
                after = bundle.startOrder();
            }
        }
        if (!fileInstall) {
            return;
        }
        String levelText = framework.get(START_LEVEL);
        int level = levelText == null ? 0 : Integer.parseInt(levelText.trim());
        int effective = level;
        if (level == 0) {
            String initial = framework.get(BUNDLE_START_LEVEL);
            effective = initial == null ? 1 : Integer.parseInt(initial.trim());
        }
        String allowed = "an integer from " + (after + 1) + " to " + beginning + " (after " + (afterWhat == null
                ? "nothing" : afterWhat) + ", at most " + BootPlan.BEGINNING_START_LEVEL + " = " + beginning + ")";
        if (effective <= after) {
            throw new ConfigException(file + ": " + START_LEVEL + " must be " + allowed + ", not '"
                    + (levelText == null ? "" : levelText.trim()) + "'"
                    + (level == 0 ? ": unset or 0 puts deployed bundles at " + BUNDLE_START_LEVEL + " (" + effective
                            + ")" : "") + ", so on a restart they would start before the audit and the shell");
        }
        if (effective > beginning) {
            throw new ConfigException(file + ": " + START_LEVEL + " must be " + allowed + ", not '" + levelText.trim()
                    + "': above the beginning start level deployed bundles never start");
        }
        String active = framework.get(ACTIVE_LEVEL);
        if (active != null && Integer.parseInt(active.trim()) > beginning) {
            throw new ConfigException(file + ": " + ACTIVE_LEVEL + " must be an integer from 0 to " + beginning + " ("
                    + BootPlan.BEGINNING_START_LEVEL + "), not '" + active.trim() + "': FileInstall would never scan");
        }
    }

    // ---- did you mean

    /** @return {@code "; did you mean 'x'?"} for the closest known key, or "" when none is close */
    static String suggestion(String key, Collection<String> known) {
        String near = closest(key, known);
        return near == null ? "" : "; did you mean '" + near + "'?";
    }

    /** @return the known key at the smallest edit distance, when that is at most 3 (and less than half the key) */
    static String closest(String key, Collection<String> known) {
        int limit = Math.min(3, key.length() / 2);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = key.toLowerCase(Locale.ROOT);
        for (String candidate : known) {
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT), limit);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** Levenshtein distance, with a swap of two neighbours counted as one edit. */
    static int distance(String a, String b) {
        return distance(a, b, Integer.MAX_VALUE);
    }

    /**
     * {@link #distance(String, String)} when it is at most {@code limit}, else some value above {@code limit}. Runs at
     * every start for each key of etc/config.properties against the checked keys, in the interpreter: it gives up as
     * soon as the distance must exceed the limit (lengths too far apart, or a whole row above it).
     */
    static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[] before = new int[b.length() + 1];
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMinimum = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int d = Math.min(Math.min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d = Math.min(d, before[j - 2] + 1);
                }
                current[j] = d;
                rowMinimum = Math.min(rowMinimum, d);
            }
            if (rowMinimum > limit) {
                return limit + 1;
            }
            int[] oldest = before;
            before = previous;
            previous = current;
            current = oldest;
        }
        return previous[b.length()];
    }

    // ---- rules

    private static Rule any() {
        return new Rule("any text", v -> true);
    }

    private static Rule bool() {
        return new Rule("true or false", v -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false"));
    }

    private static Rule oneOf(String... values) {
        List<String> allowed = List.of(values);
        return new Rule(allowed.size() == 2 ? values[0] + " or " + values[1]
                : "one of " + String.join(", ", allowed), allowed::contains);
    }

    private static Rule integer(int min, int max) {
        String text = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        return new Rule(text, v -> {
            try {
                int n = Integer.parseInt(v);
                return n >= min && n <= max;
            } catch (NumberFormatException e) {
                return false;
            }
        });
    }

    private static boolean isRegex(String v) {
        try {
            Pattern.compile(v);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static boolean isCharset(String v) {
        try {
            return Charset.isSupported(v);
        } catch (IllegalCharsetNameException e) {
            return false;
        }
    }

    /** The keys this class checks, for docs and tests. */
    static List<String> checkedKeys() {
        List<String> keys = new ArrayList<>(FRAMEWORK.keySet());
        keys.addAll(FILEINSTALL.keySet());
        return keys;
    }
}
