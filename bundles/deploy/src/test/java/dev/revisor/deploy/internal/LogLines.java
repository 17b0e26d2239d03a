package dev.revisor.deploy.internal;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

/**
 * An OSGi {@link Logger} that collects what it is given, {@code LEVEL message [args]}, one line per call (a dynamic
 * proxy: the interface has some fifty overloads and every one of them only records). Thread safe.
 */
final class LogLines {
    final List<String> lines = new CopyOnWriteArrayList<>();

    Logger logger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class}, (proxy, method, args) -> {
            String name = method.getName();
            if (name.startsWith("is") && method.getReturnType() == boolean.class) {
                return true;
            }
            if (name.equals("getName")) {
                return "deploy-test";
            }
            if (name.equals("toString")) {
                return "LogLines";
            }
            if (name.equals("hashCode")) {
                return System.identityHashCode(proxy);
            }
            if (name.equals("equals")) {
                return proxy == args[0];
            }
            lines.add(name.toUpperCase(java.util.Locale.ROOT) + " " + (args == null ? "" : Arrays.deepToString(args)));
            return null;
        });
    }
}
