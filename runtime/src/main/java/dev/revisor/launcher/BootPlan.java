package dev.revisor.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Everything one start needs, read from the home's {@code etc/} files and the feature descriptors: the framework
 * properties, the features to boot and the bundles they want. Building a plan changes no file; every problem that
 * forbids a start is a {@link ConfigException} or {@link FeatureException} naming the file.
 */
final class BootPlan {
    static final String REVISOR_PROPERTIES = "revisor.properties";
    static final String CONFIG_PROPERTIES = "config.properties";
    static final String BEGINNING_START_LEVEL = "org.osgi.framework.startlevel.beginning";

    /** Keys of config.properties whose values must be integers, with their minimum. */
    private static final Map<String, Integer> NUMERIC_KEYS = Map.of(
            BEGINNING_START_LEVEL, 1,
            "felix.startlevel.bundle", 1,
            "felix.log.level", 0,
            "felix.fileinstall.poll", 1,
            "felix.fileinstall.start.level", 0,
            "felix.fileinstall.active.level", 0,
            "felix.fileinstall.log.level", 0);

    final Layout layout;
    final Settings settings;
    final boolean interactive;
    final Map<String, String> frameworkProperties;
    final List<Feature> features;
    final List<WantedBundle> bundles;
    final List<String> warnings;

    /** A bundle the booted features want, with the lowest start order any of them gives it. */
    record WantedBundle(ArtifactId id, int startOrder, Path feature) {
        String location() {
            return FeatureBundles.LOCATION_PREFIX + id;
        }
    }

    private BootPlan(Layout layout, Settings settings, boolean interactive, Map<String, String> frameworkProperties,
            List<Feature> features, List<WantedBundle> bundles, List<String> warnings) {
        this.layout = layout;
        this.settings = settings;
        this.interactive = interactive;
        this.frameworkProperties = frameworkProperties;
        this.features = features;
        this.bundles = bundles;
        this.warnings = warnings;
    }

    /** The values every etc/ file may refer to as {@code ${...}}, and that every bundle sees as framework property. */
    static Map<String, String> builtins(Layout layout) {
        Map<String, String> builtins = new LinkedHashMap<>();
        builtins.put(Layout.PROP_HOME, layout.home.toString());
        builtins.put(Layout.PROP_DATA, layout.data().toString());
        builtins.put(Layout.PROP_DIST, layout.distribution.toString());
        builtins.put(Layout.PROP_LIB, layout.distribution.resolve("lib").toString());
        builtins.put(Layout.PROP_CONTROL_SOCKET, layout.controlSocket().toString());
        return Collections.unmodifiableMap(builtins);
    }

    /**
     * Copies the distribution's etc/ files that the home lacks (only when the home is not the distribution). Returns
     * the files it created. Call only while holding the instance lock.
     */
    static List<Path> provideDefaults(Layout layout) throws ConfigException {
        List<Path> created = new ArrayList<>();
        if (layout.etc().equals(layout.distributionEtc())) {
            return created;
        }
        for (String name : new String[] {REVISOR_PROPERTIES, CONFIG_PROPERTIES, LogSetup.LOGBACK_XML}) {
            Path own = layout.etc().resolve(name);
            Path shipped = layout.distributionEtc().resolve(name);
            if (Files.exists(own) || !Files.exists(shipped)) {
                continue;
            }
            try {
                Files.createDirectories(layout.etc());
                Files.copy(shipped, own);
                created.add(own);
            } catch (IOException e) {
                throw new ConfigException(own + ": cannot create it from " + shipped + ": " + e.getMessage(), e);
            }
        }
        return created;
    }

    /**
     * Reads the plan. {@code consoleAvailable}: standard input and output are a terminal; the console features boot
     * when it is true and etc/revisor.properties does not say {@code revisor.console = off}.
     */
    static BootPlan load(Layout layout, boolean consoleAvailable, Properties system, Map<String, String> env)
            throws ConfigException, FeatureException {
        Map<String, String> builtins = builtins(layout);
        Path revisorFile = etcFile(layout, REVISOR_PROPERTIES);
        Settings settings = Settings.from(PropertiesFile.load(revisorFile, builtins, system, env), revisorFile);
        boolean interactive = consoleAvailable && settings.consoleAllowed;
        List<String> warnings = new ArrayList<>();

        List<String> names = new ArrayList<>(settings.features);
        if (interactive) {
            for (String name : settings.consoleFeatures) {
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        List<Feature> features = new ArrayList<>();
        for (String name : names) {
            Path file = findFeature(layout, name, revisorFile);
            features.add(FeatureReader.read(file));
            for (String key : FeatureReader.ignoredKeys(file)) {
                warnings.add(file + ": \"" + key + "\" is not supported by the Revisor launcher and is ignored");
            }
        }
        List<WantedBundle> bundles = wantedBundles(features, warnings);

        Path configFile = etcFile(layout, CONFIG_PROPERTIES);
        Map<String, String> framework = new LinkedHashMap<>(PropertiesFile.load(configFile, builtins, system, env));
        for (Map.Entry<String, Integer> numeric : NUMERIC_KEYS.entrySet()) {
            String value = framework.get(numeric.getKey());
            if (value != null) {
                Numbers.parse(value, numeric.getValue(), numeric.getKey(), configFile, "an integer");
            }
        }
        EtcCheck.configProperties(framework, builtins.keySet(), configFile);
        for (Map.Entry<String, String> builtin : builtins.entrySet()) {
            String set = framework.put(builtin.getKey(), builtin.getValue());
            if (set != null && !set.equals(builtin.getValue())) {
                warnings.add(configFile + ": " + builtin.getKey() + " is set by the launcher to " + builtin.getValue()
                        + "; the value '" + set + "' is ignored");
            }
        }
        framework.putAll(settings.controlAccess); // read by the shell bundle's control socket
        int highest = 1;
        for (WantedBundle bundle : bundles) {
            highest = Math.max(highest, bundle.startOrder());
        }
        String beginning = framework.get(BEGINNING_START_LEVEL);
        if (beginning == null) {
            framework.put(BEGINNING_START_LEVEL, Integer.toString(highest));
        } else if (Integer.parseInt(beginning.trim()) < highest) {
            warnings.add(configFile + ": " + BEGINNING_START_LEVEL + " = " + beginning.trim()
                    + " is below the highest start-order of the booted features (" + highest
                    + "); bundles above it will not start");
        }
        EtcCheck.deployStartLevel(framework, bundles, Integer.parseInt(framework.get(BEGINNING_START_LEVEL).trim()),
                configFile);
        return new BootPlan(layout, settings, interactive, Collections.unmodifiableMap(framework),
                Collections.unmodifiableList(features), bundles, Collections.unmodifiableList(warnings));
    }

    /** The home's etc/NAME, or the distribution's when the home has none. */
    static Path etcFile(Layout layout, String name) {
        Path own = layout.etc().resolve(name);
        if (Files.exists(own)) {
            return own;
        }
        Path shipped = layout.distributionEtc().resolve(name);
        return Files.exists(shipped) ? shipped : own;
    }

    private static Path findFeature(Layout layout, String name, Path revisorFile) throws ConfigException {
        if (name.endsWith(".json")) {
            Path file = layout.home.resolve(name).normalize();
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(revisorFile + ": the feature file " + file + " does not exist");
            }
            return file;
        }
        List<String> tried = new ArrayList<>();
        for (Path dir : layout.featureDirectories()) {
            Path file = dir.resolve(name + ".json");
            if (Files.isRegularFile(file)) {
                return file;
            }
            tried.add(file.toString());
        }
        throw new ConfigException(revisorFile + ": names the feature '" + name + "' but there is no "
                + String.join(" nor ", tried));
    }

    private static List<WantedBundle> wantedBundles(List<Feature> features, List<String> warnings) {
        Map<ArtifactId, WantedBundle> wanted = new LinkedHashMap<>();
        for (Feature feature : features) {
            for (Feature.Bundle bundle : feature.bundles()) {
                WantedBundle earlier = wanted.get(bundle.id());
                if (earlier == null) {
                    wanted.put(bundle.id(), new WantedBundle(bundle.id(), bundle.startOrder(), feature.file()));
                } else if (earlier.startOrder() != bundle.startOrder()) {
                    warnings.add(feature.file() + ": " + bundle.id() + " has start-order " + bundle.startOrder()
                            + " here and " + earlier.startOrder() + " in " + earlier.feature() + "; the lower wins");
                    if (bundle.startOrder() < earlier.startOrder()) {
                        wanted.put(bundle.id(), new WantedBundle(bundle.id(), bundle.startOrder(), feature.file()));
                    }
                }
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(wanted.values()));
    }

    /** Names of the booted features, for messages. */
    String featureNames() {
        List<String> names = new ArrayList<>();
        for (Feature feature : features) {
            String file = feature.file().getFileName().toString();
            names.add(file.endsWith(".json") ? file.substring(0, file.length() - 5) : file);
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    /** Writes the warnings collected while reading to {@code err}. */
    void reportWarnings(PrintStream err) {
        for (String warning : warnings) {
            err.println("revisor: WARNING: " + warning);
        }
    }
}
