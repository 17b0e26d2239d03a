package dev.revisor.launcher;

import java.nio.file.Path;

/**
 * Where things are. The distribution (read-only at run time) holds {@code bin/}, {@code lib/}, {@code system/},
 * {@code features/} and the default {@code etc/}; the home (the distribution itself unless {@code --home} or
 * {@code REVISOR_HOME} says otherwise) holds {@code etc/}, {@code deploy/} and {@code data/}. All paths are absolute.
 */
final class Layout {
    /** Framework property: the home directory. */
    static final String PROP_HOME = "revisor.home";
    /** Framework property: {@code <home>/data}. */
    static final String PROP_DATA = "revisor.data";
    /** Framework property: the distribution directory. */
    static final String PROP_DIST = "revisor.dist";
    /** Framework property: {@code <dist>/lib}, where tools run as child JVMs live ({@code lib/heap-analyzer/}). */
    static final String PROP_LIB = "revisor.lib";
    /** Framework property: the control socket, {@code <home>/data/run/control.sock}. */
    static final String PROP_CONTROL_SOCKET = "revisor.control.socket";

    final Path distribution;
    final Path home;

    Layout(Path distribution, Path home) {
        this.distribution = distribution.toAbsolutePath().normalize();
        this.home = home.toAbsolutePath().normalize();
    }

    Path etc() {
        return home.resolve("etc");
    }

    Path distributionEtc() {
        return distribution.resolve("etc");
    }

    Path data() {
        return home.resolve("data");
    }

    Path deploy() {
        return home.resolve("deploy");
    }

    Path controlSocket() {
        return data().resolve("run").resolve("control.sock");
    }

    Path lockFile() {
        return data().resolve("revisor.lock");
    }

    /** What the launcher remembers about the feature bundles it installed (the digest of their jars). */
    Path featureState() {
        return data().resolve("feature-bundles.properties");
    }

    Path pidFile() {
        return data().resolve("revisor.pid");
    }

    /** The Maven-layout repository the feature bundles are installed from. */
    Path system() {
        return distribution.resolve("system");
    }

    /** Feature directories, searched in this order: the home's, then the distribution's. */
    Path[] featureDirectories() {
        Path own = home.resolve("features");
        Path shipped = distribution.resolve("features");
        return own.equals(shipped) ? new Path[] {shipped} : new Path[] {own, shipped};
    }

    /**
     * The distribution directory: {@code -Drevisor.dist} (set by bin/revisor), else the parent of the {@code lib/}
     * directory holding this class's jar, else the current directory.
     */
    static Path distributionDirectory() {
        String dist = System.getProperty(PROP_DIST);
        if (dist != null && !dist.isEmpty()) {
            return Path.of(dist).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(Layout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = jar.getParent();
            if (lib != null && lib.getParent() != null && lib.getFileName().toString().equals("lib")) {
                return lib.getParent();
            }
        } catch (Exception e) {
            // fall back to the current directory
        }
        return Path.of("").toAbsolutePath();
    }
}
