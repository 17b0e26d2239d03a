package dev.revisor.audit.internal.operations;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open operations: per thread a stack of them (innermost last), and all of them by id. The stacks are immutable
 * lists replaced atomically through {@link ConcurrentHashMap#compute}, so the framework's threads push and pop without
 * a lock and the sweeper can re-check a thread's quiet time under the same per-key lock.
 * <p>
 * Owns: the stacks and the map of open operations. Runs on: any thread (framework threads push and touch; the
 * tracker's thread {@value OperationTracker#THREAD_NAME} pops what it ends). Concurrent Semantics: thread safe.
 */
final class OperationStacks {
    /** Open operations per thread, innermost last; the lists are immutable and replaced atomically. */
    private final Map<Thread, List<OperationState>> stacks = new ConcurrentHashMap<>();
    private final Map<String, OperationState> live = new ConcurrentHashMap<>();

    /** @return the innermost operation open on that thread, or {@code null} */
    OperationState top(Thread t) {
        List<OperationState> stack = stacks.get(t);
        return stack == null || stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    /** @return the operations open on that thread, innermost last (an immutable list) */
    List<OperationState> stack(Thread t) {
        return stacks.getOrDefault(t, List.of());
    }

    /** Opens an operation: on top of its thread's stack, and known by id. */
    void push(Thread t, OperationState s) {
        live.put(s.id, s);
        stacks.compute(t, (k, stack) -> {
            List<OperationState> next = stack == null ? new ArrayList<>() : new ArrayList<>(stack);
            next.add(s);
            return List.copyOf(next);
        });
    }

    /** Takes an operation off its thread's stack (it stays known by id until {@link #forget}). */
    void remove(Thread t, OperationState s) {
        if (t == null) {
            return;
        }
        stacks.computeIfPresent(t, (k, stack) -> {
            if (!stack.contains(s)) {
                return stack;
            }
            List<OperationState> next = new ArrayList<>(stack);
            next.remove(s);
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    /**
     * Takes an operation off its thread's stack if it has been quiet for {@code limitNanos}, re-checked under the
     * stack's lock so that an event attributed meanwhile keeps it open.
     *
     * @return whether it was quiet (and is off the stack now)
     */
    boolean removeIfQuiet(Thread t, OperationState s, long limitNanos) {
        boolean[] quiet = {false};
        stacks.computeIfPresent(t, (k, stack) -> {
            quiet[0] = System.nanoTime() - s.lastEventNanos() >= limitNanos;
            if (!quiet[0]) {
                return stack;
            }
            List<OperationState> next = new ArrayList<>(stack);
            next.remove(s);
            return next.isEmpty() ? null : List.copyOf(next);
        });
        return quiet[0];
    }

    /** Atomically: the top of the thread's stack, touched (so the sweeper does not end it under us). */
    OperationState touchTop(Thread t, long nanos) {
        OperationState[] top = new OperationState[1];
        stacks.computeIfPresent(t, (k, stack) -> {
            if (!stack.isEmpty()) {
                top[0] = stack.get(stack.size() - 1);
                top[0].touch(nanos);
            }
            return stack;
        });
        return top[0];
    }

    /** @return the first implicit operation open on a thread for which {@code which} is true, or {@code null} */
    OperationState implicitOn(java.util.function.Predicate<Thread> which) {
        for (Map.Entry<Thread, List<OperationState>> e : stacks.entrySet()) {
            if (which.test(e.getKey())) {
                for (OperationState s : e.getValue()) {
                    if (s.implicit) {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    /** @return the open operation of that id, or {@code null} */
    OperationState get(String id) {
        return live.get(id);
    }

    /** @return the open operations (a live view) */
    Collection<OperationState> open() {
        return live.values();
    }

    /** Forgets an ended operation. */
    void forget(OperationState s) {
        live.remove(s.id);
    }
}
