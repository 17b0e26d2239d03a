package dev.revisor.testkit;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where {@link BundleVariant} writes the variants it builds, so that a test inside the framework finds them. Safe to
 * use inside the framework (it needs nothing but the JDK); the test JVM and the framework agree on the folder because
 * Pax Exam's native container runs both in one JVM.
 */
public final class Variants {
    /** System property naming the folder variants are written to; default {@code target/revisor-variants}. */
    public static final String FOLDER_PROPERTY = "revisor.testkit.variants";

    private Variants() {
    }

    /** @return the folder variants are written to, absolute */
    public static Path folder() {
        String folder = System.getProperty(FOLDER_PROPERTY);
        return (folder != null && !folder.isBlank() ? Paths.get(folder) : Paths.get("target", "revisor-variants")).toAbsolutePath();
    }

    /**
     * @param fileName a variant's file name as given to {@link BundleVariant#build(String)}
     * @return where it is
     */
    public static Path path(String fileName) {
        return folder().resolve(fileName);
    }
}
