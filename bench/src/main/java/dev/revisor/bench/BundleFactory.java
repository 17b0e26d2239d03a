package dev.revisor.bench;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.EmbeddedResource;
import aQute.bnd.osgi.Jar;

/**
 * Builds the bundles the benchmarks need with bnd, from this jar's own classes: the probe (package
 * {@code dev.revisor.bench.probe}) and small plugin fixtures ({@code dev.revisor.bench.fixture}). bnd computes
 * every manifest; nothing is hand-written.
 */
public final class BundleFactory {
    static final String PROBE_BSN = "dev.revisor.bench.probe";

    private final File benchClasses;
    private final List<File> apiJars;

    /** @param apiJars jars that export what the bundles import (Gogo runtime, the framework), for versioned ranges */
    public BundleFactory(List<File> apiJars) {
        this.benchClasses = codeSource();
        this.apiJars = apiJars;
    }

    public static File codeSource() {
        try {
            return Paths.get(BundleFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Path probe(Path out) {
        Map<String, String> i = new LinkedHashMap<>();
        i.put(Constants.BUNDLE_SYMBOLICNAME, PROBE_BSN);
        i.put(Constants.BUNDLE_VERSION, "1.0.0");
        i.put(Constants.PRIVATEPACKAGE, "dev.revisor.bench.probe");
        i.put(Constants.BUNDLE_ACTIVATOR, "dev.revisor.bench.probe.ProbeActivator");
        i.put(Constants.IMPORT_PACKAGE, "org.apache.felix.service.command;resolution:=optional,*");
        return build(out, i);
    }

    /** A small plugin: an activator that registers one service; {@code marker} makes the content differ. */
    Path plugin(Path out, String bsn, String version, String marker) {
        Map<String, String> i = new LinkedHashMap<>();
        i.put(Constants.BUNDLE_SYMBOLICNAME, bsn);
        i.put(Constants.BUNDLE_VERSION, version);
        i.put(Constants.PRIVATEPACKAGE, "dev.revisor.bench.fixture");
        i.put(Constants.BUNDLE_ACTIVATOR, "dev.revisor.bench.fixture.PluginActivator");
        i.put(Constants.INCLUDERESOURCE, "marker.txt;literal='" + marker + "'");
        return build(out, i);
    }

    /**
     * A bundle of the fault campaign (package {@code dev.revisor.bench.faults}): the given bnd instructions, the given
     * generated classes (internal name to class file bytes, see {@link ClassFile}) and, on bnd's class path, the
     * given jars (the libraries its classes refer to, so that bnd writes versioned import ranges).
     */
    public Path bundle(Path out, Map<String, String> instructions, Map<String, byte[]> classes, List<File> classpath) {
        try (Jar generated = new Jar("generated")) {
            classes.forEach((name, bytes) -> generated.putResource(name + ".class", new EmbeddedResource(bytes, 0L)));
            return build(out, instructions, generated, classpath);
        }
    }

    private Path build(Path out, Map<String, String> instructions) {
        return build(out, instructions, null, List.of());
    }

    private Path build(Path out, Map<String, String> instructions, Jar generated, List<File> classpath) {
        try (Builder builder = new Builder()) {
            if (generated != null) {
                builder.addClasspath(generated);
            }
            builder.addClasspath(benchClasses);
            for (File jar : classpath) {
                builder.addClasspath(jar);
            }
            for (File api : apiJars) {
                builder.addClasspath(api);
            }
            builder.setProperty(Constants.NOEXTRAHEADERS, "true");
            builder.setProperty("-noimportjava", "true");
            builder.setProperty(Constants.REPRODUCIBLE, "true");
            instructions.forEach(builder::setProperty);
            Jar jar = builder.build();
            if (!builder.isOk()) {
                throw new IllegalStateException("bnd could not build " + out + ": " + builder.getErrors());
            }
            Files.createDirectories(out.getParent());
            jar.write(out.toFile());
            return out;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("bnd could not build " + out + ": " + e, e);
        }
    }
}
