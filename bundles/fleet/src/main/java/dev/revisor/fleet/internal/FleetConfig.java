package dev.revisor.fleet.internal;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Fleet mode's settings, read once from framework properties (etc/config.properties, docs/fleet.md "Setup"). Fleet
 * mode is off unless {@value #CONNECT} is set.
 * <p>
 * Concurrent Semantics: immutable.
 */
record FleetConfig(String connect, String root, Path store, String member, Path home, int sessionTimeoutMillis) {
    static final String CONNECT = "revisor.fleet.zookeeper";
    static final String ROOT = "revisor.fleet.root";
    static final String STORE = "revisor.fleet.store";
    static final String MEMBER = "revisor.fleet.member";
    static final String SESSION_TIMEOUT = "revisor.fleet.session.timeout.ms";

    /** @return the settings, or null when fleet mode is off */
    static FleetConfig from(Function<String, String> properties) {
        String connect = trimmed(properties.apply(CONNECT));
        if (connect == null) {
            return null;
        }
        String home = trimmed(properties.apply("revisor.home"));
        Path homePath = Paths.get(home == null ? "." : home).toAbsolutePath().normalize();
        String root = trimmed(properties.apply(ROOT));
        if (root == null) {
            root = "/revisor/fleet";
        }
        if (!root.startsWith("/") || root.endsWith("/")) {
            throw new IllegalArgumentException(ROOT + " must be a ZooKeeper path like /revisor/fleet, not '" + root + "'");
        }
        String store = trimmed(properties.apply(STORE));
        if (store == null) {
            throw new IllegalArgumentException(STORE + " is not set: fleet mode needs a shared artifact store (a directory"
                    + " path or file: URL that every member can read)");
        }
        Path storePath = store.startsWith("file:") ? Paths.get(URI.create(store)) : Paths.get(store);
        String member = trimmed(properties.apply(MEMBER));
        if (member == null) {
            member = host() + "-" + shortHash(homePath.toString());
        }
        if (!member.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(MEMBER + " may hold letters, digits, '.', '_' and '-' only, not '" + member
                    + "'");
        }
        String timeout = trimmed(properties.apply(SESSION_TIMEOUT));
        int sessionTimeout;
        try {
            sessionTimeout = timeout == null ? 15_000 : Integer.parseInt(timeout);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SESSION_TIMEOUT + " must be a number of milliseconds, not '" + timeout + "'");
        }
        return new FleetConfig(connect, root, storePath.toAbsolutePath().normalize(), member, homePath, sessionTimeout);
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** data/fleet/ of this member: previous bytes, staged downloads, its own record of what it did. */
    Path dataDirectory() {
        return home.resolve("data").resolve("fleet");
    }
}
