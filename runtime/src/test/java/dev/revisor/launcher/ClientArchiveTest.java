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
        assertThat(ClientArchive.check(stamp, ClientArchive.identity())).isFalse();
        assertThat(archive).exists();
        assertThat(stamp).exists();
    }

    @Test
    void anArchiveOfAnotherJavaBuildOrClassPathOrWithoutAStampIsDeleted() throws Exception {
        String[] others = {"17.0.99+1\n" + System.getProperty("java.home") + "\n" + System.getProperty("java.class.path")
                + "\n", ClientArchive.identity().replace(System.getProperty("java.class.path"), "/elsewhere/lib/x.jar")};
        for (String other : others) {
            Path archive = Files.write(dir.resolve("client.jsa"), new byte[] {1, 2, 3});
            Path stamp = Files.writeString(dir.resolve("client.jsa.stamp"), other);
            assertThat(ClientArchive.check(stamp, ClientArchive.identity())).isTrue();
            assertThat(archive).doesNotExist();
            assertThat(stamp).doesNotExist();
        }
        Path orphan = Files.write(dir.resolve("client.jsa"), new byte[] {1});
        assertThat(ClientArchive.check(dir.resolve("client.jsa.stamp"), ClientArchive.identity())).isTrue();
        assertThat(orphan).doesNotExist();
    }

    @Test
    void theIdentityNamesTheJvmVersionJavaHomeAndClassPath() {
        assertThat(ClientArchive.identity()).isEqualTo(System.getProperty("java.vm.version") + "\n"
                + System.getProperty("java.home") + "\n" + System.getProperty("java.class.path") + "\n");
    }
}
