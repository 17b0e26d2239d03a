package dev.revisor.deploy.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Bundle jars for the tests, built in memory with {@code java.util.jar}: a manifest made from the headers the test
 * names (Bundle-ManifestVersion 2, Bundle-SymbolicName, Bundle-Version, Export-Package, Import-Package, ...) and a
 * text entry that makes two builds of one version differ in their bytes when the test wants that.
 */
final class Fixtures {
    /** Every entry's time: one build of the same headers and entries gives the same bytes (the same SHA-256). */
    private static final long FIXED_TIME = 1_700_000_000_000L;

    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> entries = new LinkedHashMap<>();
    private final Map<String, byte[]> binaries = new LinkedHashMap<>();

    private Fixtures(String symbolicName, String version) {
        headers.put("Manifest-Version", "1.0");
        headers.put("Bundle-ManifestVersion", "2");
        headers.put("Bundle-SymbolicName", symbolicName);
        headers.put("Bundle-Version", version);
        entries.put("build.txt", symbolicName + " " + version);
    }

    static Fixtures bundle(String symbolicName, String version) {
        return new Fixtures(symbolicName, version);
    }

    /** @param clauses an Export-Package value, e.g. {@code org.example.utils;version=2.0.0} */
    Fixtures exports(String clauses) {
        headers.put("Export-Package", clauses);
        return this;
    }

    /** @param clauses an Import-Package value, e.g. {@code org.example.utils;version="[2,3)"} */
    Fixtures imports(String clauses) {
        headers.put("Import-Package", clauses);
        return this;
    }

    Fixtures header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** Makes these bytes differ from another build of the same identity. */
    Fixtures variant(String label) {
        entries.put("build.txt", entries.get("build.txt") + " " + label);
        return this;
    }

    /** Adds an entry with these bytes, e.g. a compiled class. */
    Fixtures entry(String path, byte[] bytes) {
        binaries.put(path, bytes.clone());
        return this;
    }

    byte[] build() {
        Manifest mf = new Manifest();
        Attributes main = mf.getMainAttributes();
        headers.forEach((k, v) -> main.put(new Attributes.Name(k), v));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            JarEntry manifest = new JarEntry(JarInspector.MANIFEST);
            manifest.setTime(FIXED_TIME);
            jar.putNextEntry(manifest);
            mf.write(jar);
            jar.closeEntry();
            for (Map.Entry<String, String> e : entries.entrySet()) {
                JarEntry entry = new JarEntry(e.getKey());
                entry.setTime(FIXED_TIME);
                jar.putNextEntry(entry);
                jar.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
            for (Map.Entry<String, byte[]> e : binaries.entrySet()) {
                JarEntry entry = new JarEntry(e.getKey());
                entry.setTime(FIXED_TIME);
                jar.putNextEntry(entry);
                jar.write(e.getValue());
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
