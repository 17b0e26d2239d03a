package dev.revisor.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.ops4j.pax.exam.Constants;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The configuration every Revisor integration test composes from (Pax Exam {@code regressionDefaults()} style),
 * and the few things tests do inside the framework: run a Gogo command line, wait for a condition.
 * <p>
 * Configuration methods run in the test JVM before the framework starts; the other methods run inside it.
 */
public final class RevisorTestSupport {
    /** Framework property naming the folder FileInstall watches in a test. */
    public static final String DEPLOY_DIR = "felix.fileinstall.dir";

    private RevisorTestSupport() {
    }

    /**
     * The framework, Pax Exam's own bundles, and every bundle of the {@code revisor-core} feature at its start
     * order, read from the feature file the build produced: the test provisions what the runtime boots.
     * Each test class gets its own {@code revisor.data}, deploy folder and control socket under a short temp path.
     */
    public static Option baseConfiguration() {
        Path home = newHome();
        return composite(
                systemProperty(Constants.EXAM_FAIL_ON_UNRESOLVED_KEY).value("true"),
                systemProperty("org.ops4j.pax.url.mvn.localRepository").value(localRepository()),
                systemProperty("org.ops4j.pax.url.mvn.repositories").value(""),
                systemProperty("org.ops4j.pax.url.mvn.useFallbackRepositories").value("false"),
                systemProperty("pax.exam.logging").value("none"),
                // Logback inside the framework (revisor-core's logging bundles) reads the distribution's etc/logback.xml
                // and writes HOME/data/log/revisor.log, as the launcher sets it up (LogSetup)
                systemProperty("revisor.data").value(home.resolve("data").toString()),
                systemProperty("logback.configurationFile").value(Paths.get(required("revisor.itest.logback"))
                        .toString()),
                systemTimeout(120_000),
                cleanCaches(),
                frameworkStartLevel(20),
                frameworkProperty("revisor.home").value(home.toString()),
                frameworkProperty("revisor.data").value(home.resolve("data").toString()),
                frameworkProperty("revisor.control.socket").value(home.resolve("data/run/control.sock").toString()),
                frameworkProperty(DEPLOY_DIR).value(home.resolve("deploy").toString()),
                frameworkProperty("felix.fileinstall.poll").value("50"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                // as etc/config.properties ships them: only Revisor starts the folder's bundles, and the folder is
                // listed every poll (docs/deploy.md)
                frameworkProperty("felix.fileinstall.bundles.new.start").value("false"),
                frameworkProperty("felix.fileinstall.disableNio2").value("true"),
                frameworkProperty("felix.fileinstall.log.level").value("2"),
                junitBundles(),
                feature("revisor-core"));
    }

    /**
     * @param name a feature file name without {@code .json}
     * @return the feature's bundles, each at its start order: Revisor's own by file URL from the reactor,
     *         the others by {@code mvn:} link from the local repository
     */
    public static Option feature(String name) {
        Path file = Paths.get(required("revisor.itest.features"), name + ".json");
        JsonObject feature;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            feature = JsonParser.parseReader(in).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read feature " + file + ": " + e, e);
        }
        List<Option> options = new ArrayList<>();
        JsonArray bundles = feature.getAsJsonArray("bundles");
        for (JsonElement element : bundles) {
            JsonObject b = element.getAsJsonObject();
            String[] gav = b.get("id").getAsString().split(":");
            int startLevel = b.has("start-order") ? b.get("start-order").getAsInt() : 1;
            if (gav[0].equals("dev.revisor")) {
                options.add(bundle(reactorBundle(gav[1]).toUri().toString()).startLevel(startLevel).start());
            } else {
                options.add(mavenBundle(gav[0], gav[1], gav[2]).startLevel(startLevel).start());
            }
        }
        return composite(options.toArray(new Option[0]));
    }

    /**
     * @param artifactId a reactor module's artifactId (a test dependency of this module)
     * @return the bundle jar the build made, copied to {@code target/bundles}
     */
    public static Path reactorBundle(String artifactId) {
        Path jar = Paths.get(required("revisor.itest.bundles"), artifactId + "-" + required("revisor.itest.version") + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no bundle " + jar + ": is " + artifactId + " a test dependency of itests?");
        }
        return jar;
    }

    static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests through Maven (failsafe sets it)");
        }
        return value;
    }

    private static String localRepository() {
        String repo = System.getProperty("maven.repo.local");
        return repo != null && !repo.isBlank() ? repo : System.getProperty("user.home") + File.separator + ".m2" + File.separator + "repository";
    }

    private static Path newHome() {
        try {
            // short: a Unix socket path must stay under ~100 bytes
            Path home = Files.createTempDirectory(Paths.get("/tmp"), "rvs-it");
            // the folder exists when FileInstall starts, as in the distribution (FileInstall watches a missing folder
            // by listing it whatever felix.fileinstall.disableNio2 says)
            Files.createDirectory(home.resolve("deploy"));
            return home;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temp folder for the test runtime: " + e, e);
        }
    }

    // ---- inside the framework ----

    /** The outcome of one Gogo command line. */
    public static final class Result {
        public final String out;
        public final String err;
        public final Exception failure;

        Result(String out, String err, Exception failure) {
            this.out = out;
            this.err = err;
            this.failure = failure;
        }

        @Override
        public String toString() {
            return "out: " + out + "\nerr: " + err + (failure == null ? "" : "\nfailure: " + failure);
        }
    }

    /**
     * Runs a command line as the control socket and the console do, formatting a returned value the same way.
     */
    public static Result gogo(CommandProcessor processor, String line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream pout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream perr = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), pout, perr);
        Exception failure = null;
        try {
            Object result = session.execute(line);
            if (result != null) {
                pout.print(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            failure = e;
        } finally {
            session.close();
        }
        return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), failure);
    }

    /** Like {@link #gogo} but a failing command fails the test with its message. */
    public static String gogoOk(CommandProcessor processor, String line) {
        Result r = gogo(processor, line);
        if (r.failure != null) {
            throw new AssertionError("'" + line + "' failed: " + r.failure, r.failure);
        }
        return r.out;
    }

    /**
     * Deletes a test's scratch folder as far as it can: a file that cannot be deleted is left (every test uses folders
     * of its own under /tmp).
     */
    public static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** @return the configurations SCR has of the component named {@code name} (empty when there is no such component) */
    public static List<ComponentConfigurationDTO> componentConfigurations(ServiceComponentRuntime scr, String name) {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.name.equals(name)) {
                return new ArrayList<>(scr.getComponentConfigurationDTOs(d));
            }
        }
        return List.of();
    }

    /** @return the state of the first configuration of the component named {@code name}, or -1 when it has none */
    public static int componentState(ServiceComponentRuntime scr, String name) {
        return componentConfigurations(scr, name).stream().mapToInt(c -> c.state).findFirst().orElse(-1);
    }

    /** Waits for a condition, at most {@code millis}; fails with {@code what} when it does not come true. */
    public static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        await(what, millis, condition, () -> "");
    }

    /**
     * Waits for a condition, at most {@code millis}; fails with {@code what} and what {@code state} says then (what
     * the runtime recorded, for example) when it does not come true.
     */
    public static void await(String what, long millis, BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                String now = state.get();
                throw new AssertionError("timed out after " + millis + " ms waiting for: " + what + (now.isEmpty() ? "" : "; " + now));
            }
            Thread.sleep(20);
        }
    }

    /** @return the installed bundle with this symbolic name, or {@code null} */
    public static Bundle bundleNamed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** @return whether a bundle with this symbolic name is installed and Active */
    public static boolean isActive(BundleContext context, String symbolicName) {
        Bundle b = bundleNamed(context, symbolicName);
        return b != null && b.getState() == Bundle.ACTIVE;
    }

    /** @return the entry of {@code audit:deploys --json} for a file of the deploy folder, or {@code null} */
    public static JsonObject deployEntry(CommandProcessor processor, String file) {
        String json = gogoOk(processor, "audit:deploys --json");
        JsonArray files = JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("files");
        for (JsonElement e : files) {
            if (file.equals(e.getAsJsonObject().get("file").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    /** @return one field of a file's {@code audit:deploys --json} entry, or {@code null} when it has none */
    public static String deployField(CommandProcessor processor, String file, String field) {
        JsonObject entry = deployEntry(processor, file);
        return entry == null || !entry.has(field) || entry.get(field).isJsonNull() ? null : entry.get(field).getAsString();
    }

    /** @return the folder FileInstall watches in this test framework */
    public static Path deployDir(BundleContext context) {
        return Paths.get(context.getProperty(DEPLOY_DIR));
    }

    /**
     * Puts a file into a watched folder the way users are told to: copy beside it, then move it in at once,
     * so FileInstall never sees it half-written.
     */
    public static Path dropInto(Path folder, Path jar, String name) throws IOException {
        Files.createDirectories(folder);
        Path staging = folder.resolveSibling(folder.getFileName() + ".staging");
        Files.createDirectories(staging);
        Path tmp = staging.resolve(name);
        Files.copy(jar, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return Files.move(tmp, folder.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
