package dev.revisor.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out {@code lib/heap-analyzer/} of a test runtime as the distribution holds it: the heap analyzer jar and its
 * runtime class path (Shark, Kotlin, Okio), copied from the test class path, where the kit's dependencies put them.
 * Runs in the test JVM before the framework starts.
 */
final class HeapAnalyzerLib {
    /** File name prefixes of the analyzer's jars (tools/heap-analyzer's runtime class path). */
    private static final String[] PREFIXES = {"revisor-heap-analyzer", "shark-", "kotlin-stdlib", "okio", "annotations-"};

    private HeapAnalyzerLib() {
    }

    /**
     * @param lib the runtime's lib/ folder
     * @return {@code lib}, with heap-analyzer/ filled, or {@code null} when the analyzer is not on the class path
     */
    static Path prepare(Path lib) {
        List<Path> jars = new ArrayList<>();
        boolean analyzer = false;
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.isBlank() || !entry.endsWith(".jar")) {
                continue;
            }
            Path jar = Paths.get(entry);
            String name = jar.getFileName().toString();
            for (String prefix : PREFIXES) {
                if (name.startsWith(prefix) && Files.isRegularFile(jar)) {
                    jars.add(jar);
                    analyzer |= prefix.equals(PREFIXES[0]);
                    break;
                }
            }
        }
        if (!analyzer) {
            return null;
        }
        Path dir = lib.resolve("heap-analyzer");
        try {
            Files.createDirectories(dir);
            for (Path jar : jars) {
                Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot lay out the heap analyzer in " + dir + ": " + e, e);
        }
        return lib;
    }
}
