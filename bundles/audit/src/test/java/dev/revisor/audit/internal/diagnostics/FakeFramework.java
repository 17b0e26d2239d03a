package dev.revisor.audit.internal.diagnostics;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.resource.Wire;

/**
 * Wiring data built in the test: bundles, revisions, capabilities, requirements, wires and wirings that behave like
 * the framework's (the wiring API is a set of plain interfaces; Felix's implementations hold the same data).
 * {@link Bundle} itself is a Mockito mock that answers its id, name, version, state and adaptations. Public for the
 * tests of other audit packages (the refresh planner).
 */
public final class FakeFramework {
    private final Map<Long, List<Rev>> revisionsById = new LinkedHashMap<>();
    private final Map<Long, Bundle> bundles = new LinkedHashMap<>();

    /** @return a new bundle with one current, resolved revision (no capabilities yet) */
    public Rev bundle(long id, String bsn, String version) {
        Bundle b = mock(Bundle.class);
        when(b.getBundleId()).thenReturn(id);
        when(b.getSymbolicName()).thenReturn(bsn);
        when(b.getVersion()).thenReturn(Version.parseVersion(version));
        when(b.getState()).thenReturn(Bundle.ACTIVE);
        Rev r = new Rev(b, bsn, version);
        List<Rev> revs = new ArrayList<>();
        revs.add(r);
        revisionsById.put(id, revs);
        bundles.put(id, b);
        when(b.adapt(BundleRevision.class)).thenReturn(r);
        when(b.adapt(BundleRevisions.class)).thenReturn(new Revs(b, revs));
        return r;
    }

    /**
     * Makes {@code old} a removal-pending revision of its bundle: a new current revision (returned) takes its place,
     * as after {@code Bundle.update} without a refresh.
     */
    Rev update(Rev old, String newVersion) {
        Bundle b = old.bundle;
        Rev r = new Rev(b, old.bsn, newVersion);
        revisionsById.get(b.getBundleId()).add(0, r);
        when(b.getVersion()).thenReturn(Version.parseVersion(newVersion));
        when(b.adapt(BundleRevision.class)).thenReturn(r);
        return r;
    }

    /** Uninstalls the bundle without a refresh: its revision stays, removal-pending. */
    void uninstall(Rev r) {
        when(r.bundle.getState()).thenReturn(Bundle.UNINSTALLED);
    }

    public Collection<Bundle> bundles() {
        return bundles.values();
    }

    FrameworkState state() {
        return new FrameworkState(bundles(), new LocalContent());
    }

    // ---- the wiring API ----

    public static final class Rev implements BundleRevision {
        public final Bundle bundle;
        final String bsn;
        final Version version;
        final List<BundleCapability> declaredCaps = new ArrayList<>();
        final List<BundleRequirement> declaredReqs = new ArrayList<>();
        Wiring wiring = new Wiring(this);
        int types;

        Rev(Bundle bundle, String bsn, String version) {
            this.bundle = bundle;
            this.bsn = bsn;
            this.version = Version.parseVersion(version);
            Map<String, Object> id = new HashMap<>();
            id.put(BundleNamespace.BUNDLE_NAMESPACE, bsn);
            id.put(BundleNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE, this.version);
            declaredCaps.add(new Cap(this, BundleNamespace.BUNDLE_NAMESPACE, id, Map.of()));
            wiring.caps.add(declaredCaps.get(0));
        }

        /** Exports a package; a resolved revision offers it in its wiring too. */
        public Rev exports(String pkg, String v, String... uses) {
            Map<String, Object> attrs = new HashMap<>();
            attrs.put(PackageNamespace.PACKAGE_NAMESPACE, pkg);
            attrs.put(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE, Version.parseVersion(v));
            // as Felix does: every export also carries its bundle's name and version
            attrs.put(PackageNamespace.CAPABILITY_BUNDLE_SYMBOLICNAME_ATTRIBUTE, bsn);
            attrs.put(PackageNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE, version);
            Map<String, String> dirs = new HashMap<>();
            if (uses.length > 0) {
                dirs.put(PackageNamespace.CAPABILITY_USES_DIRECTIVE, String.join(",", uses));
            }
            Cap c = new Cap(this, PackageNamespace.PACKAGE_NAMESPACE, attrs, dirs);
            declaredCaps.add(c);
            wiring.caps.add(c);
            return this;
        }

        /** Adds a capability with the given attributes and directives, e.g. to test mandatory attributes. */
        Cap capability(String namespace, Map<String, Object> attrs, Map<String, String> dirs) {
            Cap c = new Cap(this, namespace, attrs, dirs);
            declaredCaps.add(c);
            wiring.caps.add(c);
            return c;
        }

        /** Declares an import (not wired). {@code range} in OSGi syntax, or {@code null} for any version. */
        Req imports(String pkg, String range) {
            return imports(pkg, range, Map.of());
        }

        Req imports(String pkg, String range, Map<String, String> extraDirectives) {
            String filter = "(" + PackageNamespace.PACKAGE_NAMESPACE + "=" + pkg + ")";
            if (range != null) {
                filter = "(&" + filter + VersionRange.valueOf(range).toFilterString(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE) + ")";
            }
            return require(PackageNamespace.PACKAGE_NAMESPACE, filter, extraDirectives);
        }

        Req require(String namespace, String filter, Map<String, String> extraDirectives) {
            Map<String, String> dirs = new HashMap<>(extraDirectives);
            dirs.put(org.osgi.resource.Namespace.REQUIREMENT_FILTER_DIRECTIVE, filter);
            Req r = new Req(this, namespace, dirs);
            declaredReqs.add(r);
            return r;
        }

        /** Declares an import and wires it to the exporter's capability for the package. */
        public Rev wire(String pkg, String range, Rev exporter) {
            return wire(pkg, range, exporter, Map.of());
        }

        /** Declares an import with extra directives (e.g. {@code resolution:=optional}) and wires it to the exporter. */
        public Rev wire(String pkg, String range, Rev exporter, Map<String, String> directives) {
            Req req = imports(pkg, range, directives);
            BundleCapability cap = exporter.wiring.caps.stream()
                    .filter(c -> pkg.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException(exporter.bsn + " does not export " + pkg));
            link(req, cap, exporter);
            return this;
        }

        /** Require-Bundle on the provider, wired. */
        public Rev requiresBundle(Rev provider, boolean reexport) {
            Map<String, String> dirs = new HashMap<>();
            if (reexport) {
                dirs.put(BundleNamespace.REQUIREMENT_VISIBILITY_DIRECTIVE, BundleNamespace.VISIBILITY_REEXPORT);
            }
            Req req = require(BundleNamespace.BUNDLE_NAMESPACE, "(" + BundleNamespace.BUNDLE_NAMESPACE + "=" + provider.bsn + ")", dirs);
            link(req, provider.declaredCaps.get(0), provider);
            return this;
        }

        private void link(Req req, BundleCapability cap, Rev provider) {
            W w = new W(cap, req, provider.wiring, wiring);
            wiring.required.add(w);
            provider.wiring.provided.add(w);
        }

        /** Resources of the bundle's own content, e.g. {@code org/example/utils/Text.class}. */
        Rev contains(String... resources) {
            wiring.local.addAll(List.of(resources));
            return this;
        }

        /** Sets the bundle's state, as a lifecycle change does. */
        public Rev state(int state) {
            when(bundle.getState()).thenReturn(state);
            return this;
        }

        /**
         * Takes the wiring away and makes the bundle INSTALLED, as a refresh does to a bundle it does not start again.
         *
         * @return what resolving and starting it again does: a new wiring with the same wires, the bundle ACTIVE
         */
        public Runnable unresolvedUntilStarted() {
            Wiring old = wiring;
            unresolved();
            return () -> {
                Wiring again = new Wiring(this);
                again.caps.addAll(old.caps);
                again.required.addAll(old.required);
                wiring = again;
                state(Bundle.ACTIVE);
            };
        }

        /** Makes this revision unresolved: no wiring. */
        public Rev unresolved() {
            wiring = null;
            when(bundle.getState()).thenReturn(Bundle.INSTALLED);
            return this;
        }

        @Override public String getSymbolicName() { return bsn; }
        @Override public Version getVersion() { return version; }
        @Override public List<BundleCapability> getDeclaredCapabilities(String ns) { return filter(declaredCaps, ns); }
        @Override public List<BundleRequirement> getDeclaredRequirements(String ns) { return filter(declaredReqs, ns); }
        @Override public int getTypes() { return types; }
        @Override public BundleWiring getWiring() { return wiring; }
        @Override public List<Capability> getCapabilities(String ns) { return new ArrayList<>(getDeclaredCapabilities(ns)); }
        @Override public List<Requirement> getRequirements(String ns) { return new ArrayList<>(getDeclaredRequirements(ns)); }
        @Override public Bundle getBundle() { return bundle; }
        @Override public String toString() { return bsn + "/" + version; }
    }

    static <T> List<T> filter(List<? extends T> all, String ns) {
        List<T> result = new ArrayList<>();
        for (T t : all) {
            String n = t instanceof Capability ? ((Capability) t).getNamespace()
                    : t instanceof Requirement ? ((Requirement) t).getNamespace() : ((Wire) t).getCapability().getNamespace();
            if (ns == null || ns.equals(n)) {
                result.add(t);
            }
        }
        return result;
    }

    static final class Revs implements BundleRevisions {
        private final Bundle bundle;
        private final List<Rev> revisions;

        Revs(Bundle bundle, List<Rev> revisions) {
            this.bundle = bundle;
            this.revisions = revisions;
        }

        @Override public List<BundleRevision> getRevisions() { return new ArrayList<>(revisions); }
        @Override public Bundle getBundle() { return bundle; }
    }

    static final class Cap implements BundleCapability {
        final Rev revision;
        final String namespace;
        final Map<String, Object> attrs;
        final Map<String, String> dirs;

        Cap(Rev revision, String namespace, Map<String, Object> attrs, Map<String, String> dirs) {
            this.revision = revision;
            this.namespace = namespace;
            this.attrs = attrs;
            this.dirs = dirs;
        }

        @Override public BundleRevision getRevision() { return revision; }
        @Override public String getNamespace() { return namespace; }
        @Override public Map<String, String> getDirectives() { return dirs; }
        @Override public Map<String, Object> getAttributes() { return attrs; }
        @Override public BundleRevision getResource() { return revision; }
        @Override public String toString() { return namespace + attrs; }
    }

    static final class Req implements BundleRequirement {
        final Rev revision;
        final String namespace;
        final Map<String, String> dirs;

        Req(Rev revision, String namespace, Map<String, String> dirs) {
            this.revision = revision;
            this.namespace = namespace;
            this.dirs = dirs;
        }

        @Override public BundleRevision getRevision() { return revision; }
        @Override public boolean matches(BundleCapability capability) { return Filters.matches(this, capability); }
        @Override public String getNamespace() { return namespace; }
        @Override public Map<String, String> getDirectives() { return dirs; }
        @Override public Map<String, Object> getAttributes() { return Map.of(); }
        @Override public BundleRevision getResource() { return revision; }
        @Override public String toString() { return namespace + dirs; }
    }

    static final class W implements BundleWire {
        final BundleCapability capability;
        final BundleRequirement requirement;
        final Wiring provider;
        final Wiring requirer;

        W(BundleCapability capability, BundleRequirement requirement, Wiring provider, Wiring requirer) {
            this.capability = capability;
            this.requirement = requirement;
            this.provider = provider;
            this.requirer = requirer;
        }

        @Override public BundleCapability getCapability() { return capability; }
        @Override public BundleRequirement getRequirement() { return requirement; }
        @Override public BundleWiring getProviderWiring() { return provider; }
        @Override public BundleWiring getRequirerWiring() { return requirer; }
        @Override public BundleRevision getProvider() { return provider.revision; }
        @Override public BundleRevision getRequirer() { return requirer.revision; }
    }

    static final class Wiring implements BundleWiring {
        final Rev revision;
        final List<BundleCapability> caps = new ArrayList<>();
        final List<BundleWire> required = new ArrayList<>();
        final List<BundleWire> provided = new ArrayList<>();
        final List<String> local = new ArrayList<>();

        Wiring(Rev revision) {
            this.revision = revision;
        }

        @Override public boolean isCurrent() { return revision.bundle.adapt(BundleRevision.class) == revision; }
        @Override public boolean isInUse() { return true; }
        @Override public List<BundleCapability> getCapabilities(String ns) { return filter(caps, ns); }
        @Override public List<BundleRequirement> getRequirements(String ns) { return filter(revision.declaredReqs, ns); }
        @Override public List<BundleWire> getProvidedWires(String ns) { return filter(provided, ns); }
        @Override public List<BundleWire> getRequiredWires(String ns) { return filter(required, ns); }
        @Override public BundleRevision getRevision() { return revision; }
        @Override public ClassLoader getClassLoader() { return null; }
        @Override public List<java.net.URL> findEntries(String path, String filePattern, int options) { return List.of(); }

        @Override
        public Collection<String> listResources(String path, String filePattern, int options) {
            if (!"/".equals(path) || !"*.class".equals(filePattern)
                    || (options & LISTRESOURCES_LOCAL) == 0 || (options & LISTRESOURCES_RECURSE) == 0) {
                throw new UnsupportedOperationException("the analysis lists local classes from the root, recursively");
            }
            return new ArrayList<>(local);
        }

        @Override public List<Capability> getResourceCapabilities(String ns) { return new ArrayList<>(getCapabilities(ns)); }
        @Override public List<Requirement> getResourceRequirements(String ns) { return new ArrayList<>(getRequirements(ns)); }
        @Override public List<Wire> getProvidedResourceWires(String ns) { return new ArrayList<>(getProvidedWires(ns)); }
        @Override public List<Wire> getRequiredResourceWires(String ns) { return new ArrayList<>(getRequiredWires(ns)); }
        @Override public BundleRevision getResource() { return revision; }
        @Override public Bundle getBundle() { return revision.bundle; }
    }
}
