package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderGuardTest {
    @TempDir
    Path root;
    Path deploy;

    @BeforeEach
    void folders() throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        deploy = Files.createDirectory(root.resolve("deploy"));
    }

    @Test
    void aFolderEveryUserCanWriteToIsRefusedWithTheFix() throws Exception {
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxrwxrwx"));
        String problem = new FolderGuard(FolderGuard.DEFAULT).folderProblem(deploy);
        assertThat(problem).contains("every user").contains("0777").contains("chmod o-w").contains("folder.permissions=off");
    }

    @Test
    void groupWritableIsRefusedOnlyWhenStrict() throws Exception {
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(new FolderGuard(FolderGuard.DEFAULT).folderProblem(deploy)).isNull();
        assertThat(new FolderGuard(FolderGuard.STRICT).folderProblem(deploy)).contains("its group").contains("chmod g-w,o-w");
    }

    @Test
    void offAcceptsAnything() throws Exception {
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(new FolderGuard(FolderGuard.OFF).folderProblem(deploy)).isNull();
    }

    @Test
    void aParentEveryUserCanWriteToWithoutStickyBitIsRefused() throws Exception {
        Path parent = Files.createDirectory(root.resolve("open"));
        Path inner = Files.createDirectory(parent.resolve("deploy"));
        Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(new FolderGuard(FolderGuard.DEFAULT).folderProblem(inner)).contains("above the deploy folder").contains("sticky");
    }

    @Test
    void aFileEveryUserCanWriteToIsRefused() throws Exception {
        Path jar = Files.writeString(deploy.resolve("a.jar"), "x");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(new FolderGuard(FolderGuard.DEFAULT).fileProblem(jar)).contains("every user").contains("0666");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(new FolderGuard(FolderGuard.DEFAULT).fileProblem(jar)).isNull();
    }

    @Test
    void aMissingFolderIsNoProblemYet() {
        assertThat(new FolderGuard(FolderGuard.STRICT).folderProblem(root.resolve("nope"))).isNull();
    }
}
