package dev.revisor.itests;

import static dev.revisor.itests.DeploySupport.awaitMarker;
import static dev.revisor.itests.DeploySupport.entries;
import static dev.revisor.itests.DeploySupport.manifest;
import static dev.revisor.itests.DeploySupport.rawJar;
import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.bundleNamed;
import static dev.revisor.itests.RevisorTestSupport.deployDir;
import static dev.revisor.itests.RevisorTestSupport.dropInto;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.itests.fixtures.deploy.good.Activator;

/**
 * A corpus of bad inputs, built here: each is refused with a reason that names the problem, beside the file and in
 * {@code audit:deploys}, and no running bundle is disturbed. Also: a folder every user can write to is refused.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployBadInputIT {
    private static final long WAIT = 20_000;
    private static final String OK_HEADERS = "Bundle-ManifestVersion: 2";

    /** file name -> a phrase its reason must hold */
    private static final Map<String, String> CORPUS = new LinkedHashMap<>();

    static {
        CORPUS.put("empty.jar", "empty");
        CORPUS.put("not-a-zip.jar", "no zip archive");
        CORPUS.put("truncated.jar", "complete zip");
        CORPUS.put("no-manifest.jar", "no manifest");
        CORPUS.put("plain-jar.jar", "no Bundle-SymbolicName");
        CORPUS.put("no-manifest-version.jar", "Bundle-ManifestVersion");
        CORPUS.put("bad-version.jar", "is not a version");
        CORPUS.put("bad-header-syntax.jar", "unterminated");
        CORPUS.put("bad-range.jar", "is not a range");
        CORPUS.put("bad-filter.jar", "not a valid LDAP filter");
        CORPUS.put("escaping-entry.jar", "escapes its folder");
        CORPUS.put("absolute-entry.jar", "escapes its folder");
        CORPUS.put("duplicate-entry.jar", "two entries named");
        CORPUS.put("bad-crc.jar", "CRC");
        CORPUS.put("missing-activator.jar", "Bundle-Activator names");
        CORPUS.put("exports-java.jar", "java.* package");
        CORPUS.put("imports-twice.jar", "twice");
        CORPUS.put("framework-identity.jar", "framework's own name");
        CORPUS.put("framework-extension.jar", "framework extension");
        CORPUS.put("collision.jar", "collides with the installed bundle");
        CORPUS.put("world-writable.jar", "can be written by every user");
    }

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        String good = Activator.class.getPackageName();
        Path anchor = Fixtures.jar("anchor-1.0.0.jar").symbolicName("dev.revisor.itests.anchor").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("anchor-2.0.0-unresolvable.jar").symbolicName("dev.revisor.itests.anchor").version("2.0.0")
                .privatePackages(good).activator(Activator.class)
                .set("Import-Package", "dev.revisor.itests.deploy.nowhere;version=\"[1,2)\",org.osgi.framework").build();
        Fixtures.jar("throws.jar").symbolicName("dev.revisor.itests.throws").version("1.0.0")
                .privatePackages(dev.revisor.itests.fixtures.deploy.throwing.Activator.class.getPackageName())
                .activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        Fixtures.jar("later-good.jar").symbolicName("dev.revisor.itests.latergood").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();

        Files.write(Fixtures.path("empty.jar"), new byte[0]);
        Files.writeString(Fixtures.path("not-a-zip.jar"), "hello, I am a text file with a .jar name\n");
        byte[] whole = Files.readAllBytes(anchor);
        Files.write(Fixtures.path("truncated.jar"), Arrays.copyOf(whole, whole.length * 2 / 3));
        rawJar("no-manifest.jar", entries("org/example/A.class", "not really a class"));
        rawJar("plain-jar.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", "Created-By: hand")));
        rawJar("no-manifest-version.jar", entries("META-INF/MANIFEST.MF",
                manifest("Manifest-Version: 1.0", "Bundle-SymbolicName: bad.r3")));
        rawJar("bad-version.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.version", "Bundle-Version: one.two.three")));
        rawJar("bad-header-syntax.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.syntax", "Bundle-Version: 1.0.0", "Import-Package: org.foo;version=\"[1.0,2)")));
        rawJar("bad-range.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.range", "Bundle-Version: 1.0.0", "Import-Package: org.foo;version=\"[1.0,2\"")));
        rawJar("bad-filter.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.filter", "Bundle-Version: 1.0.0",
                "Require-Capability: osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=17)\"")));
        byte[] okManifest = manifest("Manifest-Version: 1.0", OK_HEADERS, "Bundle-SymbolicName: bad.entries", "Bundle-Version: 1.0.0");
        rawJar("escaping-entry.jar", entries("META-INF/MANIFEST.MF", okManifest, "../../outside.txt", "zip slip"));
        rawJar("absolute-entry.jar", entries("META-INF/MANIFEST.MF", okManifest, "/etc/outside.txt", "absolute"));
        // two entries with one name: written as a.txt and b.txt, then the second name patched to the first
        Path dup = rawJar("duplicate-entry.jar", entries("META-INF/MANIFEST.MF", okManifest, "data/a.txt", "one", "data/b.txt", "two"));
        Files.write(dup, replace(Files.readAllBytes(dup), "data/b.txt", "data/a.txt"));
        Files.write(Fixtures.path("bad-crc.jar"), storedJarWithDamagedEntry(okManifest));
        rawJar("missing-activator.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.activator", "Bundle-Version: 1.0.0", "Bundle-Activator: org.example.Missing",
                "Import-Package: org.osgi.framework")));
        rawJar("exports-java.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.java", "Bundle-Version: 1.0.0", "Export-Package: java.util.fancy")));
        rawJar("imports-twice.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.twice", "Bundle-Version: 1.0.0", "Import-Package: org.osgi.framework,org.osgi.framework")));
        rawJar("framework-identity.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: org.apache.felix.framework", "Bundle-Version: 7.0.5")));
        rawJar("framework-extension.jar", entries("META-INF/MANIFEST.MF", manifest("Manifest-Version: 1.0", OK_HEADERS,
                "Bundle-SymbolicName: bad.extension", "Bundle-Version: 1.0.0", "Fragment-Host: system.bundle;extension:=framework")));
        Files.copy(anchor, Fixtures.path("collision.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Fixtures.jar("world-writable.jar").symbolicName("dev.revisor.itests.worldwritable").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    @Test
    public void everyBadInputIsRefusedWithItsReasonAndNothingRunningIsDisturbed() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("anchor-1.0.0.jar"), "anchor.jar");
        await("anchor active", WAIT, () -> active("dev.revisor.itests.anchor"));
        await("anchor.jar deployed", WAIT, () -> "deployed".equals(field("anchor.jar", "state")));
        Map<Long, String> before = DeploySupport.states(context);

        for (String file : CORPUS.keySet()) {
            if (file.equals("world-writable.jar")) {
                // made writable by everyone before it is moved in, so FileInstall never sees it otherwise
                Path staging = Files.createDirectories(deploy.resolveSibling("deploy.staging"));
                Path tmp = Files.copy(Fixtures.path(file), staging.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-rw-rw-"));
                Files.move(tmp, deploy.resolve(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } else {
                dropInto(deploy, Fixtures.path(file), file);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : CORPUS.entrySet()) {
            String marker = awaitMarker(deploy, e.getKey(), ".failed", WAIT);
            if (!marker.contains(e.getValue())) {
                problems.add(e.getKey() + ": the reason lacks '" + e.getValue() + "': " + marker);
            }
            if (!marker.contains("nothing in the runtime changed")) {
                problems.add(e.getKey() + ": the reason does not say that nothing changed: " + marker);
            }
            if (!"refused".equals(field(e.getKey(), "state")) || !"refused".equals(field(e.getKey(), "outcome"))) {
                problems.add(e.getKey() + ": audit:deploys does not list it as refused: " + entry(e.getKey()));
            }
        }
        assertTrue(String.join("\n", problems), problems.isEmpty());
        assertEquals("no bundle was installed, updated, started or stopped", before, DeploySupport.states(context));
        assertTrue(CORPUS.size() >= 15);

        String table = gogoOk(processor, "audit:deploys");
        assertTrue(table, table.contains("empty.jar") && table.contains("refused"));
    }

    @Test
    public void anUpdateThatDoesNotResolveIsRolledBackNamingTheMissingPackage() throws Exception {
        Path deploy = deployDir(context);
        dropInto(deploy, Fixtures.path("anchor-1.0.0.jar"), "anchor.jar");
        await("anchor active", WAIT, () -> active("dev.revisor.itests.anchor"));
        Bundle anchor = bundleNamed(context, "dev.revisor.itests.anchor");
        dropInto(deploy, Fixtures.path("anchor-2.0.0-unresolvable.jar"), "anchor.jar");
        await("anchor.jar rolled back", WAIT, () -> "rolled-back".equals(field("anchor.jar", "state")));
        String marker = Files.readString(deploy.resolve("anchor.jar.failed"));
        assertTrue(marker, marker.contains("package dev.revisor.itests.deploy.nowhere"));
        assertEquals(new Version(1, 0, 0), anchor.getVersion());
        assertEquals(Bundle.ACTIVE, anchor.getState());
    }

    @Test
    public void aNewBundleWhoseActivatorThrowsIsInstalledButMarkedFailedAndDisturbsNothingElse() throws Exception {
        Path deploy = deployDir(context);
        Map<Long, String> before = DeploySupport.states(context);
        dropInto(deploy, Fixtures.path("throws.jar"), "throws.jar");
        String marker = awaitMarker(deploy, "throws.jar", ".failed", WAIT);
        assertTrue(marker, marker.contains("IllegalStateException") && marker.contains("the throwing fixture refuses to start"));
        assertEquals("failed", field("throws.jar", "state"));
        Map<Long, String> after = DeploySupport.states(context);
        after.keySet().retainAll(before.keySet());
        assertEquals("bundles that ran before are untouched", before, after);
    }

    @Test
    public void aFolderEveryUserCanWriteToIsRefusedUntilFixed() throws Exception {
        Path deploy = deployDir(context);
        Files.createDirectories(deploy);
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            dropInto(deploy, Fixtures.path("later-good.jar"), "later-good.jar");
            String marker = awaitMarker(deploy, "later-good.jar", ".failed", WAIT);
            assertTrue(marker, marker.contains("deploy folder") && marker.contains("every user") && marker.contains("chmod"));
            assertNull("nothing installed", bundleNamed(context, "dev.revisor.itests.latergood"));
            JsonObject status = JsonParser.parseString(gogoOk(processor, "audit:deploys --json")).getAsJsonObject();
            assertTrue(status.toString(), !status.get("accepting").getAsBoolean() && status.get("problem").getAsString().contains("every user"));
            assertTrue(gogoOk(processor, "audit:deploys").contains("REFUSED"));
        } finally {
            Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwx------"));
        }
        // fixed: copying the jar in again deploys it
        dropInto(deploy, Fixtures.path("later-good.jar"), "later-good.jar");
        Files.setLastModifiedTime(deploy.resolve("later-good.jar"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        await("later-good deployed once the folder is fixed", WAIT, () -> active("dev.revisor.itests.latergood")
                && !Files.exists(deploy.resolve("later-good.jar.failed")));
    }

    // ---- helpers

    private boolean active(String bsn) {
        Bundle b = bundleNamed(context, bsn);
        return b != null && b.getState() == Bundle.ACTIVE;
    }

    private JsonObject entry(String file) {
        String json = gogoOk(processor, "audit:deploys --json");
        for (JsonElement e : JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("files")) {
            if (file.equals(e.getAsJsonObject().get("file").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    private String field(String file, String name) {
        JsonObject e = entry(file);
        return e == null || !e.has(name) ? null : e.get(name).getAsString();
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + f.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, bytes, i, t.length);
            }
        }
        return bytes;
    }

    /** A jar whose stored (uncompressed) entry is changed after its CRC was written: the zip reads, the entry does not. */
    private static byte[] storedJarWithDamagedEntry(byte[] manifest) throws Exception {
        byte[] data = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write(manifest);
            zip.closeEntry();
            ZipEntry e = new ZipEntry("data/stored.txt");
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            e.setCompressedSize(data.length);
            e.setCrc(DeploySupport.crc(data));
            zip.putNextEntry(e);
            zip.write(data);
            zip.closeEntry();
        }
        return replace(out.toByteArray(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAABAAAAAAAAAAAAAAA");
    }
}
