package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;

import org.osgi.service.log.Logger;

/**
 * The file system side of the control socket: its directory is the access control (only its owner may enter
 * it), so the directory must exist, belong to the user who runs Revisor and have mode {@code 0700}.
 * <p>
 * Concurrent Semantics: stateless, thread safe.
 */
final class SocketDirectory {
    static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-------");
    /**
     * With an allow-list (and peer credentials to enforce it): others may pass through the directory (not list it)
     * and connect; the server then checks every peer's user and group.
     */
    static final Set<PosixFilePermission> SHARED_DIRECTORY_MODE = PosixFilePermissions.fromString("rwx--x--x");
    static final Set<PosixFilePermission> SHARED_SOCKET_MODE = PosixFilePermissions.fromString("rw-rw-rw-");

    private SocketDirectory() {
    }

    /**
     * Creates {@code dir} with mode 0700 if it is missing (its parents with the default mode), or tightens the
     * mode of an existing one to 0700 and logs a warning that it did.
     *
     * @param owner the user who must own the directory: the one who runs Revisor
     * @throws IOException if the directory is owned by someone else, is not a directory, or cannot be made
     */
    static void prepare(Path dir, UserPrincipal owner, Logger logger) throws IOException {
        prepare(dir, owner, false, logger);
    }

    /** @param shared whether others may pass through to the socket (an allow-list is set): mode 0711, else 0700 */
    static void prepare(Path dir, UserPrincipal owner, boolean shared, Logger logger) throws IOException {
        Set<PosixFilePermission> wanted = shared ? SHARED_DIRECTORY_MODE : DIRECTORY_MODE;
        if (Files.notExists(dir)) {
            Path parent = dir.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
                Files.setPosixFilePermissions(dir, wanted); // whatever the umask took away
                logger.debug("created the control socket directory {} with mode 0700", dir);
            } catch (FileAlreadyExistsException raced) {
                // someone made it in between: check it like any existing directory
            } catch (UnsupportedOperationException e) {
                throw new IOException("the file system of " + dir + " has no POSIX permissions; the control socket "
                        + "needs them to keep other users out", e);
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory");
        }
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(dir, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            throw new IOException("the file system of " + dir + " has no POSIX permissions; the control socket "
                    + "needs them to keep other users out", e);
        }
        if (!attributes.owner().equals(owner)) {
            throw new IOException("the control socket directory " + dir + " is owned by " + attributes.owner().getName()
                    + ", not by " + owner.getName() + " who runs Revisor: refusing to serve commands through it");
        }
        Set<PosixFilePermission> mode = attributes.permissions();
        if (!mode.equals(wanted)) {
            Files.setPosixFilePermissions(dir, wanted);
            logger.warn("the control socket directory {} had mode {}; changed it to {} so that only {} "
                    + "can reach the control socket", dir, PosixFilePermissions.toString(mode),
                    shared ? "rwx--x--x (0711)" : "rwx------ (0700)", shared ? "allowed users" : owner.getName());
        }
    }

    /**
     * Deletes a socket left behind by an instance that did not stop cleanly. The launcher's instance lock
     * guarantees that no running instance owns it. A regular file or a directory at that path is not ours to
     * delete.
     *
     * @return whether a stale socket was removed
     * @throws IOException if the path holds a regular file or directory, or cannot be deleted
     */
    static boolean removeStale(Path socket, Logger logger) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (attributes.isRegularFile() || attributes.isDirectory()) {
            throw new IOException(socket + " exists and is not a socket (it is a "
                    + (attributes.isDirectory() ? "directory" : "regular file") + "); refusing to replace it");
        }
        Files.delete(socket);
        logger.info("removed the stale control socket {} left by an earlier run", socket);
        return true;
    }

    /** Makes the socket file itself owner-only too (the directory already keeps others out). */
    static void restrictSocket(Path socket, Logger logger) {
        restrictSocket(socket, false, logger);
    }

    /** @param shared whether others may connect (the server checks their credentials): mode 0666, else 0600 */
    static void restrictSocket(Path socket, boolean shared, Logger logger) {
        try {
            Files.setPosixFilePermissions(socket, shared ? SHARED_SOCKET_MODE : SOCKET_MODE);
        } catch (IOException | UnsupportedOperationException e) {
            logger.debug("could not set mode 0600 on {}: {}", socket, e.toString());
        }
    }

    /**
     * @return the user this JVM runs as: {@code user.name} as the file system knows it, or the owner of
     *         {@code /proc/self} when the name has no entry (a container with an anonymous uid)
     */
    static UserPrincipal currentUser(FileSystem fileSystem) throws IOException {
        String name = System.getProperty("user.name");
        try {
            if (name != null && !name.isBlank()) {
                return fileSystem.getUserPrincipalLookupService().lookupPrincipalByName(name);
            }
        } catch (UserPrincipalNotFoundException e) {
            // fall through
        }
        Path self = fileSystem.getPath("/proc/self");
        if (Files.exists(self)) {
            return Files.getOwner(self);
        }
        throw new IOException("cannot tell which user runs Revisor (user.name is '" + name + "' and has no entry)");
    }
}
