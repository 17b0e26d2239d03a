package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import aQute.bnd.differ.Baseline;
import aQute.bnd.memoize.Memoize;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;

/**
 * The API gate's baseline: it still finds an incompatible change of an exported package, and it never creates bnd's
 * shared executors, whose JVM shutdown hook would keep the deploy bundle's class loader after an update of Revisor.
 */
class ApiGateTest {
    @TempDir
    Path dir;

    @Test
    void aRemovedMethodIsAMajorChangeAndBndsExecutorsAreNeverCreated() throws Exception {
        File older = jar("1", "public String shout(String s) { return s.toUpperCase(); } public String quiet(String s) { return s; }");
        File newer = jar("2", "public String quiet(String s) { return s; }");

        Set<Baseline.Info> infos = ApiGate.baseline(older, newer);

        assertThat(infos).singleElement().satisfies(info -> {
            assertThat(info.packageName).isEqualTo("org.example.strings");
            assertThat(info.packageDiff.getDelta()).isEqualTo(Delta.MAJOR);
        });
        assertThat(bndExecutorsCreated())
                .as("bnd's executor group (and its shutdown hook 'Bnd-ExecutorShutdownHook') was created")
                .isFalse();
    }

    @Test
    void anUnchangedApiIsUnchanged() throws Exception {
        String body = "public String quiet(String s) { return s; }";
        Set<Baseline.Info> infos = ApiGate.baseline(jar("a", body), jar("b", body));

        assertThat(infos).singleElement().satisfies(info -> assertThat(info.packageDiff.getDelta()).isEqualTo(Delta.UNCHANGED));
    }

    /** bnd's static {@code Processor.executors}: the group is created on first use and registers the hook then. */
    private static boolean bndExecutorsCreated() throws ReflectiveOperationException {
        Field f = Processor.class.getDeclaredField("executors");
        f.setAccessible(true);
        return ((Memoize<?>) f.get(null)).isPresent();
    }

    /** A bundle exporting org.example.strings 1.0.0 with one class whose members are {@code body}. */
    private File jar(String label, String body) throws Exception {
        Path src = dir.resolve("src-" + label + "/org/example/strings/Strings.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package org.example.strings;\npublic class Strings {\n" + body + "\n}\n");
        Path classes = Files.createDirectories(dir.resolve("classes-" + label));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", classes.toString(), src.toString())).isZero();
        byte[] bytes = Fixtures.bundle("org.example.strings", "1.0.0").exports("org.example.strings;version=1.0.0")
                .variant(label)
                .entry("org/example/strings/Strings.class", Files.readAllBytes(classes.resolve("org/example/strings/Strings.class")))
                .build();
        Path jar = dir.resolve("strings-" + label + ".jar");
        Files.write(jar, bytes);
        return jar.toFile();
    }
}
