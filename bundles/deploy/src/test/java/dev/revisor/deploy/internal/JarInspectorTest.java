package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

/** The checks before anything changes, on jars made in the test (bad ones deliberately by hand). */
class JarInspectorTest {
    private static final JarInspector INSPECTOR = new JarInspector(new JarInspector.Limits(1024 * 1024, 100, 1024 * 1024));

    @TempDir
    Path dir;

    @Test
    void aValidBundleGivesItsFacts() throws Exception {
        Path jar = jar("ok.jar", manifest("Bundle-SymbolicName: org.example.ok;singleton:=true", "Bundle-Version: 1.2.3",
                "Export-Package: org.example.api;version=1.0.0", "Import-Package: org.osgi.framework;version=\"[1.8,2)\"",
                "Bundle-Activator: org.example.ok.Activator"), "org/example/ok/Activator.class", "x");
        JarFacts facts = INSPECTOR.inspect(jar, "sha");
        assertThat(facts.symbolicName).isEqualTo("org.example.ok");
        assertThat(facts.version).isEqualTo(new Version(1, 2, 3));
        assertThat(facts.singleton).isTrue();
        assertThat(facts.exportsPackages()).isTrue();
        assertThat(facts.imports).hasSize(1);
    }

    @Test
    void emptyAndTruncatedFilesAreIncomplete() throws Exception {
        Path empty = Files.write(dir.resolve("empty.jar"), new byte[0]);
        assertRefused(empty, "incomplete", "empty");
        Path whole = jar("whole.jar", manifest("Bundle-SymbolicName: a", "Bundle-Version: 1"), "a/B.txt", "x".repeat(500));
        byte[] bytes = Files.readAllBytes(whole);
        Path half = Files.write(dir.resolve("half.jar"), Arrays.copyOf(bytes, bytes.length / 2));
        assertRefused(half, "incomplete", "not a complete zip");
    }

    @Test
    void aFileThatIsNoZipIsRefusedNamingWhatItStartsWith() throws Exception {
        Path text = Files.writeString(dir.resolve("text.jar"), "hello world");
        assertRefused(text, "zip", "'hell'");
    }

    @Test
    void escapingAndDuplicateEntryNamesAreRefused() throws Exception {
        assertThatThrownBy(() -> JarInspector.checkName("../x")).hasMessageContaining("escapes its folder");
        assertThatThrownBy(() -> JarInspector.checkName("a/../../x")).hasMessageContaining("escapes");
        assertThatThrownBy(() -> JarInspector.checkName("/etc/passwd")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> JarInspector.checkName("C:/x")).hasMessageContaining("drive");
        assertThatThrownBy(() -> JarInspector.checkName("a\\b")).hasMessageContaining("backslash");
        JarInspector.checkName("a/b..c/d.txt");
    }

    @Test
    void sizeLimitsAreEnforced() throws Exception {
        JarInspector small = new JarInspector(new JarInspector.Limits(1024 * 1024, 3, 1000));
        Path many = jar("many.jar", manifest("Bundle-SymbolicName: a", "Bundle-Version: 1"), "a", "1", "b", "2", "c", "3");
        assertThatThrownBy(() -> small.inspect(many, "s")).hasMessageContaining("more than 3 entries");
        Path bomb = jar("bomb.jar", manifest("Bundle-SymbolicName: a", "Bundle-Version: 1"), "zeros", "0".repeat(5000));
        assertThatThrownBy(() -> small.inspect(bomb, "s")).hasMessageContaining("zip bomb");
        JarInspector tiny = new JarInspector(new JarInspector.Limits(10, 100, 1000));
        assertThatThrownBy(() -> tiny.inspect(bomb, "s")).hasMessageContaining("max.jar.bytes");
    }

    @Test
    void manifestProblemsAreNamed() throws Exception {
        assertRefused(jar("none.jar", null, "a.txt", "x"), "manifest", "no manifest");
        assertRefused(jar("plain.jar", manifest(), "a.txt", "x"), "manifest", "no Bundle-SymbolicName");
        assertRefused(jar("v.jar", manifest("Bundle-SymbolicName: a", "Bundle-Version: 1.x")), "manifest", "is not a version");
        assertRefused(jar("r.jar", manifest("Bundle-SymbolicName: a", "Import-Package: x;version=\"[1,\"")), "manifest", "is not a range");
        assertRefused(jar("f.jar", manifest("Bundle-SymbolicName: a", "Require-Capability: ns;filter:=\"(a=b\"")), "manifest", "LDAP filter");
        assertRefused(jar("j.jar", manifest("Bundle-SymbolicName: a", "Import-Package: java.util")), "manifest", "java.* packages");
        assertRefused(jar("d.jar", manifest("Bundle-SymbolicName: a", "Import-Package: x,x")), "manifest", "twice");
        assertRefused(jar("n.jar", manifest("Bundle-SymbolicName: a b")), "manifest", "not a symbolic name");
        assertRefused(jar("s.jar", manifest("Bundle-SymbolicName: a;singleton:=maybe")), "manifest", "singleton");
        assertRefused(jar("p.jar", manifest("Bundle-SymbolicName: a", "Bundle-ActivationPolicy: eager")), "manifest", "lazy");
        assertRefused(jar("a.jar", manifest("Bundle-SymbolicName: a", "Bundle-Activator: org.x.Act")), "manifest", "Bundle-Activator names");
        Path r3 = jar("r3.jar", rawManifest("Manifest-Version: 1.0", "Bundle-SymbolicName: a"));
        assertRefused(r3, "manifest", "Bundle-ManifestVersion");
        Path broken = jar("broken.jar", rawManifest("Manifest-Version: 1.0", "this line has no colon"));
        assertRefused(broken, "manifest", "cannot be read");
    }

    @Test
    void anActivatorFromAnImportedPackageIsAccepted() throws Exception {
        Path jar = jar("imp.jar", manifest("Bundle-SymbolicName: a", "Import-Package: org.x", "Bundle-Activator: org.x.Act"));
        assertThat(INSPECTOR.inspect(jar, "s").symbolicName).isEqualTo("a");
    }

    @Test
    void aHeaderWithTooManyClausesIsRefusedNamingTheHeaderTheCountAndTheLimit() throws Exception {
        JarInspector capped = new JarInspector(new JarInspector.Limits(1024 * 1024, 100, 1024 * 1024, 1024 * 1024, 1024 * 1024, 100));
        Path ok = jar("ok.jar", folded(manifest("Bundle-SymbolicName: a", "Import-Package: " + packages(100))));
        assertThat(capped.inspect(ok, "s").imports).hasSize(100);
        Path many = jar("many.jar", folded(manifest("Bundle-SymbolicName: a", "Import-Package: " + packages(101))));
        assertThatThrownBy(() -> capped.inspect(many, "s")).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.check()).isEqualTo("size");
            assertThat(r.getMessage()).isEqualTo("the manifest header Import-Package has 101 clauses, more than the limit"
                    + " of 100 (max.header.clauses of configuration dev.revisor.deploy)");
        });
        // commas inside quotes do not separate clauses
        Path quoted = jar("quoted.jar", folded(manifest("Bundle-SymbolicName: a",
                "Import-Package: " + packages(99) + ",p.q;version=\"[1,2)\"")));
        assertThat(capped.inspect(quoted, "s").imports).hasSize(100);
    }

    @Test
    void aLongHeaderAndALargeManifestAreRefusedBeforeParsing() throws Exception {
        JarInspector capped = new JarInspector(new JarInspector.Limits(1024 * 1024, 100, 1024 * 1024, 64 * 1024, 2048, 10_000));
        Path longHeader = jar("long.jar", folded(manifest("Bundle-SymbolicName: a", "Bundle-Description: " + "é".repeat(1500))));
        assertThatThrownBy(() -> capped.inspect(longHeader, "s")).hasMessage("the manifest header Bundle-Description has 3000"
                + " bytes, more than the limit of 2048 (max.header.bytes of configuration dev.revisor.deploy)");
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            big.append("X-Filler-").append(i).append(": ").append("y".repeat(1000)).append('\n');
        }
        Path bigManifest = jar("big.jar", folded(manifest(("Bundle-SymbolicName: a\n" + big).split("\n"))));
        assertThatThrownBy(() -> capped.inspect(bigManifest, "s")).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.check()).isEqualTo("size");
            assertThat(r.getMessage()).contains("the manifest (META-INF/MANIFEST.MF) has").contains("more than the limit of 65536")
                    .contains("max.manifest.bytes");
        });
    }

    // ---- helpers

    private static String packages(int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append("org.example.p").append(i);
        }
        return s.toString();
    }

    /** The manifest with lines longer than 72 bytes folded into continuation lines, as jar tools write them. */
    private static byte[] folded(byte[] manifest) {
        StringBuilder out = new StringBuilder();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\r\n", -1)) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            if (bytes.length <= 72) {
                out.append(line).append("\r\n");
                continue;
            }
            // fold on characters; 24 characters are at most 72 bytes of UTF-8
            out.append(line, 0, 24).append("\r\n");
            for (int i = 24; i < line.length(); i += 23) {
                out.append(' ').append(line, i, Math.min(line.length(), i + 23)).append("\r\n");
            }
        }
        String text = out.toString();
        return text.substring(0, text.length() - 2).getBytes(StandardCharsets.UTF_8);
    }

    private void assertRefused(Path jar, String check, String phrase) {
        assertThatThrownBy(() -> INSPECTOR.inspect(jar, "s")).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.check()).isEqualTo(check);
            assertThat(r.getMessage()).contains(phrase);
        });
    }

    private static byte[] manifest(String... headers) {
        String[] lines = new String[headers.length + 2];
        lines[0] = "Manifest-Version: 1.0";
        lines[1] = "Bundle-ManifestVersion: 2";
        System.arraycopy(headers, 0, lines, 2, headers.length);
        return rawManifest(lines);
    }

    private static byte[] rawManifest(String... lines) {
        StringBuilder s = new StringBuilder();
        for (String l : lines) {
            s.append(l).append("\r\n");
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private Path jar(String name, byte[] manifest, String... entries) throws IOException {
        Map<String, byte[]> all = new LinkedHashMap<>();
        if (manifest != null) {
            all.put("META-INF/MANIFEST.MF", manifest);
        }
        for (int i = 0; i < entries.length; i += 2) {
            all.put(entries[i], entries[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        Path out = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : all.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }
}
