package dev.revisor.deploy.internal;

import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;

import org.osgi.framework.Version;

/** What the checks learnt about one incoming jar. Immutable. */
final class JarFacts {
    final String sha256;
    final long size;
    final Attributes manifest;
    final String symbolicName;
    final Version version;
    final boolean singleton;
    /** The Fragment-Host's symbolic name, or {@code null} for a plain bundle. */
    final String fragmentHost;
    final List<HeaderSyntax.Clause> exports;
    final List<HeaderSyntax.Clause> imports;
    final Set<String> entries;

    JarFacts(String sha256, long size, Attributes manifest, String symbolicName, Version version, boolean singleton,
            String fragmentHost, List<HeaderSyntax.Clause> exports, List<HeaderSyntax.Clause> imports, Set<String> entries) {
        this.sha256 = sha256;
        this.size = size;
        this.manifest = manifest;
        this.symbolicName = symbolicName;
        this.version = version;
        this.singleton = singleton;
        this.fragmentHost = fragmentHost;
        this.exports = List.copyOf(exports);
        this.imports = List.copyOf(imports);
        this.entries = Set.copyOf(entries);
    }

    boolean exportsPackages() {
        return !exports.isEmpty();
    }

    String display() {
        return symbolicName + "/" + version;
    }
}
