package dev.revisor.itests;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Jar;

/**
 * Builds fixture bundles with bnd from classes of this module's test sources, in the test JVM before the
 * framework starts (call it from a {@code @Configuration} method). bnd computes the manifest, as for every
 * real bundle: no hand-written MANIFEST.MF. Tests find the jars in the folder named by the
 * {@code revisor.itest.fixtures} system property, which the framework sees too.
 */
public final class Fixtures {
    private final Map<String, String> instructions = new LinkedHashMap<>();
    private final String file;

    private Fixtures(String file) {
        this.file = file;
    }

    /** @param file the jar's file name in the fixtures folder */
    public static Fixtures jar(String file) {
        return new Fixtures(file);
    }

    public Fixtures symbolicName(String bsn) {
        return set(Constants.BUNDLE_SYMBOLICNAME, bsn);
    }

    public Fixtures version(String version) {
        return set(Constants.BUNDLE_VERSION, version);
    }

    /** @param packages packages of the test sources to put inside, private */
    public Fixtures privatePackages(String packages) {
        return set(Constants.PRIVATEPACKAGE, packages);
    }

    public Fixtures exportPackages(String packages) {
        return set(Constants.EXPORT_PACKAGE, packages);
    }

    public Fixtures activator(Class<?> activator) {
        return set(Constants.BUNDLE_ACTIVATOR, activator.getName());
    }

    /** Any bnd instruction or manifest header. */
    public Fixtures set(String key, String value) {
        instructions.put(key, value);
        return this;
    }

    /** @return the folder fixtures are written to */
    public static Path folder() {
        return Paths.get(RevisorTestSupport.required("revisor.itest.fixtures"));
    }

    /** @return the path of the jar this test's configuration built */
    public static Path path(String file) {
        return folder().resolve(file);
    }

    /**
     * Builds the jar (again, if it exists: fixtures are cheap).
     *
     * @return where it was written
     */
    public Path build() {
        Path out = folder().resolve(file);
        try (Builder builder = new Builder()) {
            builder.addClasspath(new File(RevisorTestSupport.required("revisor.itest.classes")));
            builder.setProperty(Constants.NOEXTRAHEADERS, "true");
            builder.setProperty("-noimportjava", "true");
            instructions.forEach(builder::setProperty);
            Jar jar = builder.build();
            if (!builder.isOk()) {
                throw new IllegalStateException("bnd could not build fixture " + file + ": " + builder.getErrors());
            }
            Files.createDirectories(out.getParent());
            jar.write(out.toFile());
            return out;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("bnd could not build fixture " + file + ": " + e, e);
        }
    }
}
