package dev.revisor.bench.faults;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import aQute.bnd.osgi.Constants;
import dev.revisor.bench.BundleFactory;
import dev.revisor.bench.ClassFile;

/**
 * Builds the fixture jars of the fault campaign with the bench's {@link BundleFactory} (bnd computes every manifest)
 * and remembers each one by SHA-256 and by symbolic name and version, so that the checker can say which bytes a
 * bundle runs from what the framework shows. Every jar gets a version of its own ({@code 1.0.N}, {@code 2.0.N} for a
 * major library), so two builds never share bytes.
 * <ul>
 * <li>{@code lib.jar}: {@code faults.lib}, exports {@code faults.lib.api} at 1.0.0 (2.0.0 for a major version);</li>
 * <li>{@code userN.jar}: {@code faults.userN}, imports {@code faults.lib.api [1.0,2)};</li>
 * <li>any other name {@code X.jar}: {@code faults.X}, a plain plugin.</li>
 * </ul>
 * Thread safety: {@link #build} may run on several threads (the maps are concurrent, the counter synchronized).
 */
final class Fixtures {
    static final String PREFIX = "faults.";

    /** One built jar. {@code behaviour} is the line of {@code fault.txt} (see FaultActivator). */
    record Variant(String file, String bsn, String version, String behaviour, String sha256, Path jar) {
        String describe() {
            return bsn + "/" + version + " (" + behaviour + ", sha " + short8(sha256) + ")";
        }
    }

    private final BundleFactory factory;
    private final Path dir;
    private final Path libReference;
    private int counter;
    private final Map<String, Variant> bySha = new ConcurrentHashMap<>();
    private final Map<String, Variant> byBsnVersion = new ConcurrentHashMap<>();

    Fixtures(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Path framework = Path.of(org.osgi.framework.Bundle.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        this.factory = new BundleFactory(List.of(framework.toFile()));
        this.libReference = build(dir.resolve("lib-reference.jar"), "lib.jar", "1.0.0", "start=ok", false).jar();
    }

    static String bsn(String file) {
        return PREFIX + file.replaceFirst("\\.jar$", "");
    }

    static boolean isUser(String file) {
        return file.startsWith("user");
    }

    static boolean isLib(String file) {
        return file.equals("lib.jar");
    }

    /** A new variant of {@code file} with the given behaviour; {@code major}: a library at 2.0 (breaks its importers). */
    Variant build(String file, String behaviour, boolean major) {
        int n;
        synchronized (this) {
            n = ++counter;
        }
        String version = (major ? "2.0." : "1.0.") + n;
        return build(dir.resolve(file.replace(".jar", "") + "-" + version + ".jar"), file, version, behaviour, major);
    }

    private Variant build(Path out, String file, String version, String behaviour, boolean major) {
        String bsn = bsn(file);
        String base = bsn.replace('.', '/');
        Map<String, String> i = new LinkedHashMap<>();
        Map<String, byte[]> classes = new LinkedHashMap<>();
        i.put(Constants.BUNDLE_SYMBOLICNAME, bsn);
        i.put(Constants.BUNDLE_VERSION, version);
        i.put(Constants.BUNDLE_ACTIVATOR, "dev.revisor.bench.faults.fixture.FaultActivator");
        i.put(Constants.INCLUDERESOURCE, "fault.txt;literal='" + behaviour + "'");
        List<java.io.File> classpath = List.of();
        if (isLib(file)) {
            classes.put(base + "/api/C", ClassFile.write(base + "/api/C", List.of()));
            i.put(Constants.EXPORT_PACKAGE, bsn + ".api;version=" + (major ? "2.0.0" : "1.0.0"));
            i.put(Constants.PRIVATEPACKAGE, "dev.revisor.bench.faults.fixture");
        } else {
            List<String> refs = isUser(file) ? List.of("faults/lib/api/C") : List.of();
            classes.put(base + "/impl/Impl", ClassFile.write(base + "/impl/Impl", refs));
            i.put(Constants.PRIVATEPACKAGE, "dev.revisor.bench.faults.fixture," + bsn + ".impl");
            if (isUser(file)) {
                classpath = List.of(libReference.toFile());
            }
        }
        factory.bundle(out, i, classes, classpath);
        String sha = sha256(out);
        Variant v = new Variant(file, bsn, version, behaviour, sha, out);
        bySha.put(sha, v);
        byBsnVersion.put(bsn + "/" + version, v);
        return v;
    }

    Variant bySha(String sha) {
        return sha == null ? null : bySha.get(sha);
    }

    Variant byBsnVersion(String bsn, String version) {
        return byBsnVersion.get(bsn + "/" + version);
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[8192];
            for (int r; (r = in.read(buffer)) > 0;) {
                md.update(buffer, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            return null; // the file went away while it was read: the caller looks again
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String short8(String sha) {
        return sha == null ? "none" : sha.substring(0, Math.min(8, sha.length()));
    }
}
