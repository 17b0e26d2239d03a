package dev.revisor.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Analyzer;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.EmbeddedResource;
import aQute.bnd.osgi.FileResource;
import aQute.bnd.osgi.Jar;

/**
 * Builds a variant of a bundle inside a test, with bnd: another version, a changed class, an extra resource, so that a
 * live update can be tested without a second Maven module. It starts from a built bundle (your plugin's jar, or its
 * {@code target/classes} folder with the manifest bnd wrote there), replaces what you change, and lets bnd compute the
 * manifest again (imports of a changed class included), keeping the original's headers otherwise.
 * <pre>{@code
 * Path v2 = BundleVariant.of(Paths.get("target/greeter.jar"))
 *         .version("1.0.1")
 *         .source(Paths.get("src/test/variants/leaky/com/example/greeter/internal/Ticker.java"))
 *         .build("greeter-leaky.jar");
 * }</pre>
 * Call it in the test JVM (a {@code @Configuration} method or a static initializer): it needs bnd and the Java
 * compiler, which are not inside the framework. Inside the framework, {@link Variants#path(String)} finds what was
 * built: {@code target/revisor-variants} under the working directory (the module's folder when Maven runs the tests),
 * or the folder the system property {@value Variants#FOLDER_PROPERTY} names.
 */
public final class BundleVariant {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile("\\b(?:class|interface|enum|record)\\s+(\\w+)");

    private final Path base;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, byte[]> resources = new LinkedHashMap<>();

    private BundleVariant(Path base) {
        this.base = base;
    }

    /**
     * @param bundle a built bundle: a jar, or a class folder with {@code META-INF/MANIFEST.MF} (bnd-maven-plugin
     *               writes one into {@code target/classes})
     * @return a builder of a variant of it
     */
    public static BundleVariant of(Path bundle) {
        if (bundle == null || !Files.exists(bundle)) {
            throw new IllegalArgumentException("no bundle at " + bundle + ": build it first (in a Maven project, run the"
                    + " tests in the integration-test phase, after package, or pass target/classes)");
        }
        if (Files.isDirectory(bundle) && !Files.isRegularFile(bundle.resolve("META-INF/MANIFEST.MF"))) {
            throw new IllegalArgumentException(bundle + " has no META-INF/MANIFEST.MF: it is not a built bundle");
        }
        return new BundleVariant(bundle);
    }

    /** @param version the variant's {@code Bundle-Version} */
    public BundleVariant version(String version) {
        return header(Constants.BUNDLE_VERSION, version);
    }

    /** @param name the variant's {@code Bundle-SymbolicName} (a different bundle, not an update of the original) */
    public BundleVariant symbolicName(String name) {
        return header(Constants.BUNDLE_SYMBOLICNAME, name);
    }

    /**
     * Sets a manifest header or a bnd instruction, e.g. {@code Export-Package: com.example.api;version=2.0.0}.
     * {@code Import-Package} is computed by bnd unless set here.
     */
    public BundleVariant header(String name, String value) {
        if (name == null || name.isBlank() || value == null) {
            throw new IllegalArgumentException("a header needs a name and a value, got " + name + ": " + value);
        }
        headers.put(name, value);
        return this;
    }

    /**
     * Replaces (or adds) a class, compiled from Java source against the bundle and the test class path.
     *
     * @param className the class's binary name, e.g. {@code com.example.greeter.internal.Ticker}
     * @param javaSource its whole source file
     */
    public BundleVariant source(String className, String javaSource) {
        if (className == null || javaSource == null) {
            throw new IllegalArgumentException("a class name and its source are needed");
        }
        sources.put(className, javaSource);
        return this;
    }

    /**
     * Replaces (or adds) a class from a {@code .java} file, e.g. one under {@code src/test/variants/} (a folder Maven
     * does not compile); its name comes from its package declaration and its first type.
     */
    public BundleVariant source(Path javaFile) {
        String text;
        try {
            text = Files.readString(javaFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Java source " + javaFile + ": " + e, e);
        }
        Matcher pkg = PACKAGE.matcher(text);
        Matcher type = TYPE.matcher(text);
        if (!type.find()) {
            throw new IllegalArgumentException(javaFile + " declares no class, interface, enum or record");
        }
        String simple = javaFile.getFileName().toString().replaceFirst("\\.java$", "");
        return source(pkg.find() ? pkg.group(1) + "." + simple : simple, text);
    }

    /** Replaces (or adds) a resource, e.g. {@code OSGI-INF/config.properties}. */
    public BundleVariant resource(String path, byte[] content) {
        resources.put(path, content.clone());
        return this;
    }

    /**
     * Builds the variant (again, if the file exists).
     *
     * @param fileName the jar's name in the variants folder
     * @return the jar
     * @throws IllegalStateException when a source does not compile (with javac's messages) or bnd reports errors
     */
    public Path build(String fileName) {
        Path out = Variants.path(fileName);
        try (Jar jar = new Jar(base.toFile());
             Analyzer analyzer = new Analyzer()) {
            Manifest original = jar.getManifest();
            if (original == null) {
                throw new IllegalArgumentException(base + " has no manifest: it is not a bundle");
            }
            Path classes = compile();
            if (classes != null) {
                try (var files = Files.walk(classes)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        jar.putResource(classes.relativize(f).toString().replace(File.separatorChar, '/'), new FileResource(f));
                    }
                }
            }
            resources.forEach((path, bytes) -> jar.putResource(path, new EmbeddedResource(bytes, 0L)));
            analyzer.setJar(jar);
            analyzer.setProperty(Constants.NOEXTRAHEADERS, "true");
            analyzer.setProperty("-noimportjava", "true");
            Attributes main = original.getMainAttributes();
            for (Object key : main.keySet()) {
                String name = key.toString();
                if (!name.equals(Constants.IMPORT_PACKAGE) && !name.equals("Manifest-Version")
                        && !name.equals("Created-By") && !name.equals("Bnd-LastModified") && !name.equals("Tool")) {
                    analyzer.setProperty(name, main.getValue(name));
                }
            }
            if (main.getValue(Constants.EXPORT_PACKAGE) != null) {
                // the original's exports as they were (versions included): a variant changes them only when told
                analyzer.setProperty(Constants.EXPORT_PACKAGE, new Parameters(main.getValue(Constants.EXPORT_PACKAGE)).toString());
            }
            analyzer.setProperty(Constants.IMPORT_PACKAGE, "*");
            headers.forEach(analyzer::setProperty);
            Manifest manifest = analyzer.calcManifest();
            if (!analyzer.isOk()) {
                throw new IllegalStateException("bnd could not build variant " + fileName + " of " + base + ": " + analyzer.getErrors());
            }
            jar.setManifest(manifest);
            Files.createDirectories(out.getParent());
            jar.write(out.toFile());
            return out;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("bnd could not build variant " + fileName + " of " + base + ": " + e, e);
        }
    }

    /** @return the folder with the compiled sources, or {@code null} when there are none */
    private Path compile() throws IOException {
        if (sources.isEmpty()) {
            return null;
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this JVM (a JRE, not a JDK): BundleVariant.source needs one");
        }
        Path work = Files.createTempDirectory("revisor-variant");
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = work.resolve("src").resolve(e.getKey().replace('.', File.separatorChar) + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
            files.add(f);
        }
        String cp = base.toAbsolutePath() + File.pathSeparator + System.getProperty("java.class.path", "");
        List<String> options = List.of("-d", classes.toString(), "-classpath", cp, "-proc:none", "-nowarn",
                "--release", String.valueOf(Math.min(Runtime.version().feature(), 17)));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                StringBuilder m = new StringBuilder();
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR) {
                        m.append("  ").append(d.getSource() == null ? "" : Paths.get(d.getSource().toUri()).getFileName() + ":"
                                + d.getLineNumber() + ": ").append(d.getMessage(null)).append('\n');
                    }
                }
                throw new IllegalStateException("variant of " + base + ": the changed classes " + sources.keySet()
                        + " do not compile:\n" + m);
            }
        }
        return classes;
    }

}
