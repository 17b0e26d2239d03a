package org.example.registry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A static registry, the way many libraries keep listeners. Whatever a bundle registers here stays reachable from
 * this class until it is unregistered: a bundle that forgets to do so in stop() leaks its class loader.
 */
public final class Registry {
    private static final List<Object> LISTENERS = new CopyOnWriteArrayList<>();

    private Registry() {
    }

    /** @param listener an object to keep until {@link #unregister} */
    public static void register(Object listener) {
        LISTENERS.add(listener);
    }

    /** @param listener an object registered before */
    public static void unregister(Object listener) {
        LISTENERS.remove(listener);
    }

    /** @return how many objects are registered */
    public static int size() {
        return LISTENERS.size();
    }
}
