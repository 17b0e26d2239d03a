package dev.revisor.common.internal;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value made on its first use, once, by whichever thread asks first: for what a component would otherwise make in
 * its constructor although nothing needs it when the bundle starts (Gson, the JVM's management beans). The supplier
 * runs at most once if it returns; if it throws, the exception goes to that caller and the next call tries again.
 * <p>
 * Owns: nothing. Runs: the supplier on the first caller's thread. Concurrent Semantics: thread safe.
 *
 * @param <T> the value's type
 */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<? extends T> make;
    private volatile T value;

    /** @param make makes the value; must not return null */
    public Lazy(Supplier<? extends T> make) {
        this.make = Objects.requireNonNull(make, "make");
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = Objects.requireNonNull(make.get(), "Lazy: the supplier returned null");
                    value = v;
                }
            }
        }
        return v;
    }

    /** @return whether the value has been made (for tests and diagnostics) */
    public boolean made() {
        return value != null;
    }
}
