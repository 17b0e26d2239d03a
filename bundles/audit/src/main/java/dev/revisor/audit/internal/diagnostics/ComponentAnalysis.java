package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import dev.revisor.audit.api.ComponentProblemDTO;
import dev.revisor.audit.api.ReferenceProblemDTO;

/**
 * Finds the Declarative Services components of a bundle that provide nothing, from {@link ServiceComponentRuntime}'s
 * DTOs, and says why in plain words.
 * <p>
 * Concurrent Semantics: stateless, thread safe.
 */
final class ComponentAnalysis {

    /** One registered service, as far as a reference cares. */
    static final class Service {
        /** Its properties, keys case-insensitive. */
        final Map<String, Object> properties;
        /** Whether the component's bundle can use it (same class space for the interface's package). */
        final boolean assignable;

        Service(Map<String, Object> properties, boolean assignable) {
            this.properties = properties;
            this.assignable = assignable;
        }
    }

    private final ServiceComponentRuntime scr;
    private final Function<String, List<Service>> services;

    /**
     * @param scr      the DS runtime
     * @param services interface name to every registered service of it (in any class space)
     */
    ComponentAnalysis(ServiceComponentRuntime scr, Function<String, List<Service>> services) {
        this.scr = scr;
        this.services = services;
    }

    /**
     * @param descriptions the bundle's component descriptions
     * @return the components that are disabled, wait for configuration or references, or failed to activate
     */
    List<ComponentProblemDTO> problems(Collection<ComponentDescriptionDTO> descriptions) {
        List<ComponentProblemDTO> result = new ArrayList<>();
        for (ComponentDescriptionDTO d : descriptions) {
            if (!scr.isComponentEnabled(d)) {
                result.add(problem(d.name, "disabled", "component " + d.name + " is disabled"
                        + (d.defaultEnabled ? " (someone disabled it at run time)" : " (its description says enabled=\"false\")")));
                continue;
            }
            Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(d);
            if (configurations.isEmpty()) {
                if ("require".equals(d.configurationPolicy)) {
                    result.add(problem(d.name, "unsatisfied-configuration", "component " + d.name
                            + " waits for a configuration with PID " + String.join(", ", d.configurationPid)
                            + " (its configuration policy is require)"));
                }
                continue;
            }
            for (ComponentConfigurationDTO c : configurations) {
                switch (c.state) {
                    case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION:
                        result.add(problem(d.name, "unsatisfied-configuration", "component " + d.name
                                + " waits for a configuration with PID " + String.join(", ", d.configurationPid)));
                        break;
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE:
                        result.add(unsatisfied(d, c));
                        break;
                    case ComponentConfigurationDTO.FAILED_ACTIVATION:
                        ComponentProblemDTO p = problem(d.name, "failed-activation", "component " + d.name
                                + " failed to activate" + (c.failure == null ? "" : ": " + firstLine(c.failure)));
                        p.failure = c.failure;
                        result.add(p);
                        break;
                    default:
                        break; // satisfied or active
                }
            }
        }
        return result;
    }

    private ComponentProblemDTO unsatisfied(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        ComponentProblemDTO p = problem(d.name, "unsatisfied-reference", null);
        List<String> parts = new ArrayList<>();
        for (UnsatisfiedReferenceDTO u : c.unsatisfiedReferences == null ? new UnsatisfiedReferenceDTO[0] : c.unsatisfiedReferences) {
            ReferenceDTO ref = Arrays.stream(d.references == null ? new ReferenceDTO[0] : d.references)
                    .filter(r -> r.name.equals(u.name)).findFirst().orElse(null);
            ReferenceProblemDTO rp = new ReferenceProblemDTO();
            rp.name = u.name;
            rp.interfaceName = ref == null ? null : ref.interfaceName;
            rp.target = u.target != null ? u.target : ref == null ? null : ref.target;
            rp.cardinality = ref == null ? null : ref.cardinality;
            List<Service> all = rp.interfaceName == null ? List.of() : services.apply(rp.interfaceName);
            rp.registered = all.size();
            int usable = 0;
            for (Service s : all) {
                if (rp.target == null || Filters.evaluate(rp.target, s.properties)) {
                    rp.matchingTarget++;
                    if (s.assignable) {
                        usable++;
                    }
                }
            }
            rp.reason = referenceReason(rp, usable);
            p.references.add(rp);
            parts.add(rp.reason);
        }
        p.reason = "component " + d.name + " is not satisfied: " + (parts.isEmpty() ? "a reference is missing" : String.join("; ", parts));
        return p;
    }

    static String referenceReason(ReferenceProblemDTO rp, int usable) {
        String needs = "reference " + rp.name + " needs " + (rp.cardinality != null && rp.cardinality.endsWith("..n") ? "services " : "a service ")
                + rp.interfaceName + (rp.target == null ? "" : " matching " + rp.target);
        if (rp.registered == 0) {
            return needs + ", and no service of " + rp.interfaceName + " is registered";
        }
        if (rp.matchingTarget == 0) {
            return needs + ": " + rp.registered + " service(s) of " + rp.interfaceName + " are registered, none matches the target";
        }
        if (usable == 0) {
            return needs + ": " + rp.matchingTarget + " matching service(s) are registered, but in another class space"
                    + " (the bundle is wired to a different exporter of " + packageOf(rp.interfaceName) + ")";
        }
        return needs + ": " + usable + " matching service(s) are registered, fewer than cardinality " + rp.cardinality + " needs";
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(0, dot);
    }

    private static ComponentProblemDTO problem(String name, String state, String reason) {
        ComponentProblemDTO p = new ComponentProblemDTO();
        p.name = name;
        p.state = state;
        p.reason = reason;
        p.references = new ArrayList<>();
        return p;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).trim();
    }
}
