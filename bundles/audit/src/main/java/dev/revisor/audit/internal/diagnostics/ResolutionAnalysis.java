package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Namespace;

import dev.revisor.audit.api.CandidateDTO;
import dev.revisor.audit.api.RequirementProblemDTO;
import dev.revisor.audit.api.UsesChainDTO;
import dev.revisor.audit.api.UsesConflictDTO;
import dev.revisor.audit.api.UsesStepDTO;

/**
 * Explains why the resolver refuses a revision, from the framework's state alone: each requirement is compared with
 * every capability of its namespace and name that any revision declares, and the package imports that do have
 * resolved candidates are checked for uses-constraint conflicts through the wiring of those candidates.
 * <p>
 * The uses check models what the resolver does for a new bundle against an already resolved framework: the
 * bundle's imports may choose among the resolved exporters that fit (a bounded search over the choices); the
 * exporters' own wiring is fixed. A conflict is reported only when no choice is consistent.
 * <p>
 * Concurrent Semantics: not thread safe; one instance per call.
 */
final class ResolutionAnalysis {
    /** Upper bound of choices the uses search tries before it reports the preferred choice's conflicts. */
    static final int SEARCH_BUDGET = 10_000;

    private final FrameworkState state;
    private final Map<BundleWiring, Map<String, BundleWire>> importWires = new HashMap<>();
    private final Map<BundleWiring, Map<String, BundleCapability>> ownExports = new HashMap<>();

    /** What {@link #analyse} found. */
    static final class Result {
        final List<RequirementProblemDTO> unresolved = new ArrayList<>();
        final List<UsesConflictDTO> usesConflicts = new ArrayList<>();
        /** Requirements whose only fitting candidates come from bundles that are not resolved themselves. */
        final List<BundleRevision> unresolvedProviders = new ArrayList<>();
        /** For a fragment: the resolved host revisions its host requirement fits. */
        final List<BundleRevision> resolvedHosts = new ArrayList<>();
    }

    ResolutionAnalysis(FrameworkState state) {
        this.state = state;
    }

    /**
     * @param revision an unresolved revision
     * @return its unsatisfiable requirements and its uses conflicts
     */
    Result analyse(BundleRevision revision) {
        Result result = new Result();
        List<Choice> choices = new ArrayList<>();
        for (BundleRequirement r : revision.getDeclaredRequirements(null)) {
            if (!blocksResolution(r)) {
                continue;
            }
            List<Candidate> candidates = candidates(revision, r);
            List<Candidate> usable = new ArrayList<>();
            for (Candidate c : candidates) {
                if (c.usable) {
                    usable.add(c);
                }
            }
            if (usable.isEmpty()) {
                result.unresolved.add(problem(r, candidates, result));
            } else if (HostNamespace.HOST_NAMESPACE.equals(r.getNamespace())) {
                for (Candidate c : usable) {
                    result.resolvedHosts.add(c.provider());
                }
            } else if (PackageNamespace.PACKAGE_NAMESPACE.equals(r.getNamespace())) {
                usable.sort(PREFERENCE);
                choices.add(new Choice(r, usable));
            }
        }
        result.usesConflicts.addAll(usesConflicts(revision, choices));
        return result;
    }

    /** Optional, dynamic and run-time-only ({@code effective:=active}) requirements never stop resolution. */
    static boolean blocksResolution(BundleRequirement r) {
        String effective = r.getDirectives().get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
        if (effective != null && !Namespace.EFFECTIVE_RESOLVE.equals(effective)) {
            return false;
        }
        String resolution = r.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE);
        return resolution == null || Namespace.RESOLUTION_MANDATORY.equals(resolution);
    }

    /** A capability with the name the requirement asks for. */
    static final class Candidate {
        final BundleCapability capability;
        final Version version;
        final boolean matches;
        final boolean usable;
        final String reason;

        Candidate(BundleCapability capability, boolean matches, boolean usable, String reason) {
            this.capability = capability;
            this.version = Filters.version(capability);
            this.matches = matches;
            this.usable = usable;
            this.reason = reason;
        }

        BundleRevision provider() {
            return capability.getRevision();
        }
    }

    /** The resolver's preference among fitting candidates: highest version, then lowest bundle id. */
    static final Comparator<Candidate> PREFERENCE = Comparator
            .comparing((Candidate c) -> c.version == null ? Version.emptyVersion : c.version, Comparator.reverseOrder())
            .thenComparingLong(c -> c.provider().getBundle().getBundleId());

    List<Candidate> candidates(BundleRevision requirer, BundleRequirement r) {
        String name = Filters.name(r);
        List<Candidate> result = new ArrayList<>();
        for (BundleCapability c : state.declared(r.getNamespace(), name)) {
            List<String> mismatches = Filters.mismatches(r, c);
            BundleRevision provider = c.getRevision();
            boolean self = provider.equals(requirer);
            boolean pending = !state.isCurrent(provider);
            if (!mismatches.isEmpty()) {
                result.add(new Candidate(c, false, false, String.join("; ", mismatches)));
            } else if (provider.getWiring() == null && !self) {
                result.add(new Candidate(c, true, false, "fits, but " + Refs.text(provider)
                        + " is not resolved itself (audit:why " + provider.getBundle().getBundleId() + ")"));
            } else {
                result.add(new Candidate(c, true, true, (self ? "fits (its own capability)" : "fits")
                        + (pending ? "; its revision is removal-pending" : "")));
            }
        }
        result.sort(Comparator.comparing((Candidate c) -> c.version == null ? Version.emptyVersion : c.version)
                .thenComparingLong(c -> c.provider().getBundle().getBundleId()));
        return result;
    }

    private RequirementProblemDTO problem(BundleRequirement r, List<Candidate> candidates, Result result) {
        RequirementProblemDTO dto = new RequirementProblemDTO();
        dto.namespace = r.getNamespace();
        dto.name = Filters.name(r);
        VersionRange range = Filters.range(r);
        dto.range = Filters.text(range);
        dto.filter = Filters.filter(r);
        dto.text = Filters.describe(r);
        dto.candidates = new ArrayList<>();
        List<String> matchingUnresolved = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        Set<String> otherReasons = new LinkedHashSet<>();
        for (Candidate c : candidates) {
            CandidateDTO cd = new CandidateDTO();
            cd.bundle = Refs.of(c.provider());
            cd.version = c.version == null ? null : c.version.toString();
            cd.matches = c.matches;
            cd.reason = c.reason;
            dto.candidates.add(cd);
            if (c.matches) {
                matchingUnresolved.add(Refs.text(c.provider()));
                result.unresolvedProviders.add(c.provider());
            } else if (c.reason.startsWith("version ")) {
                versions.add((c.version == null ? "no version" : c.version.toString()) + " from " + Refs.text(c.provider()));
            } else {
                otherReasons.add(Refs.text(c.provider()) + ": " + c.reason);
            }
        }
        String what = thing(r.getNamespace());
        String named = dto.name == null ? dto.filter : dto.name;
        if (candidates.isEmpty()) {
            dto.reason = "no bundle provides " + what + " " + named + " at any version";
        } else if (!matchingUnresolved.isEmpty()) {
            dto.reason = what + " " + named + " fits only from " + String.join(", ", matchingUnresolved)
                    + ", which is not resolved itself";
        } else if (!versions.isEmpty() && otherReasons.isEmpty()) {
            dto.reason = what + " " + named + " exists only at " + String.join(", ", versions) + "; "
                    + (range == null ? "the requirement's filter excludes them" : "it asks for " + dto.range);
        } else {
            List<String> all = new ArrayList<>();
            if (!versions.isEmpty()) {
                all.add("outside " + dto.range + ": " + String.join(", ", versions));
            }
            all.addAll(otherReasons);
            dto.reason = "no " + what + " " + named + " fits (" + String.join("; ", all) + ")";
        }
        return dto;
    }

    private static String thing(String namespace) {
        switch (namespace) {
            case PackageNamespace.PACKAGE_NAMESPACE: return "package";
            case "osgi.wiring.bundle": return "bundle";
            case "osgi.wiring.host": return "host bundle";
            case "osgi.ee": return "execution environment";
            case "osgi.extender": return "extender";
            case "osgi.service": return "service";
            default: return namespace + " capability";
        }
    }

    // ---- uses constraints ----

    /** One package import of the bundle and the resolved capabilities that fit it, preferred first. */
    static final class Choice {
        final BundleRequirement requirement;
        final List<Candidate> candidates;

        Choice(BundleRequirement requirement, List<Candidate> candidates) {
            this.requirement = requirement;
            this.candidates = candidates;
        }
    }

    /** Where a package in the bundle's class space would come from, and the chain of wires that brings it. */
    static final class Source {
        final String packageName;
        final BundleRevision exporter;
        final Version version;
        final List<UsesStepDTO> steps;
        final BundleCapability capability;
        /** The range of the last step's import; {@code null} when the last step is an export of the importer itself. */
        final VersionRange lastRange;

        Source(BundleCapability capability, BundleRevision exporter, List<UsesStepDTO> steps, VersionRange lastRange) {
            this.capability = capability;
            this.lastRange = lastRange;
            this.packageName = Filters.name(capability);
            this.exporter = exporter;
            Version v = Filters.version(capability);
            this.version = v == null ? Version.emptyVersion : v;
            this.steps = steps;
        }

        boolean same(Source other) {
            return exporter.equals(other.exporter) && packageName.equals(other.packageName) && version.equals(other.version);
        }
    }

    private List<UsesConflictDTO> usesConflicts(BundleRevision revision, List<Choice> choices) {
        if (choices.isEmpty()) {
            return List.of();
        }
        Set<String> imported = new LinkedHashSet<>();
        for (Choice c : choices) {
            imported.add(Filters.name(c.requirement));
        }
        Map<String, Source> own = new LinkedHashMap<>();
        for (BundleCapability c : revision.getDeclaredCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            String pkg = Filters.name(c);
            if (pkg != null && !imported.contains(pkg)) {
                UsesStepDTO step = step(revision, pkg, null, revision, Filters.version(c), null);
                own.put(pkg, new Source(c, revision, List.of(step), null));
            }
        }
        Map<Candidate, Map<String, Source>> cache = new HashMap<>();
        int[] budget = {SEARCH_BUDGET};
        if (search(revision, choices, 0, new HashMap<>(own), cache, budget)) {
            return List.of();
        }
        // no consistent choice (or the budget ran out): report the conflicts of the resolver's preferred choice
        Map<String, Source> space = new HashMap<>(own);
        Map<String, UsesConflictDTO> conflicts = new LinkedHashMap<>();
        for (Choice choice : choices) {
            Map<String, Source> exposure = exposure(revision, choice, choice.candidates.get(0), cache);
            for (Source s : exposure.values()) {
                Source there = space.get(s.packageName);
                if (there == null) {
                    space.put(s.packageName, s);
                } else if (!there.same(s) && !conflicts.containsKey(s.packageName)) {
                    conflicts.put(s.packageName, conflict(revision, there, s));
                }
            }
        }
        return new ArrayList<>(conflicts.values());
    }

    private boolean search(BundleRevision revision, List<Choice> choices, int i, Map<String, Source> space,
            Map<Candidate, Map<String, Source>> cache, int[] budget) {
        if (i == choices.size()) {
            return true;
        }
        Choice choice = choices.get(i);
        for (Candidate c : choice.candidates) {
            if (--budget[0] < 0) {
                return false;
            }
            Map<String, Source> exposure = exposure(revision, choice, c, cache);
            List<String> added = new ArrayList<>();
            boolean consistent = true;
            for (Source s : exposure.values()) {
                Source there = space.get(s.packageName);
                if (there == null) {
                    space.put(s.packageName, s);
                    added.add(s.packageName);
                } else if (!there.same(s)) {
                    consistent = false;
                    break;
                }
            }
            if (consistent && search(revision, choices, i + 1, space, cache, budget)) {
                return true;
            }
            for (String pkg : added) {
                space.remove(pkg);
            }
        }
        return false;
    }

    /**
     * @return every package the bundle's class space would receive by wiring the choice's requirement to the
     *         candidate: the package itself and, transitively, what its {@code uses} directive names, each from the
     *         source the candidate's own wiring has for it
     */
    private Map<String, Source> exposure(BundleRevision revision, Choice choice, Candidate candidate,
            Map<Candidate, Map<String, Source>> cache) {
        Map<String, Source> known = cache.get(candidate);
        if (known != null) {
            return known;
        }
        Map<String, Source> result = new LinkedHashMap<>();
        VersionRange range = Filters.range(choice.requirement);
        UsesStepDTO first = step(revision, Filters.name(choice.requirement), rangeText(range), candidate.provider(), candidate.version, null);
        Source start = new Source(candidate.capability, candidate.provider(), List.of(first), range);
        result.put(start.packageName, start);
        List<Source> queue = new ArrayList<>();
        queue.add(start);
        for (int q = 0; q < queue.size(); q++) {
            Source s = queue.get(q);
            BundleWiring wiring = s.exporter.getWiring();
            if (wiring == null) {
                continue;
            }
            for (String used : uses(s.capability)) {
                if (result.containsKey(used)) {
                    continue;
                }
                Source next = null;
                BundleWire wire = importWires(wiring).get(used);
                if (wire != null) {
                    VersionRange wired = Filters.range(wire.getRequirement());
                    List<UsesStepDTO> steps = new ArrayList<>(s.steps);
                    steps.add(step(s.exporter, used, rangeText(wired), wire.getProvider(), Filters.version(wire.getCapability()), s.packageName));
                    next = new Source(wire.getCapability(), wire.getProvider(), steps, wired);
                } else {
                    BundleCapability exported = ownExports(wiring).get(used);
                    if (exported != null) {
                        List<UsesStepDTO> steps = new ArrayList<>(s.steps);
                        steps.add(step(s.exporter, used, null, s.exporter, Filters.version(exported), s.packageName));
                        next = new Source(exported, s.exporter, steps, null);
                    }
                }
                if (next != null) {
                    result.put(used, next);
                    queue.add(next);
                }
            }
        }
        cache.put(candidate, result);
        return result;
    }

    private static List<String> uses(BundleCapability c) {
        String uses = c.getDirectives().get(PackageNamespace.CAPABILITY_USES_DIRECTIVE);
        if (uses == null || uses.isBlank()) {
            return List.of();
        }
        List<String> list = new ArrayList<>();
        for (String u : uses.split(",")) {
            if (!u.isBlank()) {
                list.add(u.trim());
            }
        }
        return list;
    }

    private Map<String, BundleWire> importWires(BundleWiring wiring) {
        return importWires.computeIfAbsent(wiring, w -> {
            Map<String, BundleWire> map = new HashMap<>();
            for (BundleWire wire : w.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                map.putIfAbsent(Filters.name(wire.getCapability()), wire);
            }
            return map;
        });
    }

    private Map<String, BundleCapability> ownExports(BundleWiring wiring) {
        return ownExports.computeIfAbsent(wiring, w -> {
            Map<String, BundleCapability> map = new HashMap<>();
            for (BundleCapability c : w.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                map.putIfAbsent(Filters.name(c), c);
            }
            return map;
        });
    }

    private static UsesStepDTO step(BundleRevision importer, String pkg, String range, BundleRevision exporter, Version version, String usesOf) {
        UsesStepDTO s = new UsesStepDTO();
        s.importer = Refs.of(importer);
        s.packageName = pkg;
        s.range = range;
        s.exporter = Refs.of(exporter);
        s.version = version == null ? Version.emptyVersion.toString() : version.toString();
        s.usesOf = usesOf;
        return s;
    }

    // ---- explaining a conflict ----

    private UsesConflictDTO conflict(BundleRevision revision, Source a, Source b) {
        Source first = a.steps.size() <= b.steps.size() ? a : b;
        Source second = first == a ? b : a;
        UsesConflictDTO dto = new UsesConflictDTO();
        dto.packageName = a.packageName;
        dto.first = chain(first);
        dto.second = chain(second);
        dto.explanation = Refs.text(revision) + " would see package " + a.packageName + " twice: "
                + first.version + " from " + Refs.text(first.exporter) + " " + via(first) + ", and "
                + second.version + " from " + Refs.text(second.exporter) + " " + via(second)
                + ". A class of " + a.packageName + " passed between the two would fail at run time, so the resolver refuses the bundle";
        dto.fixes = fixes(revision, first, second);
        return dto;
    }

    private static String via(Source s) {
        if (s.steps.size() == 1) {
            UsesStepDTO only = s.steps.get(0);
            return only.range == null ? "(its own export)" : "(its own import " + only.range + ")";
        }
        List<String> packages = new ArrayList<>();
        s.steps.forEach(step -> packages.add(step.packageName));
        return "through the uses constraints " + String.join(" → ", packages);
    }

    private static UsesChainDTO chain(Source s) {
        UsesChainDTO c = new UsesChainDTO();
        c.exporter = Refs.of(s.exporter);
        c.version = s.version.toString();
        c.steps = s.steps;
        c.text = chainText(s.steps);
        return c;
    }

    static String chainText(List<UsesStepDTO> steps) {
        StringBuilder b = new StringBuilder();
        for (UsesStepDTO s : steps) {
            if (b.length() > 0) {
                b.append("; ");
            }
            if (s.usesOf != null) {
                b.append(s.usesOf).append(" uses ").append(s.packageName).append(", and ");
            }
            if (s.range == null) {
                b.append(s.importer.display()).append(" exports ").append(s.packageName).append(' ').append(s.version).append(" itself");
            } else {
                b.append(s.importer.display()).append(" imports ").append(s.packageName).append(' ').append(s.range)
                        .append(" from ").append(s.exporter.display()).append(" (").append(s.version).append(')');
            }
        }
        return b.toString();
    }

    /**
     * Concrete fixes, least disruptive first: refresh an intermediate bundle whose range already allows the other
     * version; change the bundle's own import range; rebuild an intermediate bundle against the other version;
     * uninstall one of two exporters of the very same version.
     */
    private static List<String> fixes(BundleRevision revision, Source first, Source second) {
        List<String> refresh = new ArrayList<>();
        List<String> own = new ArrayList<>();
        List<String> rebuild = new ArrayList<>();
        List<String> duplicate = new ArrayList<>();
        String pkg = first.packageName;
        String self = Refs.text(revision);
        for (Source[] pair : new Source[][] {{first, second}, {second, first}}) {
            Source s = pair[0];
            Source other = pair[1];
            UsesStepDTO last = s.steps.get(s.steps.size() - 1);
            boolean isSelf = s.steps.size() == 1;
            if (last.range == null) {
                if (isSelf) {
                    own.add("Stop " + self + " from carrying and exporting its own " + pkg + " " + last.version
                            + "; import it instead, so that it can share " + other.version + " from " + Refs.text(other.exporter));
                } else {
                    rebuild.add("Install a build of " + last.importer.display() + " that imports " + pkg
                            + " instead of exporting its own " + last.version + ", so that it can share " + other.version
                            + " from " + Refs.text(other.exporter));
                }
                continue;
            }
            boolean accepts = s.lastRange == null || s.lastRange.includes(other.version);
            if (isSelf) {
                if (!accepts) {
                    own.add("Make " + self + " import " + pkg + " in a range that includes " + other.version + " (it asks for "
                            + last.range + "): rebuild it against " + pkg + " " + other.version.getMajor()
                            + ".x, the version " + Refs.text(other.exporter) + " offers, if its code works with that version");
                }
            } else if (accepts) {
                refresh.add("Refresh " + last.importer.display() + " (refresh " + last.importer.id + "): its import of " + pkg + " "
                        + last.range + " also accepts " + other.version + " from " + Refs.text(other.exporter)
                        + ", but it is wired to " + last.version + " from " + last.exporter.display() + " now");
            } else {
                rebuild.add("Install a build of " + last.importer.display() + " made against " + pkg + " "
                        + other.version.getMajor() + ".x, so that its import of " + pkg + " (" + last.range + " now) includes "
                        + other.version + "; then " + self + " can use " + Refs.text(other.exporter) + " through it");
            }
        }
        if (first.version.equals(second.version) && !first.exporter.equals(second.exporter)) {
            boolean firstFixed = Refs.fromFeature(first.exporter);
            boolean secondFixed = Refs.fromFeature(second.exporter);
            String how = firstFixed && secondFixed
                    ? "Both come with the runtime's features: remove one of them from its feature (features/), so that everyone shares one"
                    : firstFixed || secondFixed
                            ? "Uninstall " + Refs.text(firstFixed ? second.exporter : first.exporter) + " (keep "
                                    + Refs.text(firstFixed ? first.exporter : second.exporter)
                                    + ", installed by a feature) and refresh, so that everyone shares one"
                            : "Uninstall the one you do not need and refresh, so that everyone shares one";
            duplicate.add("Two bundles export " + pkg + " " + first.version + ": " + Refs.text(first.exporter) + " and "
                    + Refs.text(second.exporter) + ". " + how);
        }
        List<String> fixes = new ArrayList<>();
        fixes.addAll(refresh);
        fixes.addAll(own);
        fixes.addAll(rebuild);
        fixes.addAll(duplicate);
        return fixes;
    }

    /** @return the range as shown, {@code 0.0.0} (any version) when the import names none */
    private static String rangeText(VersionRange range) {
        return range == null ? "0.0.0" : Filters.text(range);
    }
}
