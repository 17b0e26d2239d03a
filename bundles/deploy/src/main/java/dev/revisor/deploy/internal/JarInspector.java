package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * The checks an incoming jar passes before anything in the runtime changes: a readable zip whose every entry reads
 * with the right CRC and size, no entry name that escapes its folder, size limits, a manifest that is present and
 * valid OSGi (header syntax, versions, ranges, filters, the activator class). Stateless; thread safe.
 * <p>
 * Each check throws a {@link Refusal} whose message names the problem in plain words. Checks that need the
 * framework (identity, collision) are {@link DeployEngine}'s.
 */
final class JarInspector {
    /** The limits of one jar (configuration {@code dev.revisor.deploy}, docs/deploy.md). */
    static final class Limits {
        static final int DEFAULT_MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
        static final int DEFAULT_MAX_HEADER_BYTES = 2 * 1024 * 1024;
        static final int DEFAULT_MAX_HEADER_CLAUSES = 10_000;

        final long maxJarBytes;
        final int maxEntries;
        final long maxUncompressedBytes;
        /** The most bytes META-INF/MANIFEST.MF may have (max.manifest.bytes). */
        final int maxManifestBytes;
        /** The most bytes (UTF-8) one main header's value may have (max.header.bytes). */
        final int maxHeaderBytes;
        /** The most clauses one header may have (max.header.clauses). */
        final int maxHeaderClauses;

        Limits(long maxJarBytes, int maxEntries, long maxUncompressedBytes) {
            this(maxJarBytes, maxEntries, maxUncompressedBytes, DEFAULT_MAX_MANIFEST_BYTES, DEFAULT_MAX_HEADER_BYTES,
                    DEFAULT_MAX_HEADER_CLAUSES);
        }

        Limits(long maxJarBytes, int maxEntries, long maxUncompressedBytes, int maxManifestBytes, int maxHeaderBytes,
                int maxHeaderClauses) {
            this.maxJarBytes = maxJarBytes;
            this.maxEntries = maxEntries;
            this.maxUncompressedBytes = maxUncompressedBytes;
            this.maxManifestBytes = maxManifestBytes;
            this.maxHeaderBytes = maxHeaderBytes;
            this.maxHeaderClauses = maxHeaderClauses;
        }
    }

    /** Headers made of clauses (Core R8 3.2.4), whose clauses are counted against {@code max.header.clauses}. */
    static final Set<String> CLAUSE_HEADERS = Set.of(Constants.IMPORT_PACKAGE, Constants.EXPORT_PACKAGE,
            Constants.DYNAMICIMPORT_PACKAGE, Constants.REQUIRE_BUNDLE, Constants.REQUIRE_CAPABILITY,
            Constants.PROVIDE_CAPABILITY, Constants.BUNDLE_CLASSPATH, Constants.BUNDLE_NATIVECODE,
            Constants.FRAGMENT_HOST, Constants.BUNDLE_SYMBOLICNAME, "Export-Service", "Import-Service");

    static final String MANIFEST = "META-INF/MANIFEST.MF";

    private final Limits limits;

    JarInspector(Limits limits) {
        this.limits = limits;
    }

    /**
     * @param jar    the bytes to check (Revisor's staged copy of the file)
     * @param sha256 their digest, hex
     * @return the facts the engine needs
     * @throws Refusal when a check fails; {@link Refusal#check()} {@code incomplete} means the bytes end early or
     *                 do not match their own directory: a file that may still be being written
     */
    JarFacts inspect(Path jar, String sha256) throws Refusal, IOException {
        long size = Files.size(jar);
        if (size == 0) {
            throw new Refusal("incomplete", "the file is empty (0 bytes)");
        }
        if (size > limits.maxJarBytes) {
            throw new Refusal("size", "the file has " + size + " bytes, more than the limit of " + limits.maxJarBytes
                    + " (max.jar.bytes of configuration dev.revisor.deploy)");
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(jar)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 4 || head[0] != 'P' || head[1] != 'K' || !((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
                if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
                    throw new Refusal("incomplete", "the file is not a complete zip archive (it ends after " + size + " bytes)");
                }
                throw new Refusal("zip", "the file is not a jar: it is no zip archive (it starts with " + describeHead(head, n) + ")");
            }
        }
        Set<String> names = new HashSet<>();
        Attributes main;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            int count = 0;
            long total = 0;
            byte[] buffer = new byte[16 * 1024];
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements();) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (++count > limits.maxEntries) {
                    throw new Refusal("size", "the jar has more than " + limits.maxEntries
                            + " entries (max.entries of configuration dev.revisor.deploy)");
                }
                checkName(name);
                if (!names.add(name)) {
                    throw new Refusal("entry", "the jar has two entries named '" + name + "'");
                }
                if (entry.isDirectory()) {
                    continue;
                }
                CRC32 crc = new CRC32();
                long read = 0;
                try (InputStream in = zip.getInputStream(entry)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        crc.update(buffer, 0, n);
                        read += n;
                        if (total + read > limits.maxUncompressedBytes) {
                            throw new Refusal("size", "the jar unpacks to more than " + limits.maxUncompressedBytes
                                    + " bytes (max.uncompressed.bytes of configuration dev.revisor.deploy): a zip bomb?");
                        }
                    }
                } catch (ZipException | java.io.EOFException ex) {
                    throw new Refusal("incomplete", "the entry '" + name + "' cannot be read (" + ex.getMessage()
                            + "): the file is damaged or incomplete");
                }
                total += read;
                if (entry.getSize() >= 0 && entry.getSize() != read) {
                    throw new Refusal("incomplete", "the entry '" + name + "' has " + read + " bytes but its directory says "
                            + entry.getSize() + ": the file is damaged or incomplete");
                }
                if (entry.getCrc() >= 0 && entry.getCrc() != crc.getValue()) {
                    throw new Refusal("incomplete", "the entry '" + name + "' does not match its CRC: the file is damaged or incomplete");
                }
            }
            ZipEntry mf = zip.getEntry(MANIFEST);
            if (mf == null) {
                String other = names.stream().filter(n -> n.equalsIgnoreCase(MANIFEST)).findFirst().orElse(null);
                throw new Refusal("manifest", other == null
                        ? "the jar has no manifest (META-INF/MANIFEST.MF): it is not an OSGi bundle"
                        : "the jar's manifest is named '" + other + "' but must be META-INF/MANIFEST.MF");
            }
            if (mf.getSize() > limits.maxManifestBytes) {
                throw manifestTooLarge(mf.getSize());
            }
            try (InputStream in = zip.getInputStream(mf)) {
                byte[] bytes = in.readNBytes(limits.maxManifestBytes + 1);
                if (bytes.length > limits.maxManifestBytes) {
                    throw manifestTooLarge(-1);
                }
                main = new Manifest(new java.io.ByteArrayInputStream(bytes)).getMainAttributes();
            } catch (IOException | IllegalArgumentException ex) {
                throw new Refusal("manifest", "the manifest cannot be read: " + ex.getMessage());
            }
        } catch (ZipException e) {
            throw new Refusal("incomplete", "the file is not a complete zip archive (" + e.getMessage()
                    + "): it is truncated, damaged, or still being written");
        }
        checkHeaderSizes(main, limits);
        return osgi(main, names, sha256, size);
    }

    /** @param bytes the manifest's size, or -1 when only "more than the limit" is known */
    private Refusal manifestTooLarge(long bytes) {
        return new Refusal("size", "the manifest (META-INF/MANIFEST.MF) has " + (bytes < 0 ? "more than the limit of "
                + limits.maxManifestBytes + " bytes" : bytes + " bytes, more than the limit of " + limits.maxManifestBytes)
                + " (max.manifest.bytes of configuration dev.revisor.deploy)");
    }

    /**
     * Refuses a main header whose value is longer than {@code max.header.bytes} or, for a header made of clauses,
     * has more than {@code max.header.clauses} clauses: before any header is parsed, so a huge header costs one pass.
     */
    static void checkHeaderSizes(Attributes main, Limits limits) throws Refusal {
        for (Map.Entry<Object, Object> e : main.entrySet()) {
            String header = e.getKey().toString();
            String value = String.valueOf(e.getValue());
            // UTF-8 takes at most 3 bytes per char: count exactly only when the value may be over the limit
            if ((long) value.length() * 3 > limits.maxHeaderBytes) {
                int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                if (bytes > limits.maxHeaderBytes) {
                    throw new Refusal("size", "the manifest header " + header + " has " + bytes
                            + " bytes, more than the limit of " + limits.maxHeaderBytes
                            + " (max.header.bytes of configuration dev.revisor.deploy)");
                }
            }
            if (CLAUSE_HEADERS.contains(header)) {
                int clauses = HeaderSyntax.countClauses(value);
                if (clauses > limits.maxHeaderClauses) {
                    throw new Refusal("size", "the manifest header " + header + " has " + clauses
                            + " clauses, more than the limit of " + limits.maxHeaderClauses
                            + " (max.header.clauses of configuration dev.revisor.deploy)");
                }
            }
        }
    }

    private static String describeHead(byte[] head, int n) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hex.append(String.format(Locale.ROOT, "%02x", head[i] & 0xff));
            char c = (char) (head[i] & 0xff);
            text.append(c >= 32 && c < 127 ? c : '.');
        }
        return "0x" + hex + " '" + text + "'; a jar starts with 'PK'";
    }

    static void checkName(String name) throws Refusal {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0
                || (name.length() > 1 && name.charAt(1) == ':')) {
            throw new Refusal("entry", "the jar has an entry named '" + printable(name)
                    + "' that escapes its folder (absolute path, drive letter, backslash or NUL)");
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw new Refusal("entry", "the jar has an entry named '" + printable(name) + "' that escapes its folder ('..')");
            }
        }
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }

    /** The OSGi manifest checks. */
    static JarFacts osgi(Attributes main, Set<String> entries, String sha256, long size) throws Refusal {
        String mv = main.getValue(Constants.BUNDLE_MANIFESTVERSION);
        String bsnHeader = main.getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsnHeader == null) {
            throw new Refusal("manifest", "the manifest has no Bundle-SymbolicName: the jar is not an OSGi bundle");
        }
        if (mv == null || !mv.trim().equals("2")) {
            throw new Refusal("manifest", "the manifest has Bundle-ManifestVersion " + (mv == null ? "missing" : "'" + mv.trim() + "'")
                    + ": an OSGi bundle needs Bundle-ManifestVersion: 2");
        }
        List<HeaderSyntax.Clause> bsnClauses = HeaderSyntax.parse(Constants.BUNDLE_SYMBOLICNAME, bsnHeader);
        if (bsnClauses.size() != 1 || bsnClauses.get(0).paths.size() != 1) {
            throw new Refusal("manifest", "Bundle-SymbolicName must name exactly one symbolic name, not '" + bsnHeader.trim() + "'");
        }
        HeaderSyntax.Clause bsnClause = bsnClauses.get(0);
        String bsn = bsnClause.path();
        if (!bsn.matches("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*")) {
            throw new Refusal("manifest", "Bundle-SymbolicName '" + bsn
                    + "' is not a symbolic name (letters, digits, '_' and '-', in parts separated by dots)");
        }
        String singletonValue = bsnClause.directives.getOrDefault(Constants.SINGLETON_DIRECTIVE, "false");
        boolean singleton = "true".equals(singletonValue);
        if (!singleton && !"false".equals(singletonValue)) {
            throw new Refusal("manifest", "Bundle-SymbolicName has singleton:=" + singletonValue + "; it must be true or false");
        }
        Version version = version(Constants.BUNDLE_VERSION, main.getValue(Constants.BUNDLE_VERSION));

        List<HeaderSyntax.Clause> exports = new ArrayList<>();
        String exportHeader = main.getValue(Constants.EXPORT_PACKAGE);
        if (exportHeader != null) {
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.EXPORT_PACKAGE, exportHeader)) {
                for (String p : c.paths) {
                    packageName(Constants.EXPORT_PACKAGE, p);
                    if (p.startsWith("java.") || p.equals("java")) {
                        throw new Refusal("manifest", "Export-Package exports " + p + ": no bundle may export a java.* package");
                    }
                }
                version(Constants.EXPORT_PACKAGE + " " + c.path() + " version", c.attributes.get(Constants.VERSION_ATTRIBUTE));
                String spec = c.attributes.get(Constants.PACKAGE_SPECIFICATION_VERSION);
                if (spec != null) {
                    version(Constants.EXPORT_PACKAGE + " " + c.path() + " specification-version", spec);
                }
                exports.add(c);
            }
        }
        List<HeaderSyntax.Clause> imports = new ArrayList<>();
        String importHeader = main.getValue(Constants.IMPORT_PACKAGE);
        if (importHeader != null) {
            Set<String> seen = new HashSet<>();
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.IMPORT_PACKAGE, importHeader)) {
                for (String p : c.paths) {
                    packageName(Constants.IMPORT_PACKAGE, p);
                    if (p.startsWith("java.")) {
                        throw new Refusal("manifest", "Import-Package imports " + p
                                + ": java.* packages come from the JVM and must not be imported");
                    }
                    if (!seen.add(p)) {
                        throw new Refusal("manifest", "Import-Package imports " + p + " twice");
                    }
                }
                range(Constants.IMPORT_PACKAGE + " " + c.path(), c.attributes.get(Constants.VERSION_ATTRIBUTE));
                resolution(Constants.IMPORT_PACKAGE + " " + c.path(), c.directives.get(Constants.RESOLUTION_DIRECTIVE));
                imports.add(c);
            }
        }
        String dynamic = main.getValue(Constants.DYNAMICIMPORT_PACKAGE);
        if (dynamic != null) {
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.DYNAMICIMPORT_PACKAGE, dynamic)) {
                range(Constants.DYNAMICIMPORT_PACKAGE + " " + c.path(), c.attributes.get(Constants.VERSION_ATTRIBUTE));
            }
        }
        String requireBundle = main.getValue(Constants.REQUIRE_BUNDLE);
        if (requireBundle != null) {
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.REQUIRE_BUNDLE, requireBundle)) {
                range(Constants.REQUIRE_BUNDLE + " " + c.path(), c.attributes.get(Constants.BUNDLE_VERSION_ATTRIBUTE));
                resolution(Constants.REQUIRE_BUNDLE + " " + c.path(), c.directives.get(Constants.RESOLUTION_DIRECTIVE));
            }
        }
        for (String header : new String[] {Constants.REQUIRE_CAPABILITY, Constants.PROVIDE_CAPABILITY}) {
            String value = main.getValue(header);
            if (value == null) {
                continue;
            }
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(header, value)) {
                String filter = c.directives.get(Constants.FILTER_DIRECTIVE);
                if (filter != null) {
                    try {
                        FrameworkUtil.createFilter(filter);
                    } catch (InvalidSyntaxException e) {
                        throw new Refusal("manifest", header + " " + c.path() + " has the filter '" + filter
                                + "', which is not a valid LDAP filter: " + e.getMessage());
                    }
                }
                if (header.equals(Constants.REQUIRE_CAPABILITY)) {
                    resolution(header + " " + c.path(), c.directives.get(Constants.RESOLUTION_DIRECTIVE));
                }
            }
        }
        String fragmentHost = null;
        String hostHeader = main.getValue(Constants.FRAGMENT_HOST);
        if (hostHeader != null) {
            List<HeaderSyntax.Clause> hosts = HeaderSyntax.parse(Constants.FRAGMENT_HOST, hostHeader);
            if (hosts.size() != 1 || hosts.get(0).paths.size() != 1) {
                throw new Refusal("manifest", "Fragment-Host must name exactly one host, not '" + hostHeader.trim() + "'");
            }
            fragmentHost = hosts.get(0).path();
            range(Constants.FRAGMENT_HOST + " " + fragmentHost, hosts.get(0).attributes.get(Constants.BUNDLE_VERSION_ATTRIBUTE));
        }
        String policy = main.getValue(Constants.BUNDLE_ACTIVATIONPOLICY);
        if (policy != null) {
            List<HeaderSyntax.Clause> p = HeaderSyntax.parse(Constants.BUNDLE_ACTIVATIONPOLICY, policy);
            if (!Constants.ACTIVATION_LAZY.equals(p.get(0).path())) {
                throw new Refusal("manifest", "Bundle-ActivationPolicy is '" + policy.trim() + "'; the only policy is 'lazy'");
            }
        }
        String activator = main.getValue(Constants.BUNDLE_ACTIVATOR);
        if (activator != null) {
            String cls = activator.trim();
            if (!cls.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
                throw new Refusal("manifest", "Bundle-Activator '" + cls + "' is not a class name");
            }
            String pkg = cls.lastIndexOf('.') < 0 ? "" : cls.substring(0, cls.lastIndexOf('.'));
            boolean imported = imports.stream().anyMatch(c -> c.paths.contains(pkg));
            boolean inside = entries.contains(cls.replace('.', '/') + ".class")
                    || main.getValue(Constants.BUNDLE_CLASSPATH) != null;
            if (!inside && !imported) {
                throw new Refusal("manifest", "Bundle-Activator names " + cls + ", but the jar has no " + cls.replace('.', '/')
                        + ".class and does not import package " + pkg);
            }
        }
        return new JarFacts(sha256, size, main, bsn, version, singleton, fragmentHost, exports, imports, entries);
    }

    private static Version version(String what, String value) throws Refusal {
        if (value == null) {
            return Version.emptyVersion;
        }
        try {
            return Version.parseVersion(value.trim());
        } catch (IllegalArgumentException e) {
            throw new Refusal("manifest", what + " '" + value.trim() + "' is not a version (major.minor.micro.qualifier, e.g. 1.2.0): "
                    + e.getMessage());
        }
    }

    private static void range(String what, String value) throws Refusal {
        if (value == null) {
            return;
        }
        try {
            new VersionRange(value.trim());
        } catch (IllegalArgumentException e) {
            throw new Refusal("manifest", what + " has the version range '" + value.trim()
                    + "', which is not a range (e.g. [1.0,2) or 1.0): " + e.getMessage());
        }
    }

    private static void resolution(String what, String value) throws Refusal {
        if (value != null && !Constants.RESOLUTION_MANDATORY.equals(value) && !Constants.RESOLUTION_OPTIONAL.equals(value)) {
            throw new Refusal("manifest", what + " has resolution:=" + value + "; it must be mandatory or optional");
        }
    }

    private static void packageName(String header, String name) throws Refusal {
        if (!name.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
            throw new Refusal("manifest", header + " names '" + name + "', which is not a package name");
        }
    }
}
