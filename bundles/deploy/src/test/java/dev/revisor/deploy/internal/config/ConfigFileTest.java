package dev.revisor.deploy.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigFileTest {
    private static Map<String, Object> read(String name, String text) throws Exception {
        return ConfigFile.values(text.getBytes(StandardCharsets.UTF_8), name, StandardCharsets.ISO_8859_1,
                n -> n.equals("revisor.home") ? "/opt/r" : null);
    }

    @Test
    void pidsFollowFileInstallsRules() throws Exception {
        assertThat(ConfigFile.pid("org.example.server.cfg")).isEqualTo(new ConfigFile.Pid("org.example.server", null, null));
        assertThat(ConfigFile.pid("org.example.pool~main.cfg"))
                .isEqualTo(new ConfigFile.Pid("org.example.pool~main", "org.example.pool", "main"));
        assertThat(ConfigFile.pid("org.example.pool-main.config"))
                .isEqualTo(new ConfigFile.Pid("org.example.pool~main", "org.example.pool", "main"));
        assertThatThrownBy(() -> ConfigFile.pid(".cfg")).hasMessageContaining("no PID");
        assertThatThrownBy(() -> ConfigFile.pid("org.example.pool~.cfg")).hasMessageContaining("no name");
    }

    @Test
    void cfgValuesAreStringsWithSubstitution() throws Exception {
        assertThat(read("a.cfg", "# comment\nport = 8080\npath=${revisor.home}/x\n"))
                .containsEntry("port", "8080").containsEntry("path", "/opt/r/x");
        assertThatThrownBy(() -> read("a.cfg", "path=${nope}\n")).hasMessageContaining("key 'path'")
                .hasMessageContaining("${nope}");
    }

    @Test
    void configValuesAreTyped() throws Exception {
        Map<String, Object> v = read("a.config", "port=I\"8080\"\nnames=[\"a\",\"b\"]\nflag=B\"true\"\nname=\"x\"\n");
        assertThat(v.get("port")).isEqualTo(8080);
        assertThat(v.get("flag")).isEqualTo(true);
        assertThat(v.get("name")).isEqualTo("x");
        assertThat(Values.list(v.get("names"))).containsExactly("a", "b");
        assertThat(Values.list(read("a.config", "ints=i[ \\\n  \"1\", \\\n  \"2\", \\\n  ]\n").get("ints"))).containsExactly(1, 2);
        assertThat(read("a.config", "f=F\"1069547520\"\ng=F\"2.5\"\n")).containsEntry("f", 1.5f).containsEntry("g", 2.5f);
    }

    @Test
    void badTypedValuesNameTheLineAndTheKey() {
        assertThatThrownBy(() -> read("a.config", "a=\"x\"\nport=I\"80")).hasMessage("line 2: key 'port': the quote that"
                + " opens the value is never closed");
        assertThatThrownBy(() -> read("a.config", "port=Q\"1\"")).hasMessageContaining("line 1: key 'port': 'Q' is no type");
        assertThatThrownBy(() -> read("a.config", "port=I\"abc\"")).hasMessage("line 1: key 'port': I\"abc\" is not an Integer");
        assertThatThrownBy(() -> read("a.config", "port=8080")).hasMessageContaining("key 'port': a value is quoted");
        assertThatThrownBy(() -> read("a.config", "x=\"ok\"\ngarbage\n")).hasMessage("line 2: 'garbage' is not key=value");
        assertThatThrownBy(() -> read("a.config", "b=B\"yes\"")).hasMessageContaining("neither true nor false");
    }

    @Test
    void secretLookingKeysAreMaskedInDiffs() {
        assertThat(ConfigFile.secret("db.password")).isTrue();
        assertThat(ConfigFile.secret("apiToken")).isTrue();
        assertThat(ConfigFile.secret("port")).isFalse();
        assertThat(Values.diff(Map.of("port", "1", "password", "a", "gone", "x"), Map.of("port", "2", "password", "b",
                "new.secret", "s")))
                .containsExactly("-gone (was x)", "+new.secret = ********", "password: ******** -> ******** (changed)",
                        "port: 1 -> 2");
        assertThat(Values.masked(Map.of("token", "t", "size", 3))).containsEntry("token", "********").containsEntry("size", 3);
    }

    @Test
    void typedValuesSurviveTheWriteAheadRecord() throws Exception {
        Map<String, Object> v = read("a.config", "port=I\"8080\"\nnames=[\"a\",\"b\"]\n");
        assertThat(Values.equal(Values.parse(Values.text(v)), v)).isTrue();
        assertThat(Values.parse(null)).isNull();
    }
}
