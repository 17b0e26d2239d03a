package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SelectorProvidersTest {
    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(SelectorProviders.PROPERTY);
        System.clearProperty(SelectorProviders.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(SelectorProviders.PROPERTY);
        } else {
            System.setProperty(SelectorProviders.PROPERTY, before);
        }
    }

    @Test
    void onLinuxTheNamedProviderIsTheOneTheJdkChoosesItself() {
        SelectorProviders.preferTheDefault();
        if ("Linux".equals(System.getProperty("os.name"))) {
            assertThat(System.getProperty(SelectorProviders.PROPERTY)).isEqualTo(SelectorProviders.LINUX_DEFAULT);
            // the provider of this JVM, chosen without the property: naming it changes nothing but the look-up
            assertThat(SelectorProvider.provider().getClass().getName()).isEqualTo(SelectorProviders.LINUX_DEFAULT);
        } else {
            assertThat(System.getProperty(SelectorProviders.PROPERTY)).isNull();
        }
    }

    @Test
    void aProviderTheUserNamedIsKept() {
        System.setProperty(SelectorProviders.PROPERTY, "org.example.MyProvider");
        SelectorProviders.preferTheDefault();
        assertThat(System.getProperty(SelectorProviders.PROPERTY)).isEqualTo("org.example.MyProvider");
    }
}
