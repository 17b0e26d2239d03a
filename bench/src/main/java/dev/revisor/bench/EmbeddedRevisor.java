package dev.revisor.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

/**
 * A Felix framework inside a JMH fork with the bundles of Revisor's core feature (from the bench distribution's
 * {@code system/}), optionally the 1,000 generated scale bundles, and handles on Revisor's services. The services are
 * called through method handles bound to the bundle's own API classes, so this module never compiles against
 * Revisor internals: a renamed method fails the benchmark run, not anybody's build.
 */
final class EmbeddedRevisor implements AutoCloseable {
    final Framework framework;
    final Path storage;

    EmbeddedRevisor(Path dist, Path scaleJars) throws Exception {
        storage = Files.createTempDirectory("revisor-jmh");
        Map<String, String> config = new HashMap<>();
        config.put("org.osgi.framework.storage", storage.resolve("cache").toString());
        config.put("org.osgi.framework.storage.clean", "onFirstInit");
        config.put("revisor.data", storage.resolve("data").toString());
        config.put("revisor.home", storage.toString());
        config.put("felix.fileinstall.dir", storage.resolve("deploy").toString());
        config.put("felix.fileinstall.poll", "250");
        config.put("felix.log.level", "0");
        Files.createDirectories(storage.resolve("deploy"));
        // Logback (revisor-core) reads JVM system properties, as the launcher sets them (LogSetup): without them it
        // would log everything at DEBUG to standard output
        System.setProperty("revisor.home", storage.toString());
        System.setProperty("revisor.data", storage.resolve("data").toString());
        System.setProperty("logback.configurationFile", dist.resolve("etc/logback.xml").toString());
        framework = new org.apache.felix.framework.FrameworkFactory().newFramework(config);
        framework.start();
        BundleContext ctx = framework.getBundleContext();
        List<Feature.Entry> core = new ArrayList<>(Feature.read(dist.resolve("features/revisor-core.json")));
        core.sort(Comparator.comparingInt(Feature.Entry::startOrder));
        List<Bundle> installed = new ArrayList<>();
        for (Feature.Entry e : core) {
            installed.add(ctx.installBundle(e.in(dist.resolve("system")).toUri().toString()));
        }
        if (scaleJars != null) {
            try (Stream<Path> s = Files.list(scaleJars)) {
                for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    installed.add(ctx.installBundle(jar.toUri().toString()));
                }
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get("Fragment-Host") == null) {
                b.start();
            }
        }
    }

    /** Waits for a service registered under the interface name and returns it (from the bundle's own class space). */
    Object service(String interfaceName) throws InterruptedException {
        BundleContext ctx = framework.getBundleContext();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            ServiceReference<?> ref = ctx.getServiceReference(interfaceName);
            if (ref != null) {
                Object service = ctx.getService(ref);
                if (service != null) {
                    return service;
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no " + interfaceName + " service within 60 s");
    }

    /** A handle on an interface method, adapted to take the service as Object and return Object. */
    static MethodHandle handle(Object service, String interfaceName, String method, Class<?>... parameters) throws Exception {
        Class<?> api = null;
        for (Class<?> c = service.getClass(); c != null && api == null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(interfaceName)) {
                    api = i;
                }
            }
        }
        if (api == null) {
            throw new IllegalStateException(service.getClass() + " does not implement " + interfaceName);
        }
        MethodHandle mh = MethodHandles.publicLookup().unreflect(api.getMethod(method, parameters));
        Class<?>[] generic = new Class<?>[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            generic[i] = parameters[i].isPrimitive() ? parameters[i] : parameters[i];
        }
        return mh.asType(MethodType.methodType(Object.class, Object.class).appendParameterTypes(generic));
    }

    Bundle bundle(String bsn) {
        for (Bundle b : framework.getBundleContext().getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalStateException("no bundle " + bsn);
    }

    @Override
    public void close() throws BundleException, InterruptedException, IOException {
        framework.stop();
        framework.waitForStop(30_000);
        Context.deleteTree(storage);
    }
}
