package dev.revisor.audit.internal.diagnostics;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;

import org.osgi.framework.wiring.BundleWiring;

/**
 * Reads which classes a wiring holds in its own content ({@link BundleWiring#listResources} with
 * {@link BundleWiring#LISTRESOURCES_LOCAL}: the bundle's class path and attached fragments, never imports).
 * <p>
 * A wiring's content never changes, so the result is kept per wiring, weakly: the cache never keeps an old revision
 * alive (Revisor reports revisions that stay alive after a refresh; its own cache must not be one of the reasons).
 * <p>
 * Concurrent Semantics: thread safe.
 */
final class LocalContent {
    private final Map<BundleWiring, Map<String, Set<String>>> cache = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * @param wiring a wiring, in use
     * @return package name to the simple names of its top-level classes, for every package with at least one
     *         class in the wiring's own content; empty when the wiring is no longer in use
     */
    Map<String, Set<String>> classesByPackage(BundleWiring wiring) {
        Map<String, Set<String>> known = cache.get(wiring);
        if (known != null) {
            return known;
        }
        Collection<String> resources = wiring.isInUse()
                ? wiring.listResources("/", "*.class", BundleWiring.LISTRESOURCES_LOCAL | BundleWiring.LISTRESOURCES_RECURSE)
                : null;
        Map<String, Set<String>> result = byPackage(resources);
        cache.put(wiring, result);
        return result;
    }

    /**
     * @param resources resource paths such as {@code org/example/utils/Text.class}
     * @return package name to top-level class simple names; inner classes, the default package, {@code META-INF}
     *         (multi-release copies included) and {@code package-info} / {@code module-info} are left out
     */
    static Map<String, Set<String>> byPackage(Collection<String> resources) {
        if (resources == null || resources.isEmpty()) {
            return Map.of();
        }
        Map<String, Set<String>> result = new HashMap<>();
        for (String resource : resources) {
            String path = resource.startsWith("/") ? resource.substring(1) : resource;
            int slash = path.lastIndexOf('/');
            if (slash <= 0 || !path.endsWith(".class") || path.startsWith("META-INF/") || path.startsWith("OSGI-INF/")) {
                continue;
            }
            String simple = path.substring(slash + 1, path.length() - ".class".length());
            if (simple.indexOf('$') >= 0 || simple.equals("package-info") || simple.equals("module-info")) {
                continue;
            }
            String pkg = path.substring(0, slash).replace('/', '.');
            if (!isPackageName(pkg)) {
                continue;
            }
            result.computeIfAbsent(pkg, k -> new TreeSet<>()).add(simple);
        }
        Map<String, Set<String>> frozen = new HashMap<>();
        result.forEach((k, v) -> frozen.put(k, Collections.unmodifiableSet(v)));
        return Collections.unmodifiableMap(frozen);
    }

    private static boolean isPackageName(String pkg) {
        for (String part : pkg.split("\\.")) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.charAt(0))) {
                return false;
            }
            for (int i = 1; i < part.length(); i++) {
                if (!Character.isJavaIdentifierPart(part.charAt(i))) {
                    return false;
                }
            }
        }
        return true;
    }
}
