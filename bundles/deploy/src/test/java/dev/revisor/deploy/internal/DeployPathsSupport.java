package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleException;

import dev.revisor.deploy.api.DeployFileDTO;

/**
 * What the exit-path tests share: a {@link DeployHarness} per test (closed after it, its threads stopped) and the
 * story's bundles: {@code lib.jar} ({@value #LIB}, exports {@value #PKG} at the bundle's version) and {@code user.jar}
 * ({@value #USER}, imports {@value #PKG} {@code [2,3)}).
 */
abstract class DeployPathsSupport {
    static final String LIB = "org.example.lib";
    static final String USER = "org.example.user";
    static final String PKG = "org.example.utils";
    static final String LIB_JAR = "lib.jar";
    static final String USER_JAR = "user.jar";

    @TempDir
    Path tmp;
    DeployHarness h;

    @BeforeEach
    void openHarness() throws IOException {
        h = new DeployHarness(tmp, startTimeoutMillis());
    }

    @AfterEach
    void closeHarness() {
        try {
            assertThat(h.fw.faults().unfired()).as("every fault the test planned fired (else it tested nothing)").isEmpty();
        } finally {
            h.close();
        }
    }

    long startTimeoutMillis() {
        return 2_000;
    }

    static byte[] lib(String version) {
        return Fixtures.bundle(LIB, version).exports(PKG + ";version=" + version).build();
    }

    static byte[] user(String version) {
        return Fixtures.bundle(USER, version).imports(PKG + ";version=\"[2,3)\"").build();
    }

    /** Deploys lib 2.0.0 and its user; both ACTIVE and deployed, as every update and removal test begins. */
    void libAndUserRunning() throws IOException {
        h.deploy(LIB_JAR, lib("2.0.0"));
        h.deploy(USER_JAR, user("1.0.0"));
        assertThat(h.state(LIB)).isEqualTo("ACTIVE");
        assertThat(h.state(USER)).isEqualTo("ACTIVE");
        assertThat(h.row(LIB_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
        assertThat(h.row(USER_JAR).state).isEqualTo(DeployFileDTO.DEPLOYED);
    }

    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the version of the package the user's current revision is wired to, or null when unresolved */
    String userWiredTo() {
        FakeBundle u = h.bundle(USER);
        java.util.Map<String, FakeRevision> w = u == null ? null : u.current.wires;
        FakeRevision p = w == null ? null : w.get(PKG);
        return p == null ? null : p.version.toString();
    }

    static Supplier<Throwable> bundleException(String message) {
        return () -> new BundleException(message, BundleException.STATECHANGE_ERROR);
    }

    static Supplier<Throwable> illegalState(String message) {
        return () -> new IllegalStateException(message);
    }

    static Supplier<Throwable> activatorError(String message) {
        return () -> new IllegalStateException(message);
    }
}
