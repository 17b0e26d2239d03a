package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

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
    void groupWritableIsRefusedUnlessItIsTheDeployGroup() throws Exception {
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxrwxr-x"));
        String group = Files.readAttributes(deploy, PosixFileAttributes.class).group().getName();
        assertThat(new FolderGuard(FolderGuard.DEFAULT).folderProblem(deploy))
                .contains("its group " + group).contains("chmod g-w").contains("deploy.group=" + group);
        assertThat(new FolderGuard(FolderGuard.DEFAULT, -1, null, group, null).folderProblem(deploy)).isNull();
        assertThat(new FolderGuard(FolderGuard.DEFAULT, -1, null, "some-other-group", null).folderProblem(deploy))
                .contains("deploy.group is some-other-group");
        assertThat(new FolderGuard(FolderGuard.STRICT, -1, null, group, null).folderProblem(deploy)).contains("allows no group");
    }

    @Test
    void aFileOrFolderOfAnotherUserIsRefusedWithTheChown() throws Exception {
        assumeTrue(isRoot(), "only root can give a file to another user (CI runs as root)");
        int me = FolderGuard.uid(root);
        FolderGuard guard = new FolderGuard(FolderGuard.DEFAULT, me, "revisor", null, root);
        Path jar = Files.writeString(deploy.resolve("a.jar"), "x");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(guard.fileProblem(jar)).isNull();
        UserPrincipal nobody = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(jar, nobody);
        assertThat(guard.fileProblem(jar)).contains("belongs to user nobody (uid 65534)")
                .contains("not to the runtime's user revisor").contains("chown revisor " + jar).contains("copy it in again");

        Files.setOwner(deploy, nobody);
        assertThat(guard.folderProblem(deploy)).contains("the deploy folder").contains("belongs to user nobody");
    }

    @Test
    void aParentUpToTheHomeOfAnotherUserIsRefused() throws Exception {
        assumeTrue(isRoot(), "only root can give a folder to another user (CI runs as root)");
        Path home = Files.createDirectory(root.resolve("home"));
        Path middle = Files.createDirectory(home.resolve("middle"));
        Path inner = Files.createDirectory(middle.resolve("deploy"));
        Files.setOwner(middle, root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        FolderGuard guard = new FolderGuard(FolderGuard.DEFAULT, FolderGuard.uid(root), "revisor", null, home);
        assertThat(guard.folderProblem(inner)).contains("the folder " + middle.toRealPath() + " above the deploy folder")
                .contains("belongs to user nobody").contains("can replace the deploy folder");
        // above the home, only every-user-writable without the sticky bit is refused
        Files.setOwner(middle, Files.getOwner(root));
        Files.setOwner(root, root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertThat(guard.folderProblem(inner)).isNull();
    }

    @Test
    void theIdentityChangesWhenTheFileIsReplaced() throws Exception {
        FolderGuard guard = new FolderGuard(FolderGuard.DEFAULT);
        Path jar = Files.writeString(deploy.resolve("a.jar"), "x");
        FolderGuard.Identity before = guard.identity(jar);
        assertThat(guard.identity(jar)).isEqualTo(before);
        Path other = Files.writeString(deploy.resolve("b.tmp"), "y");
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(jar));
        Files.move(other, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(guard.identity(jar)).isNotEqualTo(before);
        Files.delete(jar);
        assertThat(guard.identity(jar)).isNull();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
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
