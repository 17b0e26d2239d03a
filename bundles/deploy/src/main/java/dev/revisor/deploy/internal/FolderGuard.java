package dev.revisor.deploy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Anyone who can write to the deploy folder runs code in the runtime. This refuses a folder (and a file) that
 * others can write to: world-writable always, group-writable too in {@code strict} mode; {@code off} turns the
 * rule off. A parent folder that others can write to without the sticky bit is refused as well (they could
 * replace the deploy folder itself). Stateless; thread safe.
 */
final class FolderGuard {
    static final String DEFAULT = "default";
    static final String STRICT = "strict";
    static final String OFF = "off";

    private final String mode;

    FolderGuard(String mode) {
        this.mode = mode;
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
        Path real;
        try {
            real = folder.toRealPath();
        } catch (IOException e) {
            return null; // no folder yet: FileInstall waits for it, and so does the check
        }
        int m = mode(real);
        if (m < 0) {
            return null; // no POSIX permissions on this file system: nothing to check
        }
        String which = writableBy(m);
        if (which != null) {
            return "the deploy folder " + real + " can be written by " + which + " (mode " + octal(m)
                    + "): anyone who can write there runs code in this runtime. Fix: chmod " + (which.startsWith("its group") ? "g-w,o-w" : "o-w")
                    + " " + real + " (or set folder.permissions=off in configuration dev.revisor.deploy, see docs/deploy.md)";
        }
        for (Path parent = real.getParent(); parent != null; parent = parent.getParent()) {
            int pm = mode(parent);
            if (pm >= 0 && (pm & 0002) != 0 && (pm & 01000) == 0) {
                return "the folder " + parent + " above the deploy folder can be written by every user and has no sticky bit (mode "
                        + octal(pm) + "): anyone could replace the deploy folder. Fix: chmod o-w " + parent
                        + " (or set folder.permissions=off in configuration dev.revisor.deploy, see docs/deploy.md)";
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
        int m = mode(file);
        if (m < 0) {
            return null;
        }
        String which = writableBy(m);
        return which == null ? null
                : "the file can be written by " + which + " (mode " + octal(m) + "): anyone could change the code this runtime runs. Fix: chmod "
                        + (which.startsWith("its group") ? "g-w,o-w" : "o-w") + " " + file.getFileName() + " and copy it in again";
    }

    private String writableBy(int m) {
        if ((m & 0002) != 0) {
            return "every user";
        }
        if (STRICT.equals(mode) && (m & 0020) != 0) {
            return "its group (folder.permissions=strict)";
        }
        return null;
    }

    private static String octal(int m) {
        return String.format("%04o", m & 07777);
    }

    /** @return the Unix mode bits, or -1 when the file system has none */
    static int mode(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (mode instanceof Integer) {
                return (Integer) mode;
            }
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            // fall through to the POSIX view
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            int m = 0;
            for (PosixFilePermission perm : perms) {
                m |= 1 << (8 - perm.ordinal());
            }
            return m;
        } catch (UnsupportedOperationException | IOException e) {
            return -1;
        }
    }
}
