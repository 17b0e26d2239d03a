package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureReaderTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path file = dir.resolve("f.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void readsIdNameBundlesAndStartOrders() throws Exception {
        Feature feature = FeatureReader.read(write("{\n"
                + "  // comments are allowed in feature files\n"
                + "  \"feature-resource-version\": \"1.0\",\n"
                + "  \"id\": \"dev.revisor:demo:1.2.3\",\n"
                + "  \"name\": \"Demo\",\n"
                + "  \"bundles\": [\n"
                + "    {\"id\": \"org.example:a:1.0\", \"start-order\": 3},\n"
                + "    {\"id\": \"org.example:b:2.0\", \"start-order\": \"4\"},\n"
                + "    \"org.example:c:zip:sources:3.0\",\n"
                + "    {\"id\": \"org.example:d:4.0\"}\n"
                + "  ]\n"
                + "}\n"));
        assertThat(feature.id()).isEqualTo(new ArtifactId("dev.revisor", "demo", "1.2.3", "jar", null));
        assertThat(feature.name()).isEqualTo("Demo");
        assertThat(feature.bundles()).extracting(b -> b.id().toString() + "@" + b.startOrder()).containsExactly(
                "org.example:a:1.0@3", "org.example:b:2.0@4", "org.example:c:zip:sources:3.0@1", "org.example:d:4.0@1");
        assertThat(feature.bundles().get(2).id().pathIn(Path.of("/sys")))
                .isEqualTo(Path.of("/sys/org/example/c/3.0/c-3.0-sources.zip"));
        assertThat(feature.configurations()).isEmpty();
    }

    @Test
    void readsTheShippedFeatures() throws Exception {
        Feature core = FeatureReader.read(TestDistribution.stagedFeatures().resolve("revisor-core.json"));
        assertThat(core.id().artifactId()).isEqualTo("revisor-core");
        assertThat(core.bundles()).extracting(b -> b.id().artifactId()).contains("org.apache.felix.scr",
                "dev.revisor.audit", "dev.revisor.shell", "org.apache.felix.fileinstall");
        assertThat(core.bundles()).allSatisfy(b -> assertThat(b.startOrder()).isBetween(1, 5));
        Feature console = FeatureReader.read(TestDistribution.stagedFeatures().resolve("revisor-console.json"));
        assertThat(console.bundles()).extracting(b -> b.id().artifactId())
                .containsExactlyInAnyOrder("jline", "org.apache.felix.gogo.jline");
        assertThat(console.bundles()).allSatisfy(b -> assertThat(b.startOrder()).isEqualTo(6));
    }

    @Test
    void malformedJsonNamesTheFileAndThePlace() throws Exception {
        Path file = write("{\n  \"id\": \"a:b:1\",\n  \"bundles\": [\n    {\"id\": \"x:y:1\" \"start-order\": 1}\n  ]\n}");
        assertThatThrownBy(() -> FeatureReader.read(file)).isInstanceOf(FeatureException.class)
                .hasMessageStartingWith(file + ": malformed JSON: ").hasMessageContaining("line 4");
    }

    @Test
    void truncatedAndTrailingGarbageAreMalformed() throws Exception {
        Path truncated = write("{\"id\": \"a:b:1\", \"bundles\": [");
        assertThatThrownBy(() -> FeatureReader.read(truncated)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("malformed JSON");
        Path garbage = write("{\"id\": \"a:b:1\"} {\"id\": \"c:d:2\"}");
        assertThatThrownBy(() -> FeatureReader.read(garbage)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("malformed JSON");
        Path notAnObject = write("[1, 2]");
        assertThatThrownBy(() -> FeatureReader.read(notAnObject)).isInstanceOf(FeatureException.class)
                .hasMessage(notAnObject + ": a feature must be a JSON object, not an array");
    }

    @Test
    void badStartOrdersAreRefusedNamingTheBundle() throws Exception {
        for (String bad : new String[] {"\"first\"", "0", "-2", "1.5", "true", "{}"}) {
            Path file = write("{\"id\": \"a:b:1\", \"bundles\": [{\"id\": \"x:y:1\", \"start-order\": " + bad + "}]}");
            assertThatThrownBy(() -> FeatureReader.read(file)).as(bad).isInstanceOf(FeatureException.class)
                    .hasMessage(file + ": bundles[0] (x:y:1): start-order must be a positive integer, not " + bad);
        }
    }

    @Test
    void missingOrBadIdsAreRefused() throws Exception {
        Path noId = write("{\"bundles\": []}");
        assertThatThrownBy(() -> FeatureReader.read(noId)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("has no \"id\"");
        Path badBundle = write("{\"id\": \"a:b:1\", \"bundles\": [\"just-a-name\"]}");
        assertThatThrownBy(() -> FeatureReader.read(badBundle)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("bundles[0]: 'just-a-name' is not a Maven id");
        Path traversal = write("{\"id\": \"a:b:1\", \"bundles\": [\"..:b:1\"]}");
        assertThatThrownBy(() -> FeatureReader.read(traversal)).isInstanceOf(FeatureException.class);
        Path bundleWithoutId = write("{\"id\": \"a:b:1\", \"bundles\": [{\"start-order\": 2}]}");
        assertThatThrownBy(() -> FeatureReader.read(bundleWithoutId)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("bundles[0] has no \"id\"");
        Path twice = write("{\"id\": \"a:b:1\", \"bundles\": [\"x:y:1\", \"x:y:1\"]}");
        assertThatThrownBy(() -> FeatureReader.read(twice)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("listed twice");
        Path version = write("{\"feature-resource-version\": \"2.0\", \"id\": \"a:b:1\"}");
        assertThatThrownBy(() -> FeatureReader.read(version)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("not supported");
    }

    @Test
    void configurationsAreConvertedToConfigurationAdminTypes() throws Exception {
        Feature feature = FeatureReader.read(write("{\"id\": \"a:b:1\", \"configurations\": {\n"
                + "  \"org.example.service\": {\"name\": \"x\", \"size\": 3, \"ratio\": 0.5, \"on\": true,\n"
                + "     \"tags\": [\"a\", \"b\"], \"port:Integer\": 8080, \"ids:Long[]\": [1, 2],\n"
                + "     \":configurator:policy\": \"force\"},\n"
                + "  \"org.example.factory~one\": {}\n"
                + "}}"));
        Map<String, Object> properties = feature.configurations().get("org.example.service");
        assertThat(properties).containsEntry("name", "x").containsEntry("size", 3L).containsEntry("ratio", 0.5)
                .containsEntry("on", true).containsEntry("port", 8080).doesNotContainKey(":configurator:policy");
        assertThat((String[]) properties.get("tags")).containsExactly("a", "b");
        assertThat((Long[]) properties.get("ids")).containsExactly(1L, 2L);
        assertThat(feature.configurations()).containsKey("org.example.factory~one");
    }

    @Test
    void badConfigurationValuesAreRefusedNamingThePlace() throws Exception {
        Path typed = write("{\"id\": \"a:b:1\", \"configurations\": {\"p\": {\"port:Integer\": \"eighty\"}}}");
        assertThatThrownBy(() -> FeatureReader.read(typed)).isInstanceOf(FeatureException.class)
                .hasMessage(typed + ": configurations.p.port:Integer: 'eighty' is not a Integer");
        Path unknownType = write("{\"id\": \"a:b:1\", \"configurations\": {\"p\": {\"x:Widget\": 1}}}");
        assertThatThrownBy(() -> FeatureReader.read(unknownType)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("unknown type 'Widget'");
        Path nested = write("{\"id\": \"a:b:1\", \"configurations\": {\"p\": {\"x\": {\"y\": 1}}}}");
        assertThatThrownBy(() -> FeatureReader.read(nested)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("configurations.p.x");
        Path mixed = write("{\"id\": \"a:b:1\", \"configurations\": {\"p\": {\"x\": [1, \"two\"]}}}");
        assertThatThrownBy(() -> FeatureReader.read(mixed)).isInstanceOf(FeatureException.class)
                .hasMessageContaining("mixes");
    }

    @Test
    void unsupportedTopLevelKeysAreListed() throws Exception {
        Path file = write("{\"id\": \"a:b:1\", \"name\": \"n\", \"framework-properties\": {}, \"extensions\": {}}");
        assertThat(FeatureReader.ignoredKeys(file)).containsExactly("framework-properties", "extensions");
    }
}
