package dev.revisor.audit.internal.operations;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRevisions;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.PlanReasonDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.ServiceInUseDTO;
import dev.revisor.audit.api.StrandedDTO;

/**
 * Computes refresh plans (docs/operations.md, "Refresh plans"): the framework's dependency closure of the triggers,
 * and for every bundle in it the wires that put it there, its DS components and services that would go away, the
 * outside users of those services, and (for an uninstall) who would be stranded: the requirements nobody else could
 * satisfy ({@link Stranding}). Changes nothing.
 * <p>
 * Concurrent Semantics: stateless, thread safe.
 */
final class RefreshPlanner {
    private RefreshPlanner() {
    }

    static RefreshPlanDTO plan(BundleContext context, ServiceComponentRuntime scr, Collection<Bundle> bundles,
            Refreshes.Change change) {
        if (bundles == null || bundles.isEmpty()) {
            throw new IllegalArgumentException("name at least one bundle to plan for");
        }
        FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        Map<Long, Bundle> triggers = new LinkedHashMap<>();
        for (Bundle b : bundles) {
            if (b.getBundleId() == 0) {
                throw new IllegalArgumentException("the system bundle cannot be planned for: refreshing it restarts the framework");
            }
            if (b.getState() == Bundle.UNINSTALLED && change != Refreshes.Change.REFRESH) {
                throw new IllegalArgumentException(BundleRefDTO.of(b).display() + " is uninstalled already");
            }
            triggers.put(b.getBundleId(), b);
        }
        Map<Long, Bundle> closure = new LinkedHashMap<>();
        for (Bundle b : fw.getDependencyClosure(triggers.values())) {
            closure.put(b.getBundleId(), b);
        }

        Map<Long, List<PlanReasonDTO>> reasons = new HashMap<>();
        Map<Long, List<Long>> dependents = new HashMap<>(); // provider → bundles affected through it
        for (Bundle b : closure.values()) {
            List<PlanReasonDTO> list = new ArrayList<>();
            if (triggers.containsKey(b.getBundleId())) {
                PlanReasonDTO r = new PlanReasonDTO();
                r.kind = "trigger";
                list.add(r);
            }
            for (BundleWiring wiring : wirings(b)) {
                addRequiredReasons(b, wiring, closure, list, dependents);
                addHostReasons(b, wiring, closure, list, dependents);
            }
            reasons.put(b.getBundleId(), dedupe(list));
        }

        Map<Long, Integer> depth = depths(triggers.keySet(), dependents);
        List<Bundle> ordered = new ArrayList<>(closure.values());
        ordered.sort(Comparator.<Bundle>comparingInt(b -> depth.getOrDefault(b.getBundleId(), Integer.MAX_VALUE))
                .thenComparingLong(Bundle::getBundleId));

        Map<Long, List<StrandedDTO>> stranded = change == Refreshes.Change.UNINSTALL
                ? Stranding.of(triggers, closure.values(), context.getBundles()) : Map.of();
        RefreshPlanDTO plan = new RefreshPlanDTO();
        plan.change = change.name();
        plan.triggers = new ArrayList<>();
        for (Bundle b : triggers.values()) {
            plan.triggers.add(BundleRefDTO.of(b));
        }
        plan.affected = new ArrayList<>();
        plan.servicesInUse = new ArrayList<>();
        for (Bundle b : ordered) {
            PlannedRestartDTO p = new PlannedRestartDTO();
            p.bundle = BundleRefDTO.of(b);
            p.state = Names.state(b.getState());
            p.removed = change == Refreshes.Change.UNINSTALL && triggers.containsKey(b.getBundleId());
            boolean active = b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING;
            p.restarts = active && !p.removed;
            p.reasons = reasons.getOrDefault(b.getBundleId(), List.of());
            p.components = active ? components(scr, b) : new ArrayList<>();
            p.services = new ArrayList<>();
            p.problems = new ArrayList<>();
            p.stranded = new ArrayList<>(stranded.getOrDefault(b.getBundleId(), List.of()));
            ServiceReference<?>[] registered = active ? b.getRegisteredServices() : null;
            if (registered != null) {
                for (ServiceReference<?> ref : registered) {
                    p.services.add(String.join(",", objectClass(ref)));
                    ServiceInUseDTO outside = outsideUsers(ref, b, closure);
                    if (outside != null) {
                        plan.servicesInUse.add(outside);
                    }
                }
            }
            if (change == Refreshes.Change.UNINSTALL && !p.removed) {
                p.problems.addAll(uninstallProblems(context, b, triggers, p.stranded));
            }
            plan.affected.add(p);
        }
        return plan;
    }

    /** @return the wirings of the bundle's revisions that are in use (current and removal-pending) */
    private static List<BundleWiring> wirings(Bundle b) {
        List<BundleWiring> out = new ArrayList<>();
        BundleRevisions revisions = b.adapt(BundleRevisions.class);
        if (revisions == null) {
            return out;
        }
        for (BundleRevision rev : revisions.getRevisions()) {
            BundleWiring w = rev.getWiring();
            if (w != null) {
                out.add(w);
            }
        }
        return out;
    }

    /** The bundle requires something from another affected bundle: a package, a bundle, a capability, a host. */
    private static void addRequiredReasons(Bundle b, BundleWiring wiring, Map<Long, Bundle> closure,
            List<PlanReasonDTO> list, Map<Long, List<Long>> dependents) {
        List<BundleWire> wires = wiring.getRequiredWires(null);
        if (wires == null) {
            return;
        }
        for (BundleWire w : wires) {
            Bundle provider = w.getProvider().getBundle();
            long pid = provider.getBundleId();
            if (pid == b.getBundleId() || !closure.containsKey(pid)) {
                continue;
            }
            String ns = w.getCapability().getNamespace();
            PlanReasonDTO r = new PlanReasonDTO();
            String kind = Names.wireKind(ns);
            r.kind = "host".equals(kind) ? "fragment" : kind; // b is a fragment attached to the provider
            r.namespace = ns;
            r.name = Names.capabilityName(w);
            r.version = Names.capabilityVersion(w.getCapability());
            r.through = Wires.ref(w.getProvider());
            list.add(r);
            dependents.computeIfAbsent(pid, k -> new ArrayList<>()).add(b.getBundleId());
        }
    }

    /** The bundle is the host of an affected fragment: refreshing the fragment refreshes its host. */
    private static void addHostReasons(Bundle b, BundleWiring wiring, Map<Long, Bundle> closure,
            List<PlanReasonDTO> list, Map<Long, List<Long>> dependents) {
        List<BundleWire> wires = wiring.getProvidedWires(HostNamespace.HOST_NAMESPACE);
        if (wires == null) {
            return;
        }
        for (BundleWire w : wires) {
            Bundle fragment = w.getRequirer().getBundle();
            long fid = fragment.getBundleId();
            if (fid == b.getBundleId() || !closure.containsKey(fid)) {
                continue;
            }
            PlanReasonDTO r = new PlanReasonDTO();
            r.kind = "host";
            r.namespace = HostNamespace.HOST_NAMESPACE;
            r.name = w.getRequirer().getSymbolicName();
            r.version = w.getRequirer().getVersion().toString();
            r.through = Wires.ref(w.getRequirer());
            list.add(r);
            dependents.computeIfAbsent(fid, k -> new ArrayList<>()).add(b.getBundleId());
        }
    }

    private static List<PlanReasonDTO> dedupe(List<PlanReasonDTO> list) {
        Map<String, PlanReasonDTO> seen = new LinkedHashMap<>();
        for (PlanReasonDTO r : list) {
            String key = r.kind + "|" + r.namespace + "|" + r.name + "|" + r.version + "|"
                    + (r.through == null ? "" : r.through.id + "/" + r.through.version);
            seen.putIfAbsent(key, r);
        }
        return new ArrayList<>(seen.values());
    }

    private static Map<Long, Integer> depths(Set<Long> triggers, Map<Long, List<Long>> dependents) {
        Map<Long, Integer> depth = new HashMap<>();
        Deque<Long> queue = new ArrayDeque<>();
        for (long t : triggers) {
            depth.put(t, 0);
            queue.add(t);
        }
        while (!queue.isEmpty()) {
            long id = queue.poll();
            for (long d : dependents.getOrDefault(id, List.of())) {
                if (!depth.containsKey(d)) {
                    depth.put(d, depth.get(id) + 1);
                    queue.add(d);
                }
            }
        }
        return depth;
    }

    private static List<String> components(ServiceComponentRuntime scr, Bundle b) {
        List<String> out = new ArrayList<>();
        if (scr == null) {
            return out;
        }
        try {
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED) {
                        out.add(d.name + " (" + (c.state == ComponentConfigurationDTO.ACTIVE ? "ACTIVE" : "SATISFIED") + ")");
                    }
                }
            }
        } catch (RuntimeException e) { // SCR going away meanwhile: the plan goes on without components
            out.add("? (Declarative Services did not answer: " + e.getMessage() + ")");
        }
        return out;
    }

    private static List<String> objectClass(ServiceReference<?> ref) {
        Object classes = ref.getProperty(Constants.OBJECTCLASS);
        return classes instanceof String[] ? List.of((String[]) classes) : List.of(String.valueOf(classes));
    }

    private static ServiceInUseDTO outsideUsers(ServiceReference<?> ref, Bundle registrant, Map<Long, Bundle> closure) {
        Bundle[] using = ref.getUsingBundles();
        if (using == null) {
            return null;
        }
        List<BundleRefDTO> outside = new ArrayList<>();
        for (Bundle u : using) {
            if (u.getBundleId() != registrant.getBundleId() && !closure.containsKey(u.getBundleId())) {
                outside.add(BundleRefDTO.of(u));
            }
        }
        if (outside.isEmpty()) {
            return null;
        }
        ServiceInUseDTO s = new ServiceInUseDTO();
        s.serviceId = ((Number) ref.getProperty(Constants.SERVICE_ID)).longValue();
        s.objectClass = objectClass(ref);
        s.registrant = BundleRefDTO.of(registrant);
        s.usingBundles = outside;
        return s;
    }

    /**
     * For a bundle in an uninstall plan, in plain words: what it is stranded by (nothing else provides a requirement
     * of it, see {@link Stranding}) and which optional requirements lose their only provider.
     */
    private static List<String> uninstallProblems(BundleContext context, Bundle b, Map<Long, Bundle> triggers,
            List<StrandedDTO> stranded) {
        Set<String> problems = new LinkedHashSet<>();
        for (StrandedDTO s : stranded) {
            String from = s.provider.display();
            if (HostNamespace.HOST_NAMESPACE.equals(s.namespace)) {
                problems.add("it is a fragment of " + from + (s.providerStranded ? ", which would not resolve either" : "")
                        + ": it stays unattached");
            } else {
                problems.add("nothing but " + from + (s.providerStranded ? ", which would not resolve either," : "")
                        + " provides its " + Stranding.describe(s) + ": it will not resolve again");
            }
        }
        BundleRevision current = b.adapt(BundleRevision.class);
        BundleWiring wiring = current == null ? null : current.getWiring();
        List<BundleWire> wires = wiring == null ? null : wiring.getRequiredWires(null);
        if (wires == null) {
            return new ArrayList<>(problems);
        }
        for (BundleWire w : wires) {
            Bundle provider = w.getProvider().getBundle();
            if (!triggers.containsKey(provider.getBundleId()) || Stranding.mandatory(w)
                    || Stranding.alternatives(w, triggers, context.getBundles()) > 0) {
                continue;
            }
            problems.add("its optional " + Names.wireKind(w.getCapability().getNamespace()) + " " + Names.capabilityName(w)
                    + " from " + BundleRefDTO.of(provider).display() + " goes away: nothing else provides it");
        }
        return new ArrayList<>(problems);
    }
}
