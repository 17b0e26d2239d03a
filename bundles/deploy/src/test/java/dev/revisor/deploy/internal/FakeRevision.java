package dev.revisor.deploy.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Namespace;

/**
 * One revision of a fake bundle: what its jar's manifest declares (identity, Export-Package, Import-Package,
 * Fragment-Host, activation policy) and, once resolved, to which revision each import is wired. Read from the real
 * bytes of the jar. Wiring is changed by {@link FakeFramework} under its lock; reads are safe from any thread.
 */
final class FakeRevision implements BundleRevision {
    /** One Export-Package clause. */
    static final class Export {
        final String name;
        Version version;

        Export(String name, Version version) {
            this.name = name;
            this.version = version;
        }
    }

    /** One Import-Package clause. */
    static final class Import {
        final String name;
        final VersionRange range;
        final boolean optional;

        Import(String name, VersionRange range, boolean optional) {
            this.name = name;
            this.range = range;
            this.optional = optional;
        }

        boolean accepts(Export e) {
            return name.equals(e.name) && (range == null || range.includes(e.version));
        }

        String filter() {
            StringBuilder f = new StringBuilder("(&(" + PackageNamespace.PACKAGE_NAMESPACE + "=" + name + ")");
            if (range != null) {
                f.append(range.toFilterString(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE));
            }
            return f.append(")").toString();
        }
    }

    final FakeBundle bundle;
    final byte[] bytes;
    final Attributes manifest;
    final Map<String, byte[]> entries;
    String symbolicName;
    Version version;
    boolean singleton;
    String fragmentHost;
    boolean lazy;
    final List<Export> exports = new ArrayList<>();
    final List<Import> imports = new ArrayList<>();
    /** Package name to the revision it is wired to; {@code null} while unresolved. */
    volatile Map<String, FakeRevision> wires;

    FakeRevision(FakeBundle bundle, byte[] bytes) throws BundleException {
        this.bundle = bundle;
        this.bytes = bytes.clone();
        Map<String, byte[]> content = new TreeMap<>();
        Manifest mf;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bytes));
                java.util.zip.ZipInputStream raw = new java.util.zip.ZipInputStream(new ByteArrayInputStream(bytes))) {
            mf = in.getManifest();
            // every entry as the framework serves it, the manifest included (JarInputStream hides it)
            for (java.util.zip.ZipEntry e = raw.getNextEntry(); e != null; e = raw.getNextEntry()) {
                if (!e.isDirectory()) {
                    content.put(e.getName(), raw.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new BundleException("not a jar: " + e.getMessage(), BundleException.READ_ERROR, e);
        }
        if (mf == null || mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) == null) {
            throw new BundleException("the jar has no Bundle-SymbolicName", BundleException.MANIFEST_ERROR);
        }
        this.entries = Collections.unmodifiableMap(content);
        this.manifest = mf.getMainAttributes();
        try {
            parse();
        } catch (Refusal r) {
            throw new BundleException("the manifest is invalid: " + r.getMessage(), BundleException.MANIFEST_ERROR, r);
        }
    }

    private void parse() throws Refusal {
        HeaderSyntax.Clause bsn = HeaderSyntax.parse(Constants.BUNDLE_SYMBOLICNAME, manifest.getValue(Constants.BUNDLE_SYMBOLICNAME)).get(0);
        this.symbolicName = bsn.path();
        this.singleton = "true".equals(bsn.directives.get(Constants.SINGLETON_DIRECTIVE));
        String v = manifest.getValue(Constants.BUNDLE_VERSION);
        this.version = v == null ? Version.emptyVersion : Version.parseVersion(v.trim());
        String host = manifest.getValue(Constants.FRAGMENT_HOST);
        this.fragmentHost = host == null ? null : HeaderSyntax.parse(Constants.FRAGMENT_HOST, host).get(0).path();
        String policy = manifest.getValue(Constants.BUNDLE_ACTIVATIONPOLICY);
        this.lazy = policy != null && policy.trim().startsWith(Constants.ACTIVATION_LAZY);
        String export = manifest.getValue(Constants.EXPORT_PACKAGE);
        if (export != null) {
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.EXPORT_PACKAGE, export)) {
                String ev = c.attributes.get(Constants.VERSION_ATTRIBUTE);
                for (String p : c.paths) {
                    exports.add(new Export(p, ev == null ? Version.emptyVersion : Version.parseVersion(ev.trim())));
                }
            }
        }
        String imp = manifest.getValue(Constants.IMPORT_PACKAGE);
        if (imp != null) {
            for (HeaderSyntax.Clause c : HeaderSyntax.parse(Constants.IMPORT_PACKAGE, imp)) {
                String r = c.attributes.get(Constants.VERSION_ATTRIBUTE);
                boolean optional = Constants.RESOLUTION_OPTIONAL.equals(c.directives.get(Constants.RESOLUTION_DIRECTIVE));
                for (String p : c.paths) {
                    imports.add(new Import(p, r == null ? null : new VersionRange(r.trim()), optional));
                }
            }
        }
    }

    boolean isFragment() {
        return fragmentHost != null;
    }

    boolean resolved() {
        return wires != null;
    }

    /** @return the headers as {@link Bundle#getHeaders()} gives them */
    Dictionary<String, String> headers() {
        Hashtable<String, String> h = new Hashtable<>();
        for (Map.Entry<Object, Object> e : manifest.entrySet()) {
            h.put(e.getKey().toString(), e.getValue().toString());
        }
        return h;
    }

    // ---- BundleRevision

    @Override
    public String getSymbolicName() {
        return symbolicName;
    }

    @Override
    public Version getVersion() {
        return version;
    }

    @Override
    public List<BundleCapability> getDeclaredCapabilities(String namespace) {
        List<BundleCapability> out = new ArrayList<>();
        if (namespace == null || IdentityNamespace.IDENTITY_NAMESPACE.equals(namespace)) {
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put(IdentityNamespace.IDENTITY_NAMESPACE, symbolicName);
            attrs.put(IdentityNamespace.CAPABILITY_VERSION_ATTRIBUTE, version);
            Map<String, String> dirs = singleton ? Map.of(IdentityNamespace.CAPABILITY_SINGLETON_DIRECTIVE, "true") : Map.of();
            out.add(new Capability(this, IdentityNamespace.IDENTITY_NAMESPACE, dirs, attrs));
        }
        if (namespace == null || PackageNamespace.PACKAGE_NAMESPACE.equals(namespace)) {
            for (Export e : exports) {
                Map<String, Object> attrs = new LinkedHashMap<>();
                attrs.put(PackageNamespace.PACKAGE_NAMESPACE, e.name);
                attrs.put(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE, e.version);
                out.add(new Capability(this, PackageNamespace.PACKAGE_NAMESPACE, Map.of(), attrs));
            }
        }
        return out;
    }

    @Override
    public List<BundleRequirement> getDeclaredRequirements(String namespace) {
        List<BundleRequirement> out = new ArrayList<>();
        if (namespace == null || PackageNamespace.PACKAGE_NAMESPACE.equals(namespace)) {
            for (Import i : imports) {
                Map<String, String> dirs = new LinkedHashMap<>();
                dirs.put(Namespace.REQUIREMENT_FILTER_DIRECTIVE, i.filter());
                if (i.optional) {
                    dirs.put(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE, Namespace.RESOLUTION_OPTIONAL);
                }
                out.add(new Requirement(this, i, dirs));
            }
        }
        return out;
    }

    @Override
    public int getTypes() {
        return isFragment() ? TYPE_FRAGMENT : 0;
    }

    @Override
    public BundleWiring getWiring() {
        return null; // the API gate needs real class content: the fake has no wiring objects, so the gate is skipped
    }

    @Override
    public List<org.osgi.resource.Capability> getCapabilities(String namespace) {
        return new ArrayList<>(getDeclaredCapabilities(namespace));
    }

    @Override
    public List<org.osgi.resource.Requirement> getRequirements(String namespace) {
        return new ArrayList<>(getDeclaredRequirements(namespace));
    }

    @Override
    public Bundle getBundle() {
        return bundle;
    }

    @Override
    public String toString() {
        return symbolicName + "/" + version + " [" + bundle.getBundleId() + "]";
    }

    /** A declared capability. */
    static final class Capability implements BundleCapability {
        private final FakeRevision revision;
        private final String namespace;
        private final Map<String, String> directives;
        private final Map<String, Object> attributes;

        Capability(FakeRevision revision, String namespace, Map<String, String> directives, Map<String, Object> attributes) {
            this.revision = revision;
            this.namespace = namespace;
            this.directives = Map.copyOf(directives);
            this.attributes = Collections.unmodifiableMap(attributes);
        }

        @Override public BundleRevision getRevision() { return revision; }
        @Override public String getNamespace() { return namespace; }
        @Override public Map<String, String> getDirectives() { return directives; }
        @Override public Map<String, Object> getAttributes() { return attributes; }
        @Override public BundleRevision getResource() { return revision; }
    }

    /** A declared Import-Package requirement. */
    static final class Requirement implements BundleRequirement {
        private final FakeRevision revision;
        final Import imp;
        private final Map<String, String> directives;

        Requirement(FakeRevision revision, Import imp, Map<String, String> directives) {
            this.revision = revision;
            this.imp = imp;
            this.directives = Map.copyOf(directives);
        }

        @Override public BundleRevision getRevision() { return revision; }
        @Override public String getNamespace() { return PackageNamespace.PACKAGE_NAMESPACE; }
        @Override public Map<String, String> getDirectives() { return directives; }
        @Override public Map<String, Object> getAttributes() { return Map.of(); }
        @Override public BundleRevision getResource() { return revision; }

        @Override
        public boolean matches(BundleCapability capability) {
            if (!(capability.getRevision() instanceof FakeRevision) || !PackageNamespace.PACKAGE_NAMESPACE.equals(capability.getNamespace())) {
                return false;
            }
            Object name = capability.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
            Object v = capability.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE);
            return imp.accepts(new Export(String.valueOf(name), (Version) v));
        }
    }
}
