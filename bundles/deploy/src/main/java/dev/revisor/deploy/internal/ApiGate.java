package dev.revisor.deploy.internal;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.header.OSGiHeader;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Analyzer;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Instructions;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.PluginsContainer;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Diff;
import aQute.bnd.service.diff.Type;

/**
 * The API gate: baselines an incoming jar against the bytes its bundle runs (bnd's {@link Baseline}) and finds
 * exported packages that change incompatibly (bnd delta MAJOR, or the package is gone) while the importers wired to
 * them now would stay wired to the new version, because their import range still accepts it. Those importers would
 * break at run time (NoSuchMethodError, AbstractMethodError) instead of being refused by the resolver.
 * Stateless; thread safe.
 */
final class ApiGate {
    static final String REFUSE = "refuse";
    static final String WARN = "warn";

    /** One exported package that would break importers. */
    static final class Break {
        String name;
        String delta;
        String olderVersion;
        String newerVersion;
        String suggestedVersion;
        final List<String> members = new ArrayList<>();
        final List<String> importers = new ArrayList<>();

        String describe() {
            StringBuilder s = new StringBuilder("package ").append(name);
            if ("REMOVED".equals(delta)) {
                s.append(" is no longer exported");
            } else {
                s.append(" changes incompatibly but keeps a version its importers accept (").append(olderVersion)
                        .append(" -> ").append(newerVersion).append(", bnd suggests ").append(suggestedVersion).append(")");
            }
            if (!members.isEmpty()) {
                s.append(": ").append(String.join("; ", members));
            }
            s.append("; importers that would break: ").append(String.join(", ", importers));
            return s.toString();
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("package", name);
            m.put("delta", delta);
            m.put("olderVersion", olderVersion);
            m.put("newerVersion", newerVersion);
            m.put("suggestedVersion", suggestedVersion);
            m.put("members", List.copyOf(members));
            m.put("importers", List.copyOf(importers));
            return m;
        }
    }

    private ApiGate() {
    }

    /**
     * @param bundle the installed bundle about to be updated
     * @return whether any other bundle is wired to a package it exports: only then can an update break someone,
     *         and only then is the (comparatively costly) baseline run
     */
    static boolean hasImporters(Bundle bundle) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return false;
        }
        for (BundleWire wire : wiring.getProvidedWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (wire.getRequirerWiring().getBundle().getBundleId() != bundle.getBundleId()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param older  the bytes the bundle runs
     * @param newer  the incoming bytes
     * @param bundle the bundle, for its current importers
     * @return the packages whose change would break an importer; empty when the update is safe for them
     */
    static List<Break> check(File older, File newer, Bundle bundle) throws Exception {
        List<Break> breaks = new ArrayList<>();
        Set<Baseline.Info> infos = baseline(older, newer);
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return breaks;
        }
        for (Baseline.Info info : infos) {
            Delta delta = info.packageDiff.getDelta();
            if (delta != Delta.MAJOR && delta != Delta.REMOVED) {
                continue;
            }
            Version newVersion = info.newerVersion == null ? null : Version.parseVersion(info.newerVersion.toString());
            Break b = new Break();
            b.name = info.packageName;
            b.delta = delta.name();
            b.olderVersion = String.valueOf(info.olderVersion);
            b.newerVersion = String.valueOf(info.newerVersion);
            b.suggestedVersion = String.valueOf(info.suggestedVersion);
            for (BundleWire wire : wiring.getProvidedWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                Bundle importer = wire.getRequirerWiring().getBundle();
                if (importer.getBundleId() == bundle.getBundleId()
                        || !info.packageName.equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                    continue;
                }
                String filter = wire.getRequirement().getDirectives().get("filter");
                if (delta == Delta.REMOVED || accepts(filter, info.packageName, newVersion)) {
                    b.importers.add(importer.getSymbolicName() + "/" + importer.getVersion() + " [" + importer.getBundleId() + "]"
                            + (filter == null ? "" : " imports " + rangeOf(filter)));
                }
            }
            if (b.importers.isEmpty()) {
                continue;
            }
            members(info.packageDiff, b.members, "");
            breaks.add(b);
        }
        return breaks;
    }

    /**
     * bnd's baseline of two jars, the same as {@code Baseline.baseline(Jar, Jar, null)}, but through analyzers that
     * never create bnd's shared executors (see {@link GateAnalyzer}).
     */
    static Set<Baseline.Info> baseline(File older, File newer) throws Exception {
        try (Processor reporter = new Processor();
                GateAnalyzer n = new GateAnalyzer(new Jar(newer));
                GateAnalyzer o = new GateAnalyzer(new Jar(older))) {
            DiffPluginImpl differ = new DiffPluginImpl();
            return new Baseline(reporter, differ).baseline(differ.tree(n), exports(n.getJar()), differ.tree(o),
                    exports(o.getJar()), new Instructions());
        }
    }

    private static Parameters exports(Jar jar) throws Exception {
        Manifest m = jar.getManifest();
        return m == null ? new Parameters() : OSGiHeader.parseHeader(m.getMainAttributes().getValue(Constants.EXPORT_PACKAGE));
    }

    /**
     * An analyzer without bnd's type-specific plugins, which baselining does not use. The first of them is
     * {@link Processor#getExecutor()}: it creates bnd's static executor group, and that registers a JVM shutdown hook
     * ({@code Bnd-ExecutorShutdownHook}) whose code is this bundle's copy of bnd. The hook would keep this bundle's
     * class loader reachable after an update of Revisor itself: a zombie revision of Revisor in its own leak report.
     */
    static final class GateAnalyzer extends Analyzer {
        GateAnalyzer(Jar jar) throws Exception {
            super(jar);
        }

        @Override
        protected void setTypeSpecificPlugins(PluginsContainer plugins) {
            // none: see the class comment
        }
    }

    private static boolean accepts(String filter, String pkg, Version version) {
        if (filter == null || version == null) {
            return true;
        }
        try {
            Filter f = FrameworkUtil.createFilter(filter);
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put(PackageNamespace.PACKAGE_NAMESPACE, pkg);
            attrs.put(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE, version);
            return f.matches(attrs);
        } catch (InvalidSyntaxException e) {
            return true;
        }
    }

    /** @return the version part of a package filter in plain words, e.g. {@code version>=1.0.0 !(version>=2.0.0)} */
    static String rangeOf(String filter) {
        java.util.regex.Matcher low = java.util.regex.Pattern.compile("\\(version>=([^)]+)\\)").matcher(filter);
        java.util.regex.Matcher high = java.util.regex.Pattern.compile("\\(!\\(version>=([^)]+)\\)\\)").matcher(filter);
        String from = low.find() ? low.group(1) : "0.0.0";
        String to = high.find() ? high.group(1) : null;
        return to == null ? "version " + from + " or later" : "[" + from + "," + to + ")";
    }

    /** Collects the removed and incompatibly changed members, e.g. {@code REMOVED METHOD Strings.shout(String)}. */
    private static void members(Diff diff, List<String> out, String parent) {
        for (Diff child : diff.getChildren()) {
            if (out.size() >= 20) {
                return;
            }
            Delta d = child.getDelta();
            Type type = child.getType();
            String where = parent.isEmpty() ? child.getName() : parent + "." + child.getName();
            switch (type) {
                case CLASS: case INTERFACE: case ENUM: case ANNOTATION: case METHOD: case FIELD: case CONSTANT:
                    if (d == Delta.REMOVED) {
                        out.add("REMOVED " + type + " " + where);
                    } else if (d == Delta.ADDED && diff.getDelta() == Delta.MAJOR && type == Type.METHOD) {
                        out.add("ADDED METHOD " + where + " (bundles that implement " + parent + " break)");
                    } else if (d == Delta.MAJOR || d == Delta.CHANGED) {
                        members(child, out, where);
                    }
                    break;
                case ACCESS: case RETURN: case EXTENDS: case IMPLEMENTS:
                    if ((d == Delta.REMOVED || d == Delta.ADDED) && diff.getDelta() == Delta.MAJOR) {
                        out.add(d + " " + type + " " + child.getName() + " of " + parent);
                    }
                    break;
                default:
                    if (d == Delta.MAJOR) {
                        members(child, out, where);
                    }
            }
        }
    }
}
