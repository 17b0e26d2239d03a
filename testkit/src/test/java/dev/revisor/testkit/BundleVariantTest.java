package dev.revisor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BundleVariant against a real bundle of the reactor (example-utils-1, org.example.utils 1.0.0): what a variant keeps,
 * what it changes, and what it says about bad input.
 */
class BundleVariantTest {
    @TempDir
    Path variants;

    private Path utils() throws Exception {
        Class<?> text = Class.forName("org.example.utils.Text");
        return Paths.get(text.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private Attributes manifest(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.getManifest().getMainAttributes();
        }
    }

    @Test
    void aVariantHasTheNewVersionTheChangedClassAndTheOriginalExports() throws Exception {
        System.setProperty(Variants.FOLDER_PROPERTY, variants.toString());
        try {
            Path jar = BundleVariant.of(utils())
                    .version("1.0.1")
                    .source("org.example.utils.Extra", "package org.example.utils;\n"
                            + "public class Extra { public static Object v() { return org.osgi.framework.Version.emptyVersion; } }")
                    .build("utils-1.0.1.jar");
            assertThat(jar).isEqualTo(Variants.path("utils-1.0.1.jar")).exists();
            Attributes m = manifest(jar);
            assertThat(m.getValue("Bundle-SymbolicName")).isEqualTo("org.example.utils");
            assertThat(m.getValue("Bundle-Version")).isEqualTo("1.0.1");
            assertThat(m.getValue("Export-Package")).contains("org.example.utils;version=\"1.0.0\"");
            // the changed class uses a package the original did not: bnd imports it
            assertThat(m.getValue("Import-Package")).contains("org.osgi.framework");
            try (JarFile f = new JarFile(jar.toFile())) {
                assertThat(f.getEntry("org/example/utils/Extra.class")).isNotNull();
                assertThat(f.getEntry("org/example/utils/Text.class")).isNotNull();
            }
        } finally {
            System.clearProperty(Variants.FOLDER_PROPERTY);
        }
    }

    @Test
    void aSourceThatDoesNotCompileFailsWithJavacsMessage() throws Exception {
        BundleVariant variant = BundleVariant.of(utils()).source("org.example.utils.Broken",
                "package org.example.utils;\npublic class Broken { int x = \"no\"; }");
        assertThatThrownBy(() -> variant.build("broken.jar"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[org.example.utils.Broken] do not compile")
                .hasMessageContaining("Broken.java:2: ");
    }

    @Test
    void aMissingBundleIsNamed() {
        assertThatThrownBy(() -> BundleVariant.of(Paths.get("target/no-such.jar")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no bundle at target/no-such.jar");
    }
}
