package dev.revisor.deploy.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

class ComponentWatchTest {
    private static final int ACTIVE = ComponentConfigurationDTO.ACTIVE;
    private final ComponentWatch watch = new ComponentWatch(null);

    private static ComponentWatch.State state(String name, boolean modifiedMethod, String policy, int state,
            Map<String, Object> values, String failure) {
        return new ComponentWatch.State(name, 7, "b/1.0.0 [7]", modifiedMethod, policy, 3, state, values, failure, true);
    }

    private static ComponentWatch.Snapshot snap(ComponentWatch.State... states) {
        Map<String, List<ComponentWatch.State>> m = new LinkedHashMap<>();
        for (ComponentWatch.State s : states) {
            m.put(s.name(), List.of(s));
        }
        return new ComponentWatch.Snapshot(m);
    }

    @Test
    void aModifiedMethodModifiesAndWithoutOneTheComponentIsReactivated() {
        ComponentWatch.Effects fx = watch.compare(
                snap(state("a.Server", true, "require", ACTIVE, Map.of("port", "1"), null),
                        state("a.Worker", false, "optional", ACTIVE, Map.of("port", "1"), null)),
                snap(state("a.Server", true, "require", ACTIVE, Map.of("port", "2"), null),
                        state("a.Worker", false, "optional", ACTIVE, Map.of("port", "2"), null)), false);
        assertThat(fx.modified).containsExactly("a.Server [7]");
        assertThat(fx.reactivated).containsExactly("a.Worker [7]");
        assertThat(fx.failures).isEmpty();
    }

    @Test
    void aComponentThatWasActiveAndIsNotIsAFailureNamedByItsRootCause() {
        String trace = "java.lang.reflect.InvocationTargetException\n\tat x.y\nCaused by: java.lang.IllegalArgumentException: needs a thread\n";
        ComponentWatch.Effects fx = watch.compare(snap(state("a.Worker", false, "optional", ACTIVE, Map.of(), null)),
                snap(state("a.Worker", false, "optional", ComponentConfigurationDTO.FAILED_ACTIVATION, Map.of(), trace)), false);
        assertThat(fx.deactivated).containsExactly("a.Worker [7]");
        assertThat(fx.failures).containsExactly("a.Worker [7]: its activation failed: java.lang.IllegalArgumentException: needs a thread");
    }

    @Test
    void deletingARequiredConfigurationDeactivatesWithoutFailure() {
        ComponentWatch.Effects fx = watch.compare(snap(state("a.Pool", false, "require", ACTIVE, Map.of(), null)),
                snap(state("a.Pool", false, "require", ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION, Map.of(), null)), true);
        assertThat(fx.deactivated).containsExactly("a.Pool [7]");
        assertThat(fx.failures).isEmpty();
    }

    @Test
    void settledOnceEveryActiveComponentRunsWithTheValues() {
        Map<String, Object> expected = Map.of("port", "2");
        assertThat(watch.settled(snap(state("a.Server", true, "require", ACTIVE, Map.of("port", "1"), null)), expected)).isFalse();
        assertThat(watch.settled(snap(state("a.Server", true, "require", ACTIVE, Map.of("port", "2"), null)), expected)).isTrue();
        assertThat(watch.settled(snap(state("a.Server", true, "require", ComponentConfigurationDTO.FAILED_ACTIVATION, Map.of(),
                null)), expected)).isTrue();
    }
}
