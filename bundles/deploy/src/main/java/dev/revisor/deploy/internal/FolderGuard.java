package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who may feed the deploy folder (docs/deploy.md, "Who may write to the folder"). Anyone who can write to the folder,
 * to a folder above it, or to a jar in it runs code in the runtime. So the folder, its parents up to the Revisor home
 * and every jar must belong to the runtime's user (or root) and must not be writable by others, nor by their group
 * unless it is the group named by {@code deploy.group}; above the home, a folder every user can write to needs the
 * sticky bit. {@code strict} allows no group at all; {@code off} turns the rule off. Ownership is read from the entry
 * itself, never through a link.
 * <p>
 * Concurrent Semantics: immutable; thread safe.
 */
final class FolderGuard {
    static final String DEFAULT = "default";
    static final String STRICT = "strict";
    static final String OFF = "off";

    /** What is known of a file when it is checked: if any of it differs after the bytes were read, it changed. */
    static final class Identity {
        private final Object key;
        private final long modified;
        private final long size;
        private final int uid;
        private final int mode;

        Identity(Object key, long modified, long size, int uid, int mode) {
            this.key = key;
            this.modified = modified;
            this.size = size;
            this.uid = uid;
            this.mode = mode;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Identity)) {
                return false;
            }
            Identity i = (Identity) o;
            return Objects.equals(key, i.key) && modified == i.modified && size == i.size && uid == i.uid && mode == i.mode;
        }

        @Override
        public int hashCode() {
            return Objects.hash(key, modified, size, uid, mode);
        }
    }

    private final String mode;
    /** The runtime's own user id; -1 when unknown (no Unix attributes): then owners are not checked. */
    private final int runtimeUid;
    private final String runtimeUser;
    /** The group that may deploy (its members may write to the folder and the jars), or {@code null}. */
    private final String deployGroup;
    /** The Revisor home: the folders from the deploy folder up to it must be the runtime's; {@code null}: none. */
    private final Path home;

    FolderGuard(String mode) {
        this(mode, -1, null, null, null);
    }

    FolderGuard(String mode, int runtimeUid, String runtimeUser, String deployGroup, Path home) {
        this.mode = mode;
        this.runtimeUid = runtimeUid;
        this.runtimeUser = runtimeUser;
        this.deployGroup = deployGroup == null || deployGroup.isBlank() ? null : deployGroup.trim();
        this.home = home == null ? null : real(home);
    }

    String mode() {
        return mode;
    }

    /**
     * @param folder the deploy folder
     * @return why it is refused, in plain words, or {@code null} when it is acceptable
     */
    String folderProblem(Path folder) {
        if (OFF.equals(mode)) {
            return null;
        }
        Path real = real(folder);
        if (real == null) {
            return null; // no folder yet: FileInstall waits for it, and so does the check
        }
        String problem = entryProblem(real, "the deploy folder " + real, "anyone who can write there runs code in this runtime", "");
        if (problem != null) {
            return problem;
        }
        boolean inHome = home != null && real.startsWith(home);
        for (Path parent = real.getParent(); parent != null; parent = parent.getParent()) {
            if (inHome && parent.startsWith(home)) {
                problem = entryProblem(parent, "the folder " + parent + " above the deploy folder",
                        "whoever can write there can replace the deploy folder", "");
                if (problem != null) {
                    return problem;
                }
                continue;
            }
            Attributes a = attributes(parent);
            if (a != null && (a.mode & 0002) != 0 && (a.mode & 01000) == 0) {
                return "the folder " + parent + " above the deploy folder can be written by every user and has no sticky bit (mode "
                        + octal(a.mode) + "): anyone could replace the deploy folder. Fix: chmod o-w " + parent + off();
            }
        }
        return null;
    }

    /**
     * @param file a file in the deploy folder
     * @return why it is refused, or {@code null}
     */
    String fileProblem(Path file) {
        if (OFF.equals(mode)) {
            return null;
        }
        return entryProblem(file, "the file", "anyone could change the code this runtime runs", " and copy it in again");
    }

    /** @return what identifies the file's content now (inode, time, size, owner, mode), or {@code null} when it is gone */
    Identity identity(Path file) {
        try {
            BasicFileAttributes b = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Attributes a = attributes(file);
            return new Identity(b.fileKey(), b.lastModifiedTime().toMillis(), b.size(), a == null ? -1 : a.uid, a == null ? -1 : a.mode);
        } catch (IOException e) {
            return null;
        }
    }

    /** @param again what to do after the fix, e.g. " and copy it in again" */
    private String entryProblem(Path p, String what, String consequence, String again) {
        Attributes a = attributes(p);
        if (a == null) {
            return null; // no POSIX attributes on this file system: nothing to check
        }
        if (runtimeUid >= 0 && a.uid >= 0 && a.uid != runtimeUid && a.uid != 0) {
            return what + " belongs to user " + a.owner + " (uid " + a.uid + "), not to the runtime's user " + runtimeUser
                    + " (uid " + runtimeUid + ") or root: " + a.owner + " could change it at any time, and " + consequence
                    + ". Fix: chown " + runtimeUser + " " + p + again + off();
        }
        if ((a.mode & 0002) != 0) {
            return what + " can be written by every user (mode " + octal(a.mode) + "): " + consequence + ". Fix: chmod o-w " + p + again + off();
        }
        if ((a.mode & 0020) != 0 && (STRICT.equals(mode) || deployGroup == null || !deployGroup.equals(a.group))) {
            String allow = STRICT.equals(mode) ? " (folder.permissions=strict allows no group)"
                    : deployGroup == null ? " (to let that group deploy, name it: deploy.group=" + a.group + ")"
                    : " (deploy.group is " + deployGroup + ")";
            return what + " can be written by its group " + a.group + " (mode " + octal(a.mode) + ")" + allow + ": " + consequence
                    + ". Fix: chmod g-w " + p + again + off();
        }
        return null;
    }

    private static String off() {
        return " (or set folder.permissions=off in configuration dev.revisor.deploy, see docs/deploy.md)";
    }

    private static String octal(int m) {
        return String.format("%04o", m & 07777);
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /** The owner, group and mode of an entry itself (not a link's target). */
    private static final class Attributes {
        int uid = -1;
        String owner = "?";
        String group = "?";
        int mode;
    }

    /** @return the entry's attributes, or {@code null} when the file system has no POSIX permissions (or it is gone) */
    private static Attributes attributes(Path p) {
        Attributes a = new Attributes();
        try {
            Map<String, Object> unix = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            a.uid = (Integer) unix.get("uid");
            a.mode = (Integer) unix.get("mode");
            PosixFileAttributes posix = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            a.owner = posix.owner().getName();
            a.group = posix.group().getName();
            return a;
        } catch (UnsupportedOperationException | IllegalArgumentException | ClassCastException | IOException e) {
            // fall through to the POSIX view alone
        }
        try {
            PosixFileAttributes posix = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> perms = posix.permissions();
            for (PosixFilePermission perm : perms) {
                a.mode |= 1 << (8 - perm.ordinal());
            }
            a.owner = posix.owner().getName();
            a.group = posix.group().getName();
            return a;
        } catch (UnsupportedOperationException | IOException e) {
            return null;
        }
    }

    /** @return the Unix mode bits, or -1 when the file system has none */
    static int mode(Path p) {
        Attributes a = attributes(p);
        return a == null ? -1 : a.mode;
    }

    /** @return the user id owning the entry, or -1 when the file system does not say */
    static int uid(Path p) {
        Attributes a = attributes(p);
        return a == null ? -1 : a.uid;
    }
}
