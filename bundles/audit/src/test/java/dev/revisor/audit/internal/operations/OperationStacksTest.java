package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class OperationStacksTest {
    private final OperationStacks stacks = new OperationStacks();
    private final Thread t = Thread.currentThread();

    private OperationState op(String id, boolean implicit, long nanos) {
        return new OperationState(id, "update", "shell:x", null, implicit, t, Instant.now(), nanos, null);
    }

    @Test
    void theInnermostOperationIsOnTop() {
        OperationState outer = op("op-1", false, System.nanoTime());
        OperationState inner = op("op-2", false, System.nanoTime());
        stacks.push(t, outer);
        stacks.push(t, inner);
        assertThat(stacks.top(t)).isSameAs(inner);
        assertThat(stacks.stack(t)).containsExactly(outer, inner);

        stacks.remove(t, inner);
        assertThat(stacks.top(t)).isSameAs(outer);
        assertThat(stacks.get("op-2")).as("known by id until forgotten").isSameAs(inner);
        stacks.forget(inner);
        assertThat(stacks.get("op-2")).isNull();
    }

    @Test
    void anOperationTouchedMeanwhileIsNotQuiet() {
        OperationState s = op("op-1", true, System.nanoTime());
        stacks.push(t, s);
        stacks.touchTop(t, System.nanoTime());
        assertThat(stacks.removeIfQuiet(t, s, 60_000_000_000L)).isFalse();
        assertThat(stacks.top(t)).isSameAs(s);
        assertThat(stacks.removeIfQuiet(t, s, 0)).isTrue();
        assertThat(stacks.top(t)).isNull();
    }

    @Test
    void theImplicitOperationOfAThreadIsFoundByWhichThread() {
        OperationState explicit = op("op-1", false, System.nanoTime());
        OperationState implicit = op("op-2", true, System.nanoTime());
        stacks.push(t, explicit);
        stacks.push(t, implicit);
        assertThat(stacks.implicitOn(x -> x == t)).isSameAs(implicit);
        assertThat(stacks.implicitOn(x -> false)).isNull();
    }
}
