package dev.revisor.deploy.internal.config;

import java.io.File;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operations;
import dev.revisor.common.internal.OwnedExecutor;
import dev.revisor.deploy.api.ConfigChangeDTO;
import dev.revisor.deploy.api.ConfigEntryDTO;
import dev.revisor.deploy.api.ConfigFileDTO;
import dev.revisor.deploy.api.ConfigPlanDTO;
import dev.revisor.deploy.api.Configurations;

/**
 * Takes the configuration files ({@code *.cfg}, {@code *.config}) of {@code deploy/} and {@code etc/} away from
 * FileInstall's own ConfigInstaller: FileInstall offers each changed file to the registered {@link ArtifactInstaller}s
 * by descending service ranking and gives it to the first that claims it, so this one (ranking 500, above the
 * ConfigInstaller's 0, below the deploy folder's 1000, which claims them only while the folder is refused) gets them.
 * Watches {@code etc/} by a second FileInstall watcher, a factory configuration of {@code org.apache.felix.fileinstall}
 * (as Karaf does) that passes only {@code .cfg} and {@code .config} files, so config.properties and the other files of
 * etc/ are never touched. Every change runs on the "revisor-config" thread this component owns.
 * <p>
 * Concurrent Semantics: thread safe. FileInstall calls on its watcher threads and the shell on its own: both only
 * hand work to the config thread (the shell waits for it).
 */
@Component(immediate = true, service = {ArtifactInstaller.class, Configurations.class}, configurationPid = ConfigComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "service.ranking:Integer=500")
@Designate(ocd = ConfigComponent.Config.class)
public final class ConfigComponent implements ArtifactInstaller, Configurations {
    static final String PID = "dev.revisor.config";
    static final String THREAD_NAME = "revisor-config";
    /** The factory configuration of FileInstall that watches etc/. */
    static final String ETC_WATCHER_FACTORY = "org.apache.felix.fileinstall";
    static final String ETC_WATCHER_NAME = "revisor-etc";
    /** What the etc/ watcher passes: configuration files only. */
    static final String ETC_FILTER = ".*\\.(cfg|config)";

    @ObjectClassDefinition(name = "Revisor configuration changes", description = "Configuration files and changes as"
            + " audited live updates (docs/configuration.md)")
    public @interface Config {
        @AttributeDefinition(description = "What happens when a component that was active does not come back active with"
                + " the new values", options = {@Option(value = "rollback", label = "restore the previous configuration"),
                        @Option(value = "warn", label = "keep the new one, journal and mark the failure")})
        String on_failure() default "rollback";

        @AttributeDefinition(description = "How long a change waits for the components to take it up, in ms", min = "100")
        long verify_timeout_ms() default 10_000;

        @AttributeDefinition(description = "Whether etc/ is watched for .cfg and .config files")
        boolean watch_etc() default true;

        @AttributeDefinition(description = "The folder watched as etc/; empty: ${revisor.home}/etc")
        String etc_directory() default "";
    }

    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final Logger log;
    private final LogReaderService logReader;
    private final ComponentWatch watch;
    private final ConfigEngine engine;
    private final ConfigViews views;
    private final OwnedExecutor executor;
    private final Path deployFolder;
    private final Path etcFolder;
    private volatile ConfigEngine.Settings settings;
    private volatile boolean etcWatched;
    /** The names the main FileInstall watcher reports ({@code felix.fileinstall.filter}). */
    private final java.util.function.Predicate<String> reported;

    @Activate
    public ConfigComponent(BundleContext context, Config config, @Reference ConfigurationAdmin cm,
            @Reference MetaTypeService metatype, @Reference ServiceComponentRuntime scr, @Reference Operations operations,
            @Reference Journal journal, @Reference LoggerFactory loggers, @Reference LogReaderService logReader)
            throws IOException {
        this.context = context;
        this.cm = cm;
        this.log = loggers.getLogger(ConfigComponent.class);
        this.logReader = logReader;
        this.settings = settings(config);
        String dir = context.getProperty("felix.fileinstall.dir");
        this.deployFolder = canonical(Paths.get(dir == null ? "./load" : dir));
        this.etcFolder = etcFolder(context, config);
        this.reported = filter(context.getProperty("felix.fileinstall.filter"));
        this.watch = new ComponentWatch(scr);
        ConfigRecords records = new ConfigRecords(dataDirectory(context));
        records.load();
        MetatypeCheck check = new MetatypeCheck(context, metatype);
        ConfigEngine.Context ctx = new ConfigEngine.Context(context, cm, check, watch, records, operations, journal, log,
                () -> this.settings);
        this.engine = new ConfigEngine(ctx, this::place);
        this.views = new ConfigViews(ctx, scr, deployFolder, etcFolder);
        this.executor = new OwnedExecutor(THREAD_NAME, failure -> log.error("config: a task failed: {}", failure.toString(),
                failure));
        logReader.addLogListener(watch);
        executor.execute(engine::recover);
        watchEtc(config.watch_etc() && etcFolder != null);
        log.info("config: configuration files of {}{} go through Revisor (on.failure={})", deployFolder,
                config.watch_etc() && etcFolder != null ? " and " + etcFolder : "", config.on_failure());
    }

    @Modified
    void modified(Config config) {
        this.settings = settings(config);
        watchEtc(config.watch_etc() && etcFolder != null);
    }

    @Deactivate
    void deactivate() {
        logReader.removeLogListener(watch);
        // without Revisor, FileInstall's ConfigInstaller would apply etc/ unchecked: stop watching it
        watchEtc(false);
        if (!executor.close(30_000, 5_000)) {
            log.error("config: the {} thread did not end", THREAD_NAME);
        }
    }

    private ConfigEngine.Settings settings(Config config) {
        String mode = config.on_failure() == null ? "" : config.on_failure().trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("rollback") && !mode.equals("warn")) {
            log.error("config: on.failure='{}' in configuration {} is neither rollback nor warn; using rollback",
                    config.on_failure(), PID);
            mode = "rollback";
        }
        long timeout = Math.max(100, config.verify_timeout_ms());
        String enc = context.getProperty("felix.fileinstall.configEncoding");
        Charset charset = StandardCharsets.ISO_8859_1; // FileInstall's default for .cfg
        try {
            if (enc != null && !enc.isBlank()) {
                charset = Charset.forName(enc.trim());
            }
        } catch (RuntimeException e) {
            log.error("config: felix.fileinstall.configEncoding '{}' is no character set; reading .cfg files as ISO-8859-1", enc);
        }
        return new ConfigEngine.Settings(mode.equals("rollback"), timeout, charset);
    }

    private static java.util.function.Predicate<String> filter(String regex) {
        if (regex == null || regex.isBlank()) {
            return name -> true;
        }
        try {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
            return name -> p.matcher(name).matches();
        } catch (java.util.regex.PatternSyntaxException e) {
            return name -> true;
        }
    }

    /** Creates, updates or deletes the FileInstall watcher of etc/. */
    private void watchEtc(boolean on) {
        etcWatched = on;
        try {
            Configuration c = cm.getFactoryConfiguration(ETC_WATCHER_FACTORY, ETC_WATCHER_NAME, "?");
            if (!on) {
                if (c.getProperties() != null) {
                    c.delete();
                }
                return;
            }
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("felix.fileinstall.dir", etcFolder.toString());
            props.put("felix.fileinstall.filter", ETC_FILTER);
            // FileInstall applies its filter to files only: a directory (etc/systemd) would be offered as an exploded
            // bundle, and the deploy component would refuse it at every start
            props.put("felix.fileinstall.subdir.mode", "skip");
            // a factory watcher reads only its own configuration: copy what the main watcher was given
            for (String key : List.of("felix.fileinstall.poll", "felix.fileinstall.noInitialDelay",
                    "felix.fileinstall.disableNio2", "felix.fileinstall.log.level", "felix.fileinstall.tmpdir",
                    "felix.fileinstall.configEncoding")) {
                String v = context.getProperty(key);
                if (v != null) {
                    props.put(key, v);
                }
            }
            props.put("felix.fileinstall.bundles.new.start", "false");
            props.put("felix.fileinstall.enableConfigSave", "false");
            c.updateIfDifferent(props);
        } catch (IOException | RuntimeException e) {
            log.error("config: cannot {} the FileInstall watcher of {}: {}", on ? "set up" : "remove", etcFolder, e.toString(), e);
        }
    }

    // ---- ArtifactInstaller: on FileInstall's watcher threads; hand off only

    @Override
    public boolean canHandle(File artifact) {
        return ConfigFile.isConfiguration(artifact.getName());
    }

    @Override
    public void install(File artifact) {
        executor.tryExecute(() -> engine.changed(artifact.toPath()));
    }

    @Override
    public void update(File artifact) {
        executor.tryExecute(() -> engine.changed(artifact.toPath()));
    }

    @Override
    public void uninstall(File artifact) {
        executor.tryExecute(() -> engine.removed(artifact.toPath()));
    }

    /** @return where a file is, for people and as the trigger of its change */
    private ConfigEngine.Place place(Path file) {
        Path parent = canonical(file.toAbsolutePath().getParent());
        String name = file.getFileName().toString();
        if (parent.equals(deployFolder)) {
            return new ConfigEngine.Place("deploy/" + name, "deploy:" + name);
        }
        if (etcFolder != null && parent.equals(etcFolder)) {
            return new ConfigEngine.Place("etc/" + name, "etc:" + name);
        }
        return new ConfigEngine.Place(file.toAbsolutePath().toString(), "file:" + file.toAbsolutePath());
    }

    // ---- Configurations

    @Override
    public List<ConfigFileDTO> files() {
        return views.files(engine.files());
    }

    @Override
    public List<ConfigEntryDTO> current(String pid) {
        return views.current(pid);
    }

    @Override
    public List<ConfigChangeDTO> history(String pid, int limit) {
        return views.history(pid, limit);
    }

    @Override
    public ConfigChangeDTO set(String pid, Map<String, String> values, String trigger) throws InterruptedException {
        ConfigFile.Pid p = ConfigFile.parsePid(pid);
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("name at least one key=value to set");
        }
        for (String key : values.keySet()) {
            if (key.isBlank() || Values.MANAGED.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' cannot be set: " + (key.isBlank() ? "a key needs a name"
                        : "Configuration Admin manages it"));
            }
        }
        return onThread(() -> engine.set(p, values, trigger));
    }

    @Override
    public ConfigChangeDTO delete(String pid, String trigger) throws InterruptedException {
        ConfigFile.Pid p = ConfigFile.parsePid(pid);
        return onThread(() -> engine.delete(p, trigger));
    }

    @Override
    public ConfigPlanDTO plan(String pid) {
        return views.plan(ConfigFile.parsePid(pid));
    }

    @Override
    public List<ConfigFileDTO> awaitSettled(long timeoutMillis) throws InterruptedException, java.util.concurrent.TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            List<String> left = inProgress();
            if (left.isEmpty()) {
                return files();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new java.util.concurrent.TimeoutException("configuration files not taken up within " + timeoutMillis
                        + " ms: " + String.join("; ", left));
            }
            Thread.sleep(20);
        }
    }

    /** @return what keeps the configuration files from being settled: a change running or queued, a file not taken up */
    private List<String> inProgress() {
        List<String> left = new java.util.ArrayList<>();
        if (executor.getActiveCount() > 0 || !executor.getQueue().isEmpty()) {
            left.add("a configuration change is in progress");
        }
        Map<String, ConfigFileDTO> records = new java.util.HashMap<>();
        engine.files().forEach(f -> records.put(f.file, f));
        for (Path folder : etcWatched ? List.of(deployFolder, etcFolder) : List.of(deployFolder)) {
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
                files.filter(f -> ConfigFile.isConfiguration(f.getFileName().toString())
                        && (folder.equals(etcFolder) || reported.test(f.getFileName().toString()))
                        && java.nio.file.Files.isRegularFile(f)).forEach(f -> {
                            ConfigEngine.Place place = place(f);
                            ConfigFileDTO rec = records.get(place.display());
                            try {
                                String sha = ConfigFile.sha256(ConfigFile.read(f));
                                if (rec == null || !sha.equals(rec.sha256) || ConfigFileDTO.WAITING.equals(rec.state)) {
                                    left.add(place.display() + ": not taken up yet");
                                }
                            } catch (IOException e) {
                                // gone meanwhile: its removal is FileInstall's to report
                            }
                        });
            } catch (IOException e) {
                // a folder that does not exist holds no files
            }
        }
        return left;
    }

    private ConfigChangeDTO onThread(Callable<ConfigChangeDTO> task) throws InterruptedException {
        Future<ConfigChangeDTO> f;
        try {
            f = executor.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("configuration changes are stopping: try again once Revisor runs");
        }
        try {
            return f.get(settings.verifyTimeoutMillis() * 3 + 60_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(String.valueOf(cause), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the change has not ended yet; audit:ops shows when it does");
        }
    }

    // ---- places

    private static Path etcFolder(BundleContext context, Config config) {
        if (!config.etc_directory().isBlank()) {
            return canonical(Paths.get(config.etc_directory()));
        }
        String home = context.getProperty("revisor.home");
        return home == null || home.isBlank() ? null : canonical(Paths.get(home, "etc"));
    }

    private static Path dataDirectory(BundleContext context) {
        String data = context.getProperty("revisor.data");
        if (data != null && !data.isBlank()) {
            return Paths.get(data, "config");
        }
        return context.getDataFile("config").toPath();
    }

    static Path canonical(Path p) {
        try {
            return p.toFile().getCanonicalFile().toPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
