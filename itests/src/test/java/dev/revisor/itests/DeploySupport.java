package dev.revisor.itests;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What the deploy tests share: fixture libraries compiled from source in the test JVM (two versions of one class
 * cannot live in the test sources), hand-made broken jars for the bad-input corpus, and waiting for the marker
 * files the deploy bundle writes beside a jar.
 */
public final class DeploySupport {
    /** The package of the gate library: its versions differ in API. */
    public static final String GATE_PACKAGE = "dev.revisor.itests.deploy.gate";

    private DeploySupport() {
    }

    // ---- in the test JVM, before the framework starts

    /**
     * Compiles Java sources into {@code fixtures/classes/NAME} with the test class path (OSGi API) plus {@code extra}.
     *
     * @param sources class name -> source
     * @return the output folder
     */
    public static Path compile(String name, Map<String, String> sources, Path... extra) {
        try {
            Path src = Fixtures.folder().resolve("sources").resolve(name);
            Path out = Fixtures.folder().resolve("classes").resolve(name);
            Files.createDirectories(out);
            List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17", "-nowarn"));
            StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
            for (Path p : extra) {
                cp.append(File.pathSeparator).append(p);
            }
            args.add("-classpath");
            args.add(cp.toString());
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                args.add(file.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = javac.run(null, null, err, args.toArray(new String[0]));
            if (rc != 0) {
                throw new IllegalStateException("cannot compile fixture " + name + ": " + err.toString(StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot compile fixture " + name + ": " + e, e);
        }
    }

    /** The gate library: {@code Greeter} with {@code hello} and {@code shout} (1.0), plus {@code whisper} (1.1). */
    public static String greeter(boolean withShout, boolean withWhisper) {
        return "package " + GATE_PACKAGE + ";\n"
                + "public class Greeter {\n"
                + "  public static String hello(String n) { return \"hello \" + n; }\n"
                + (withShout ? "  public static String shout(String n) { return n.toUpperCase(); }\n" : "")
                + (withWhisper ? "  public static String whisper(String n) { return n.toLowerCase(); }\n" : "")
                + "}\n";
    }

    /**
     * Builds a gate library bundle with bnd.
     *
     * @param exported the version its package is exported at
     */
    public static Path gateBundle(String file, String bundleVersion, String exported, boolean withShout, boolean withWhisper) {
        Path classes = compile("gate-" + bundleVersion, Map.of(GATE_PACKAGE + ".Greeter", greeter(withShout, withWhisper)));
        return Fixtures.jar(file).symbolicName("dev.revisor.itests.gate").version(bundleVersion)
                .set("-includeresource", classes.toString())
                .exportPackages(GATE_PACKAGE + ";version=" + exported).build();
    }

    /** A consumer of the gate library whose activator calls {@code Greeter.shout}: it breaks when shout is gone. */
    public static Path consumerBundle(String file, String bsn, String pkg) {
        return consumerBundle(file, bsn, pkg, "shout");
    }

    /** A consumer of the gate library whose activator calls {@code Greeter.<method>}. */
    public static Path consumerBundle(String file, String bsn, String pkg, String method) {
        Path gate = compile("gate-for-" + bsn, Map.of(GATE_PACKAGE + ".Greeter", greeter(true, false)));
        String source = "package " + pkg + ";\n"
                + "public class Activator implements org.osgi.framework.BundleActivator {\n"
                + "  public void start(org.osgi.framework.BundleContext c) { " + GATE_PACKAGE + ".Greeter." + method + "(\"started\"); }\n"
                + "  public void stop(org.osgi.framework.BundleContext c) { }\n"
                + "}\n";
        Path classes = compile(bsn, Map.of(pkg + ".Activator", source), gate);
        return Fixtures.jar(file).symbolicName(bsn).version("1.0.0")
                .set("-includeresource", classes.toString())
                .set("Import-Package", GATE_PACKAGE + ";version=\"[1.0,2)\",org.osgi.framework")
                .set("Bundle-Activator", pkg + ".Activator").build();
    }

    /** @return manifest bytes made of these lines, exactly as given (the corpus needs broken ones) */
    public static byte[] manifest(String... lines) {
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(line).append("\r\n");
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes a zip by hand, entry by entry, in the fixtures folder: the bad-input corpus needs jars that no tool
     * would make.
     */
    public static Path rawJar(String file, Map<String, byte[]> entries) {
        Path out = Fixtures.path(file);
        try {
            Files.createDirectories(out.getParent());
            try (OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    ZipEntry entry = new ZipEntry(e.getKey());
                    zip.putNextEntry(entry);
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + out + ": " + e, e);
        }
    }

    /** Entries in insertion order. */
    public static Map<String, byte[]> entries(Object... nameThenBytes) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenBytes.length; i += 2) {
            Object v = nameThenBytes[i + 1];
            m.put((String) nameThenBytes[i], v instanceof byte[] ? (byte[]) v : String.valueOf(v).getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    /** @return the CRC-32 of bytes, for hand-made zips */
    public static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    // ---- inside the framework

    /** @return the marker's text once it exists; fails after {@code millis} */
    public static String awaitMarker(Path deploy, String file, String suffix, long millis) throws Exception {
        Path marker = deploy.resolve(file + suffix);
        RevisorTestSupport.await(marker.getFileName() + " written", millis, () -> Files.exists(marker) && size(marker) > 0);
        return Files.readString(marker);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** @return every bundle as {@code id bsn/version state}: equal before and after means nothing was disturbed */
    public static Map<Long, String> states(BundleContext context) {
        Map<Long, String> m = new LinkedHashMap<>();
        for (Bundle b : context.getBundles()) {
            m.put(b.getBundleId(), b.getSymbolicName() + "/" + b.getVersion() + " state " + b.getState() + " modified " + b.getLastModified());
        }
        return m;
    }
}
