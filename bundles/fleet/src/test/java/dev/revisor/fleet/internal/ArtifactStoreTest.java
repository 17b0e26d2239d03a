package dev.revisor.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
    @TempDir
    Path dir;

    @Test
    void publishesByHashAndFetchesVerified() throws IOException {
        Path jar = bundle("x.jar", "org.example.x", "1.2.0");
        ArtifactStore store = new ArtifactStore(dir.resolve("store"));
        ArtifactStore.Artifact a = store.publish(jar);
        assertThat(a.symbolicName()).isEqualTo("org.example.x");
        assertThat(a.version()).isEqualTo("1.2.0");
        assertThat(a.path()).startsWith("fleet/org/example/x/1.2.0/org.example.x-1.2.0-").endsWith(".jar");
        assertThat(a.sha256()).isEqualTo(ArtifactStore.sha256(jar));
        Path fetched = dir.resolve("fetched/x.jar");
        store.fetch(a.path(), a.sha256(), fetched);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(jar));
    }

    @Test
    void refusesBytesThatAreNotTheOnesNamed() throws IOException {
        ArtifactStore store = new ArtifactStore(dir.resolve("store"));
        ArtifactStore.Artifact a = store.publish(bundle("x.jar", "org.example.x", "1.0.0"));
        Files.writeString(dir.resolve("store").resolve(a.path()), "tampered");
        Path target = dir.resolve("fetched.jar");
        assertThatThrownBy(() -> store.fetch(a.path(), a.sha256(), target)).hasMessageContaining("not " + a.sha256());
        assertThat(target).doesNotExist();
        assertThatThrownBy(() -> store.fetch("../outside.jar", a.sha256(), target)).hasMessageContaining("leaves the store");
    }

    @Test
    void refusesAJarThatIsNoBundleNamingIt() throws IOException {
        Path plain = dir.resolve("plain.jar");
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(plain), new Manifest())) {
            out.flush();
        }
        ArtifactStore store = new ArtifactStore(dir.resolve("store"));
        assertThatThrownBy(() -> store.publish(plain)).hasMessageContaining(plain.toString())
                .hasMessageContaining("Bundle-SymbolicName");
        assertThatThrownBy(() -> store.publish(dir.resolve("missing.jar"))).hasMessageContaining("missing.jar");
    }

    private Path bundle(String name, String bsn, String version) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        m.getMainAttributes().putValue("Bundle-Version", version);
        Path jar = dir.resolve(name);
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
        return jar;
    }
}
