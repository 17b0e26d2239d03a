package dev.revisor.testkit;

import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.ops4j.pax.exam.Constants;
import org.ops4j.pax.exam.Option;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Pax Exam options that boot Revisor in a test: every bundle of the {@code revisor-core} feature (the audit, the
 * shell, the deploy folder and what they need), each from its Maven coordinates at the start order the feature gives,
 * plus this kit as a bundle so that the test probe can use its assertions ({@code dev.revisor.testkit.audit}).
 * <p>
 * Use it beside your own options:
 * <pre>{@code
 * @Configuration
 * public Option[] config() {
 *     return options(
 *             RevisorOptions.revisorCore(),
 *             mavenBundle("com.example", "greeter").versionAsInProject());
 * }
 * }</pre>
 * {@link #revisorCore()} is the usual form; {@link #builder()} changes the Revisor version, the home folder or the
 * start level before {@link Builder#build() build()}. These methods run in the test JVM before the framework starts
 * (Pax Exam's native container: the framework runs in that same JVM).
 * <p>
 * Bundles are resolved by Pax URL: from the local Maven repository (the one Maven uses, when the test JVM has the
 * system property {@code maven.repo.local}), then from the repositories Pax URL is configured with (Maven Central
 * unless {@code org.ops4j.pax.url.mvn.repositories} says otherwise). docs/testing-plugins.md tells more.
 */
public final class RevisorOptions {
    /** The feature {@link #revisorCore()} provisions. */
    public static final String FEATURE = "revisor-core";
    /** Framework property naming the folder the deploy bundle (FileInstall) watches in a test. */
    public static final String DEPLOY_DIR = "felix.fileinstall.dir";
    /** System property that makes {@link Builder#offline(boolean)} default to {@code true}. */
    public static final String OFFLINE = "revisor.testkit.offline";
    /** Framework property naming the test runtime's home (deploy/, data/, etc/, lib/). */
    public static final String HOME = "revisor.home";

    private RevisorOptions() {
    }

    /**
     * @return Revisor's {@code revisor-core} feature at this kit's version, with a fresh home folder, as one option
     */
    public static Option revisorCore() {
        return builder().build();
    }

    /** @return a builder of the Revisor options, to change a default before {@link Builder#build()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the Revisor version this kit was built with: the default of {@link Builder#version(String)} */
    public static String kitVersion() {
        Properties p = new Properties();
        try (InputStream in = RevisorOptions.class.getResourceAsStream("testkit.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/revisor/testkit/testkit.properties is missing from the test kit jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the test kit's testkit.properties: " + e, e);
        }
        return p.getProperty("revisor.version");
    }

    /** Changes a default of the Revisor options; {@link #build()} makes the option. */
    public static final class Builder {
        private String version = kitVersion();
        private Path home;
        private int startLevel = 20;
        private boolean heapAnalyzer = true;
        private long timeoutMillis = 120_000;
        private boolean offline = Boolean.getBoolean(OFFLINE);

        private Builder() {
        }

        /**
         * @param version the version of Revisor's own bundles ({@code dev.revisor:*}) to provision; the third-party
         *                bundles stay those of the feature this kit was built with. Default: the kit's version.
         */
        public Builder version(String version) {
            if (version == null || version.isBlank()) {
                throw new IllegalArgumentException("a Revisor version is needed, e.g. " + kitVersion());
            }
            this.version = version.trim();
            return this;
        }

        /**
         * @param home the test runtime's home: {@code deploy/}, {@code data/} (journal, log, control socket) and
         *             {@code lib/} go there, and it is kept. Default: a new folder under {@code /tmp} per call of
         *             {@link #build()}, deleted when the test JVM exits (a Unix socket path must stay under about 100
         *             bytes, so keep it short).
         */
        public Builder home(Path home) {
            if (home == null) {
                throw new IllegalArgumentException("home must not be null");
            }
            this.home = home;
            return this;
        }

        /** @param level the framework's start level once started (default 20: every feature bundle starts) */
        public Builder startLevel(int level) {
            if (level < 6) {
                throw new IllegalArgumentException("start level " + level + " is below 6: revisor-core's last bundles start at 5");
            }
            this.startLevel = level;
            return this;
        }

        /**
         * @param enabled whether to give the audit the heap analyzer (default: yes, when it is on the test class path,
         *                as the kit's dependencies put it): it explains a zombie revision with its reference chain
         *                from a GC root, in a child JVM
         */
        public Builder heapAnalyzer(boolean enabled) {
            this.heapAnalyzer = enabled;
            return this;
        }

        /**
         * @param offline whether Pax URL resolves bundles from the local Maven repository only, never from a remote one
         *                (default: the system property {@value RevisorOptions#OFFLINE}, else {@code false}: Pax URL's own
         *                configuration, Maven Central unless {@code org.ops4j.pax.url.mvn.repositories} says otherwise)
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** @param millis how long Pax Exam waits for the framework and for services (default 120 s) */
        public Builder timeout(long millis) {
            this.timeoutMillis = millis;
            return this;
        }

        /** @return the options, as one composite option */
        public Option build() {
            Path h = home != null ? home : newHome();
            Path data = h.resolve("data");
            try {
                Files.createDirectories(h.resolve("deploy"));
                Files.createDirectories(data);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the test runtime's home " + h + ": " + e, e);
            }
            List<Option> options = new ArrayList<>();
            options.add(systemProperty(Constants.EXAM_FAIL_ON_UNRESOLVED_KEY).value("true"));
            String repo = System.getProperty("maven.repo.local");
            if (repo != null && !repo.isBlank() && System.getProperty("org.ops4j.pax.url.mvn.localRepository") == null) {
                options.add(systemProperty("org.ops4j.pax.url.mvn.localRepository").value(repo));
            }
            if (offline) {
                options.add(systemProperty("org.ops4j.pax.url.mvn.repositories").value(""));
                options.add(systemProperty("org.ops4j.pax.url.mvn.useFallbackRepositories").value("false"));
                options.add(systemProperty("org.ops4j.pax.url.mvn.offline").value("true"));
            }
            options.add(systemProperty("revisor.data").value(data.toString()));
            if (System.getProperty("logback.configurationFile") == null) {
                options.add(systemProperty("logback.configurationFile").value(logbackFile(h).toString()));
            }
            options.add(systemTimeout(timeoutMillis));
            options.add(cleanCaches());
            options.add(frameworkStartLevel(startLevel));
            options.add(frameworkProperty(HOME).value(h.toString()));
            options.add(frameworkProperty("revisor.data").value(data.toString()));
            options.add(frameworkProperty("revisor.control.socket").value(data.resolve("run/control.sock").toString()));
            options.add(frameworkProperty(DEPLOY_DIR).value(h.resolve("deploy").toString()));
            // as etc/config.properties ships them (docs/deploy.md), with a short poll for tests
            options.add(frameworkProperty("felix.fileinstall.poll").value("50"));
            options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
            options.add(frameworkProperty("felix.fileinstall.bundles.new.start").value("false"));
            options.add(frameworkProperty("felix.fileinstall.disableNio2").value("true"));
            options.add(frameworkProperty("felix.fileinstall.log.level").value("2"));
            if (heapAnalyzer) {
                Path lib = HeapAnalyzerLib.prepare(h.resolve("lib"));
                if (lib != null) {
                    options.add(frameworkProperty("revisor.lib").value(lib.toString()));
                }
            }
            options.add(junitBundles());
            options.add(feature());
            // this kit, so that the probe's tests can use dev.revisor.testkit.audit inside the framework
            options.add(mavenBundle("dev.revisor", "revisor-testkit", version).startLevel(5).start());
            return composite(options.toArray(new Option[0]));
        }

        /** The feature's bundles from its descriptor on the class path (revisor-features), Revisor's at {@link #version}. */
        private Option feature() {
            String resource = "features/" + FEATURE + ".json";
            JsonObject json;
            try (InputStream in = RevisorOptions.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the test class path: add dev.revisor:revisor-features"
                            + " (the test kit depends on it)");
                }
                try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    json = JsonParser.parseReader(r).getAsJsonObject();
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + resource + ": " + e, e);
            }
            List<Option> bundles = new ArrayList<>();
            for (JsonElement element : json.getAsJsonArray("bundles")) {
                JsonObject b = element.getAsJsonObject();
                String[] gav = b.get("id").getAsString().split(":");
                if (gav.length < 3) {
                    throw new IllegalStateException(resource + ": bundle id '" + b.get("id").getAsString() + "' is not groupId:artifactId:version");
                }
                int order = b.has("start-order") ? b.get("start-order").getAsInt() : 1;
                String v = gav[0].equals("dev.revisor") ? version : gav[2];
                bundles.add(mavenBundle(gav[0], gav[1], v).startLevel(order).start());
            }
            return composite(bundles.toArray(new Option[0]));
        }
    }

    /**
     * @return a new temp folder, deleted when the test JVM exits (by a shutdown hook thread named
     *         {@code revisor-testkit-cleanup}, after Pax Exam stopped the framework)
     */
    private static Path newHome() {
        try {
            Path home = Files.createTempDirectory(Paths.get(File.separator + "tmp"), "rvs-kit");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(home), "revisor-testkit-cleanup"));
            return home;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temp folder for the test runtime: " + e, e);
        }
    }

    private static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temp folder left behind is harmless; the JVM is exiting
        }
    }

    /** The kit's logback.xml (Revisor's log in HOME/data/log/revisor.log) copied to HOME/etc. */
    private static Path logbackFile(Path home) {
        Path file = home.resolve("etc/logback.xml");
        try (InputStream in = RevisorOptions.class.getResourceAsStream("logback-test-runtime.xml")) {
            if (in == null) {
                throw new IllegalStateException("dev/revisor/testkit/logback-test-runtime.xml is missing from the test kit jar");
            }
            Files.createDirectories(file.getParent());
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e, e);
        }
        return file;
    }
}
