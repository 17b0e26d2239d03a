package dev.revisor.deploy.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import dev.revisor.common.internal.OwnedExecutor;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.deploy.api.DeployFolder;
import dev.revisor.deploy.api.DeployStatusDTO;

/**
 * Takes the bundle jars of the deploy folder away from FileInstall's built-in handling: FileInstall offers each
 * changed file to the registered {@link ArtifactInstaller}s before its own bundle handling, and this one claims every
 * {@code *.jar} by name (never by content, so a half-written jar is an update once complete, not a deletion).
 * Every callback only hands the file to the deploy thread, where {@link DeployEngine} runs one transaction at a time.
 * <p>
 * Concurrent Semantics: thread safe. FileInstall calls on its watcher thread; the work runs on the single
 * "revisor-deploy" thread this component owns and stops on deactivation. Bundle starts run on the {@link Starter}'s
 * "revisor-deploy-start-N" threads (at most {@value Starter#MAX_THREADS}), interrupted and joined on deactivation.
 */
@Component(immediate = true, service = {ArtifactInstaller.class, DeployFolder.class}, configurationPid = DeployComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        // ahead of FileInstall's own ConfigInstaller when the folder is refused and .cfg files are claimed too
        property = "service.ranking:Integer=1000")
@Designate(ocd = DeployComponent.Config.class)
public final class DeployComponent implements ArtifactInstaller, DeployFolder {
    static final String PID = "dev.revisor.deploy";
    /** How often the deploy thread looks at the folder itself ({@link DeployEngine#sweep}). */
    static final long SWEEP_MILLIS = 1_000;
    static final String THREAD_NAME = "revisor-deploy";
    /** Framework property: whether Revisor starts the bundles it installs (true when unset). */
    static final String START_NEW = "revisor.deploy.bundles.new.start";

    @ObjectClassDefinition(name = "Revisor deploy folder", description = "The deploy folder as a transaction (docs/deploy.md)")
    public @interface Config {
        @AttributeDefinition(description = "What the API gate does with an update that breaks the importers of a package it exports",
                options = {@Option(value = "refuse", label = "refuse the update"), @Option(value = "warn", label = "apply it, journal a warning")})
        String api_gate() default ApiGate.REFUSE;

        @AttributeDefinition(description = "Who may feed the deploy folder: default (the folder, its parents up to the home and"
                + " every jar belong to the runtime's user or root, writable by no other user and by no group but deploy.group),"
                + " strict (no group either), off (no check: the override)",
                options = {@Option(value = "default", label = "default"), @Option(value = "strict", label = "strict"), @Option(value = "off", label = "off")})
        String folder_permissions() default FolderGuard.DEFAULT;

        @AttributeDefinition(description = "The group whose members may write to the deploy folder and its jars (group-writable"
                + " entries of that group are accepted); empty: none")
        String deploy_group() default "";

        @AttributeDefinition(description = "After the refresh and the starts, how long verification waits for bundles that another"
                + " thread is still stopping, in ms")
        long verify_timeout_ms() default 10_000;

        @AttributeDefinition(description = "How long the deploy thread waits for a bundle's activator to return from start(), in ms;"
                + " then the transaction ends with the bundle marked stuck and the folder goes on (docs/deploy.md)")
        long start_timeout_ms() default 30_000;

        @AttributeDefinition(description = "How long a refresh may take, in ms")
        long refresh_timeout_ms() default 30_000;

        @AttributeDefinition(description = "How long an incomplete jar (still being written?) is given before it is refused, in ms")
        long settle_ms() default 1_000;

        @AttributeDefinition(description = "Largest jar accepted, in bytes")
        long max_jar_bytes() default 64L * 1024 * 1024;

        @AttributeDefinition(description = "Most entries a jar may have")
        int max_entries() default 20_000;

        @AttributeDefinition(description = "Most bytes a jar may unpack to")
        long max_uncompressed_bytes() default 512L * 1024 * 1024;

        @AttributeDefinition(description = "Most bytes a jar's META-INF/MANIFEST.MF may have")
        int max_manifest_bytes() default JarInspector.Limits.DEFAULT_MAX_MANIFEST_BYTES;

        @AttributeDefinition(description = "Most bytes (UTF-8) one manifest header may have")
        int max_header_bytes() default JarInspector.Limits.DEFAULT_MAX_HEADER_BYTES;

        @AttributeDefinition(description = "Most clauses one manifest header (Import-Package, Export-Package, ...) may have")
        int max_header_clauses() default JarInspector.Limits.DEFAULT_MAX_HEADER_CLAUSES;

        @AttributeDefinition(description = "Where Revisor keeps previous bytes, state and the write-ahead record; empty: ${revisor.data}/deploy")
        String data_directory() default "";
    }

    private final Logger log;
    private final OwnedExecutor executor;
    private final Starter starter;
    private final DeployEngine engine;
    private final FolderGuard guard;
    private final Path folder;
    private final FolderSettle settle;

    @Activate
    public DeployComponent(BundleContext context, Config config, @Reference Operations operations,
            @Reference Refreshes refreshes, @Reference Journal journal, @Reference LoggerFactory loggers) throws IOException {
        this.log = loggers.getLogger(DeployComponent.class);
        String dir = context.getProperty("felix.fileinstall.dir");
        this.folder = canonical(Paths.get(dir == null ? "./load" : dir));
        String gate = choice(config.api_gate(), ApiGate.REFUSE, "api.gate", ApiGate.REFUSE, ApiGate.WARN);
        StateStore store = new StateStore(dataDirectory(context, config));
        String home = context.getProperty("revisor.home");
        this.guard = new FolderGuard(choice(config.folder_permissions(), FolderGuard.DEFAULT, "folder.permissions",
                FolderGuard.DEFAULT, FolderGuard.STRICT, FolderGuard.OFF), FolderGuard.uid(store.directory()),
                System.getProperty("user.name"), config.deploy_group(), home == null ? null : Paths.get(home));
        boolean startNew = ConfigCheck.bool(context.getProperty(START_NEW), START_NEW, true, log);
        int startLevel = ConfigCheck.startLevel(context, log);
        Settings settings = new Settings(folder, gate, ConfigCheck.atLeast(config.verify_timeout_ms(), 0, "verify.timeout.ms",
                10_000, log), ConfigCheck.atLeast(config.refresh_timeout_ms(), 1, "refresh.timeout.ms", 30_000, log),
                ConfigCheck.atLeast(config.settle_ms(), 0, "settle.ms", 1_000, log),
                ConfigCheck.atLeast(config.start_timeout_ms(), 1, "start.timeout.ms", 30_000, log), startNew, startLevel);
        JarInspector inspector = new JarInspector(limits(config));
        // every task of the deploy thread is counted as in progress from submit to its end: afterEach balances the
        // settle.submitted() of submit(), schedule() and of each run of the sweep
        this.executor = new OwnedExecutor(THREAD_NAME,
                failure -> log.error("deploy: a task failed: {}", failure.toString(), failure), this::taskEnded);
        this.starter = new Starter(operations, settings.startTimeoutMillis, Starter.MAX_THREADS, this::startReturned);
        this.engine = new DeployEngine(context, operations, refreshes, journal, log, settings, guard, inspector, store,
                this::schedule, starter);
        this.settle = new FolderSettle(folder, reported(context.getProperty("felix.fileinstall.filter")), engine::records,
                pollMillis(context.getProperty("felix.fileinstall.poll")));
        log.info("deploy: watching {} through FileInstall; state in {}; api.gate={}, folder.permissions={}", folder,
                store.directory(), gate, guard.mode());
    }

    /** Reads the state, then starts the deploy thread: the first transaction and the periodic sweep. */
    @Activate
    void activate(BundleContext context) throws IOException {
        engine.load();
        engine.disarmStuck();
        FrameworkStartWait frameworkStarted = new FrameworkStartWait(context, log);
        submit(() -> { // not while Felix's start-level thread still starts bundles: it would queue the starts we ask for
            if (frameworkStarted.await(executor::isShutdown)) {
                engine.startUp();
            }
        });
        // what FileInstall does not report (directories and links named *.jar, a folder replaced under its watch)
        executor.scheduleWithFixedDelay(() -> {
            settle.submitted(); // balanced by afterEach, as every task of the deploy thread
            engine.sweep();
        }, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        String fileInstallStarts = context.getProperty("felix.fileinstall.bundles.new.start");
        if (fileInstallStarts == null || Boolean.parseBoolean(fileInstallStarts.trim())) {
            log.warn("deploy: FileInstall starts the bundles of {} itself (felix.fileinstall.bundles.new.start is not false):"
                    + " after a restart it starts a bundle Revisor has stopped for an update, behind the transaction's back."
                    + " Set felix.fileinstall.bundles.new.start = false in etc/config.properties; {} says whether Revisor"
                    + " starts new bundles (docs/deploy.md)", folder, START_NEW);
        }
        String nio2 = context.getProperty("felix.fileinstall.disableNio2");
        if (nio2 == null || !Boolean.parseBoolean(nio2.trim())) {
            log.warn("deploy: FileInstall watches {} with NIO2 (felix.fileinstall.disableNio2 is not true): once the folder is"
                    + " deleted and made again, or swapped for another, it sees no change until a restart. Set"
                    + " felix.fileinstall.disableNio2 = true in etc/config.properties (docs/deploy.md)", folder);
        }
    }

    @Deactivate
    void deactivate() {
        executor.shutdown(); // a transaction in progress ends as usual, its starts included
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("deploy: a transaction is still running after 30 s; interrupting it (the write-ahead record completes"
                        + " or rolls it back at the next start)");
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        // starts that have not returned: interrupt them (the deploy folder is going away); at the next activation the
        // file's record says stuck and its transaction is finished then
        for (String thread : starter.close(5_000)) {
            log.error("deploy: {} still runs after an interrupt and 5 s: its activator ignores interruption; the thread ends"
                    + " only when start() returns", thread);
        }
    }

    /** After every task of the deploy thread (afterEach of the executor): one task in progress less. */
    private void taskEnded() {
        settle.finished();
    }

    /** A start reported stuck has returned: on its own thread; the deploy thread finishes its transaction. */
    private void startReturned(Starter.Stuck stuck, Throwable failure) {
        submit(() -> engine.startReturned(stuck, failure));
    }

    // ---- ArtifactInstaller: called on FileInstall's watcher thread; hand off only

    @Override
    public boolean canHandle(File artifact) {
        String name = artifact.getName();
        if (DeployEngine.isJar(name) || DeployEngine.isMarker(name)) {
            return true;
        }
        // in a refused folder, configuration files are claimed too: otherwise anyone could reconfigure the runtime,
        // this component included, through FileInstall's ConfigInstaller
        // (only those of this folder: etc/ has its own watcher, whose files the config component takes)
        String lower = name.toLowerCase(Locale.ROOT);
        return (lower.endsWith(".cfg") || lower.endsWith(".config")) && folder.equals(canonical(artifact.toPath().toAbsolutePath()
                .getParent())) && guard.folderProblem(folder) != null;
    }

    @Override
    public void install(File artifact) {
        submit(() -> engine.changed(artifact.toPath(), false));
    }

    @Override
    public void update(File artifact) {
        submit(() -> engine.changed(artifact.toPath(), false));
    }

    @Override
    public void uninstall(File artifact) {
        submit(() -> engine.removed(artifact.toPath()));
    }

    private void submit(Runnable task) {
        if (!executor.isShutdown()) {
            settle.submitted();
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) { // shutting down meanwhile
                settle.finished();
            }
        }
    }

    /** The engine's scheduler: a task on the deploy thread after a delay, counted as in progress until it has run. */
    private void schedule(Runnable task, long delayMillis) {
        settle.submitted();
        try {
            executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            settle.finished();
        }
    }

    // ---- DeployFolder

    @Override
    public DeployStatusDTO status() {
        // the count and the verdict from one look, so that the header never counts a change the verdict did not see
        FolderSettle.Look look = settle.look();
        DeployStatusDTO status = engine.status((int) Math.min(Integer.MAX_VALUE, look.pending()));
        status.inProgress = look.inProgress();
        status.settled = status.inProgress.isEmpty();
        return status;
    }

    @Override
    public DeployStatusDTO awaitSettled(long timeoutMillis) throws InterruptedException, TimeoutException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("the timeout must be 0 or more milliseconds, is " + timeoutMillis);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            List<String> left = settle.await(remaining);
            if (left.isEmpty()) {
                DeployStatusDTO status = status();
                if (status.settled) {
                    return status;
                }
                left = status.inProgress; // a change came in meanwhile
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("the deploy folder " + folder + " did not settle within " + timeoutMillis + " ms; in progress: "
                        + String.join("; ", left));
            }
        }
    }

    /** @return which file names FileInstall reports to Revisor: those its {@code felix.fileinstall.filter} accepts */
    private Predicate<String> reported(String filter) {
        if (filter == null || filter.isEmpty()) {
            return name -> true;
        }
        try {
            Pattern pattern = Pattern.compile(filter);
            return name -> pattern.matcher(name).matches();
        } catch (PatternSyntaxException e) {
            log.warn("deploy: felix.fileinstall.filter '{}' is not a regular expression: {}; audit:deploys --wait waits for every"
                    + " jar", filter, e.getDescription());
            return name -> true;
        }
    }

    /** @return how often a waiter for the folder looks again: FileInstall's poll, within 20 ms .. 1 s */
    private static long pollMillis(String poll) {
        long millis = 2_000; // FileInstall's default
        try {
            if (poll != null) {
                millis = Long.parseLong(poll.trim());
            }
        } catch (NumberFormatException e) {
            // FileInstall falls back to its default too
        }
        return Math.min(1_000, Math.max(20, millis));
    }

    // ---- configuration

    private String choice(String value, String fallback, String key, String... allowed) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        log.error("deploy: {}='{}' in configuration {} is none of {}; using {}", key, value, PID, String.join(", ", allowed), fallback);
        return fallback;
    }

    private JarInspector.Limits limits(Config config) {
        return new JarInspector.Limits(ConfigCheck.atLeast(config.max_jar_bytes(), 1, "max.jar.bytes", 64L * 1024 * 1024, log),
                (int) ConfigCheck.atLeast(config.max_entries(), 1, "max.entries", 20_000, log),
                ConfigCheck.atLeast(config.max_uncompressed_bytes(), 1, "max.uncompressed.bytes", 512L * 1024 * 1024, log),
                (int) ConfigCheck.atLeast(config.max_manifest_bytes(), 1024, "max.manifest.bytes",
                        JarInspector.Limits.DEFAULT_MAX_MANIFEST_BYTES, log),
                (int) ConfigCheck.atLeast(config.max_header_bytes(), 1024, "max.header.bytes",
                        JarInspector.Limits.DEFAULT_MAX_HEADER_BYTES, log),
                (int) ConfigCheck.atLeast(config.max_header_clauses(), 1, "max.header.clauses",
                        JarInspector.Limits.DEFAULT_MAX_HEADER_CLAUSES, log));
    }

    private static Path canonical(Path p) {
        try {
            return p.toFile().getCanonicalFile().toPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    static Path dataDirectory(BundleContext context, Config config) {
        if (!config.data_directory().isBlank()) {
            return Paths.get(config.data_directory());
        }
        String data = context.getProperty("revisor.data");
        if (data != null && !data.isBlank()) {
            return Paths.get(data, "deploy");
        }
        return context.getDataFile("deploy").toPath();
    }
}
