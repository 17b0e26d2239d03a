package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stamp that ties the client's class-data archive to the Java build and class path that made it. */
class ClientArchiveTest {
    @TempDir
    Path dir;

    @Test
    void anArchiveOfThisJavaAndClassPathStays() throws Exception {
        Path archive = Files.write(dir.resolve("client.jsa"), new byte[] {1, 2, 3});
        Path stamp = Files.writeString(dir.resolve("client.jsa.stamp"), ClientArchive.identity());
        assertThat(ClientArchive.check(stamp, ClientArchive.identity())).isNull();
        assertThat(archive).exists();
        assertThat(stamp).exists();
    }

    @Test
    void anArchiveOfAnotherJavaBuildOrClassPathOrWithoutAStampIsDeleted() throws Exception {
        String identity = ClientArchive.identity();
        String[] others = {identity.replace(System.getProperty("java.vm.version") + "\n", "17.0.99+1\n"),
            identity.replace(System.getProperty("java.class.path") + "\n", "/elsewhere/lib/x.jar\n"),
            identity.substring(0, identity.lastIndexOf('\n', identity.length() - 2) + 1) + "131426 1234abcd\n"};
        for (String other : others) {
            assertThat(other).isNotEqualTo(identity);
            Path archive = Files.write(dir.resolve("client.jsa"), new byte[] {1, 2, 3});
            Path stamp = Files.writeString(dir.resolve("client.jsa.stamp"), other);
            assertThat(ClientArchive.check(stamp, identity)).isEqualTo(other);
            assertThat(archive).doesNotExist();
            assertThat(stamp).doesNotExist();
        }
        Path orphan = Files.write(dir.resolve("client.jsa"), new byte[] {1});
        assertThat(ClientArchive.check(dir.resolve("client.jsa.stamp"), ClientArchive.identity())).isEmpty();
        assertThat(orphan).doesNotExist();
    }

    @Test
    void theIdentityNamesTheJvmVersionJavaHomeClassPathAndTheJarsSizeAndCrc() throws Exception {
        String classPath = System.getProperty("java.class.path");
        String first = classPath.split(java.io.File.pathSeparator)[0];
        assertThat(ClientArchive.identity()).isEqualTo(System.getProperty("java.vm.version") + "\n"
                + System.getProperty("java.home") + "\n" + classPath + "\n" + ClientArchive.jarId(Path.of(first)) + "\n");
        Path jar = Files.write(dir.resolve("a.jar"), "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(ClientArchive.jarId(jar)).isEqualTo("3 352441c2"); // CRC-32 of "abc"
        assertThat(ClientArchive.jarId(dir.resolve("missing.jar"))).isEqualTo("unreadable");
    }

    @Test
    void theRuntimesIdentityAlsoNamesTheBundlesSoAChangedBundleRetiresTheArchive() throws Exception {
        Path system = Files.createDirectories(dir.resolve("dist/system/org/example/a/1.0"));
        Path bundle = Files.writeString(system.resolve("a-1.0.jar"), "one");
        String before = ClientArchive.bundlesId(dir.resolve("dist/system"));
        assertThat(before).startsWith("1 ");
        assertThat(ClientArchive.bundlesId(dir.resolve("dist/system"))).isEqualTo(before);
        Files.writeString(bundle, "two"); // same size, other bytes: a rebuilt bundle
        assertThat(ClientArchive.bundlesId(dir.resolve("dist/system"))).isNotEqualTo(before);
        String clientIdentity = ClientArchive.identity();
        System.setProperty("revisor.cds.kind", "runtime");
        System.setProperty("revisor.dist", dir.resolve("dist").toString());
        try {
            String runtimeIdentity = ClientArchive.identity();
            assertThat(runtimeIdentity).contains("\nbundles " + ClientArchive.bundlesId(dir.resolve("dist/system")) + "\n");
            // the launcher jar stays the last line, as for the client
            assertThat(runtimeIdentity).endsWith(clientIdentity.substring(clientIdentity.lastIndexOf('\n', clientIdentity.length() - 2) + 1));
            Path archive = Files.write(dir.resolve("runtime.jsa"), new byte[] {1});
            Path stamp = Files.writeString(dir.resolve("runtime.jsa.stamp"), runtimeIdentity);
            Files.writeString(bundle, "three");
            assertThat(ClientArchive.check(stamp, ClientArchive.identity())).isEqualTo(runtimeIdentity);
            assertThat(archive).doesNotExist();
        } finally {
            System.clearProperty("revisor.cds.kind");
            System.clearProperty("revisor.dist");
        }
    }
}
