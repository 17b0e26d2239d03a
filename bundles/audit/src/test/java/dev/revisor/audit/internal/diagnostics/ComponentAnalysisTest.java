package dev.revisor.audit.internal.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import dev.revisor.audit.api.ComponentProblemDTO;
import dev.revisor.audit.api.ReferenceProblemDTO;

/** The DS runtime is mocked: it only hands out the DTOs built here, which is all the analysis reads from it. */
class ComponentAnalysisTest {
    private static final String GREETER = "org.example.greeting.Greeter";
    private final ServiceComponentRuntime scr = mock(ServiceComponentRuntime.class);

    private static ComponentDescriptionDTO description(String name) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.defaultEnabled = true;
        d.configurationPolicy = "optional";
        d.configurationPid = new String[] {name};
        ReferenceDTO ref = new ReferenceDTO();
        ref.name = "klingon";
        ref.interfaceName = GREETER;
        ref.cardinality = "1..1";
        ref.target = "(greeter.language=tlh)";
        d.references = new ReferenceDTO[] {ref};
        return d;
    }

    private ComponentConfigurationDTO configuration(ComponentDescriptionDTO d, int state) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.description = d;
        c.state = state;
        c.unsatisfiedReferences = new UnsatisfiedReferenceDTO[0];
        when(scr.isComponentEnabled(d)).thenReturn(true);
        when(scr.getComponentConfigurationDTOs(d)).thenReturn(List.of(c));
        return c;
    }

    private static ComponentAnalysis.Service greeter(String language, boolean assignable) {
        Map<String, Object> props = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        props.put("objectClass", new String[] {GREETER});
        props.put("greeter.language", language);
        return new ComponentAnalysis.Service(props, assignable);
    }

    private static UnsatisfiedReferenceDTO unsatisfied() {
        UnsatisfiedReferenceDTO u = new UnsatisfiedReferenceDTO();
        u.name = "klingon";
        u.target = "(greeter.language=tlh)";
        return u;
    }

    @Test
    void anUnsatisfiedReferenceCountsWhatIsRegisteredAndWhatMatches() {
        ComponentDescriptionDTO d = description("Translating");
        configuration(d, ComponentConfigurationDTO.UNSATISFIED_REFERENCE).unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {unsatisfied()};
        List<ComponentProblemDTO> problems = new ComponentAnalysis(scr,
                iface -> List.of(greeter("en", true), greeter("en", true), greeter("de", true))).problems(List.of(d));

        assertThat(problems).hasSize(1);
        ComponentProblemDTO p = problems.get(0);
        assertThat(p.state).isEqualTo("unsatisfied-reference");
        ReferenceProblemDTO ref = p.references.get(0);
        assertThat(ref.interfaceName).isEqualTo(GREETER);
        assertThat(ref.cardinality).isEqualTo("1..1");
        assertThat(ref.registered).isEqualTo(3);
        assertThat(ref.matchingTarget).isZero();
        assertThat(p.reason).isEqualTo("component Translating is not satisfied: reference klingon needs a service " + GREETER
                + " matching (greeter.language=tlh): 3 service(s) of " + GREETER + " are registered, none matches the target");
    }

    @Test
    void noServiceAtAll() {
        ComponentDescriptionDTO d = description("Translating");
        configuration(d, ComponentConfigurationDTO.UNSATISFIED_REFERENCE).unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {unsatisfied()};
        ComponentProblemDTO p = new ComponentAnalysis(scr, iface -> List.of()).problems(List.of(d)).get(0);
        assertThat(p.references.get(0).reason).endsWith("and no service of " + GREETER + " is registered");
    }

    @Test
    void aMatchingServiceFromAnotherClassSpaceIsNamedAsSuch() {
        ComponentDescriptionDTO d = description("Translating");
        configuration(d, ComponentConfigurationDTO.UNSATISFIED_REFERENCE).unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {unsatisfied()};
        ComponentProblemDTO p = new ComponentAnalysis(scr, iface -> List.of(greeter("tlh", false))).problems(List.of(d)).get(0);
        assertThat(p.references.get(0).matchingTarget).isEqualTo(1);
        assertThat(p.references.get(0).reason).contains("in another class space").contains("org.example.greeting");
    }

    @Test
    void disabledWaitingAndFailedComponentsAreReported() {
        ComponentDescriptionDTO disabled = description("Disabled");
        disabled.defaultEnabled = false;
        when(scr.isComponentEnabled(disabled)).thenReturn(false);

        ComponentDescriptionDTO waiting = description("Waiting");
        waiting.configurationPolicy = "require";
        when(scr.isComponentEnabled(waiting)).thenReturn(true);
        when(scr.getComponentConfigurationDTOs(waiting)).thenReturn(List.of());

        ComponentDescriptionDTO failed = description("Failed");
        configuration(failed, ComponentConfigurationDTO.FAILED_ACTIVATION).failure = "java.lang.IllegalStateException: boom\n\tat x.Y.activate";

        ComponentDescriptionDTO fine = description("Fine");
        configuration(fine, ComponentConfigurationDTO.ACTIVE);

        List<ComponentProblemDTO> problems = new ComponentAnalysis(scr, iface -> List.of())
                .problems(List.of(disabled, waiting, failed, fine));
        assertThat(problems).extracting(p -> p.state).containsExactly("disabled", "unsatisfied-configuration", "failed-activation");
        assertThat(problems.get(0).reason).isEqualTo("component Disabled is disabled (its description says enabled=\"false\")");
        assertThat(problems.get(1).reason).isEqualTo("component Waiting waits for a configuration with PID Waiting (its configuration policy is require)");
        assertThat(problems.get(2).reason).isEqualTo("component Failed failed to activate: java.lang.IllegalStateException: boom");
        assertThat(problems.get(2).failure).contains("at x.Y.activate");
    }
}
