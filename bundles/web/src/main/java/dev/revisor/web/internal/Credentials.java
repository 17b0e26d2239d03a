package dev.revisor.web.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The one user of the console and its password: the password set in {@code etc/config.properties}
 * ({@code felix.webconsole.password}, plain or {@code {sha-256}BASE64} as the Felix Web Console writes it), or else the
 * one generated at the first start into {@code data/web/admin.password}, readable by its owner only. There is no
 * default password. Immutable; thread safe.
 */
final class Credentials {
    static final String USER_PROPERTY = "felix.webconsole.username";
    static final String PASSWORD_PROPERTY = "felix.webconsole.password";
    static final String DEFAULT_USER = "admin";
    static final String PASSWORD_FILE = "web/admin.password";
    private static final String SHA256_PREFIX = "{sha-256}";
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final String user;
    private final byte[] passwordHash;
    private final String source;

    private Credentials(String user, byte[] passwordHash, String source) {
        this.user = user;
        this.passwordHash = passwordHash;
        this.source = source;
    }

    /**
     * @param user          the user name ({@code null}: admin)
     * @param password      the configured password, plain or {@code {sha-256}BASE64}; {@code null} or blank: use the file
     * @param dataDirectory Revisor's data/ directory, where the generated password lives
     */
    static Credentials load(String user, String password, Path dataDirectory) throws IOException {
        String name = user == null || user.isBlank() ? DEFAULT_USER : user.trim();
        if (password != null && !password.isBlank()) {
            String p = password.trim();
            if (p.startsWith(SHA256_PREFIX)) {
                byte[] hash;
                try {
                    hash = Base64.getDecoder().decode(p.substring(SHA256_PREFIX.length()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(PASSWORD_PROPERTY + ": the value after {sha-256} is not Base64: " + e.getMessage());
                }
                if (hash.length != 32) {
                    throw new IOException(PASSWORD_PROPERTY + ": a {sha-256} value must hold 32 bytes, not " + hash.length);
                }
                return new Credentials(name, hash, PASSWORD_PROPERTY);
            }
            return new Credentials(name, sha256(p), PASSWORD_PROPERTY);
        }
        Path file = dataDirectory.resolve(PASSWORD_FILE);
        return new Credentials(name, sha256(readOrCreate(file)), file.toString());
    }

    /** The generated password: created once, owner-only, never replaced; a file others can read is made owner-only. */
    static String readOrCreate(Path file) throws IOException {
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
        if (!Files.exists(file)) {
            String generated = generate();
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.writeString(tmp, generated + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file); // no replace: a concurrent first start keeps the first password
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(tmp);
            }
        }
        if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY_FILE)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        }
        String password = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (password.isEmpty()) {
            throw new IOException(file + " is empty: delete it to have a new password generated at the next start");
        }
        return password;
    }

    /** 24 random characters from 18 bytes of {@link SecureRandom}, URL-safe Base64. */
    static String generate() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether the pair matches, compared in constant time. */
    boolean matches(String user, String password) {
        boolean userOk = MessageDigest.isEqual(sha256(user), sha256(this.user));
        boolean passwordOk = MessageDigest.isEqual(sha256(password), passwordHash);
        return userOk & passwordOk;
    }

    String user() {
        return user;
    }

    /** Where the password comes from: the framework property or the file. */
    String source() {
        return source;
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
