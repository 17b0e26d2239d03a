package dev.revisor.common.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyTest {
    @Test
    void theValueIsMadeOnTheFirstUseOnlyAndOnceForAllThreads() throws Exception {
        AtomicInteger made = new AtomicInteger();
        Lazy<Object> lazy = new Lazy<>(() -> {
            made.incrementAndGet();
            return new Object();
        });
        assertThat(made).hasValue(0);
        assertThat(lazy.made()).isFalse();
        CountDownLatch go = new CountDownLatch(1);
        List<Object> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add(lazy.get());
            }, "lazy-test-" + i);
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(5000);
        }
        assertThat(made).hasValue(1);
        assertThat(seen).hasSize(8).containsOnly(lazy.get());
        assertThat(lazy.made()).isTrue();
    }

    @Test
    void aFailureGoesToTheCallerAndTheNextCallTriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        Lazy<String> lazy = new Lazy<>(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("not yet");
            }
            return "made";
        });
        assertThatThrownBy(lazy::get).isInstanceOf(IllegalStateException.class).hasMessage("not yet");
        assertThat(lazy.get()).isEqualTo("made");
        assertThat(lazy.get()).isEqualTo("made");
        assertThat(calls).hasValue(2);
    }
}
