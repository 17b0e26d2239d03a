package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

/** Under a launcher that does not check etc/, a bad value is never read as something else: error, then the default. */
class ConfigCheckTest {
    private final List<String> errors = new ArrayList<>();
    private final Logger log = (Logger) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
                if (method.getName().equals("error")) {
                    errors.add(args[0] + " " + Arrays.toString((Object[]) args[1]));
                }
                return null;
            });

    private static BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(ConfigCheckTest.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> method.getName().equals("getProperty") ? properties.get(args[0]) : null);
    }

    @Test
    void maybeIsNotFalse() {
        assertThat(ConfigCheck.bool("maybe", DeployComponent.START_NEW, true, log)).isTrue();
        assertThat(errors).singleElement().asString().contains("is not a boolean (allowed: true, false)")
                .contains("revisor.deploy.bundles.new.start, maybe, true");
        errors.clear();
        assertThat(ConfigCheck.bool(" FALSE ", DeployComponent.START_NEW, true, log)).isFalse();
        assertThat(ConfigCheck.bool(null, DeployComponent.START_NEW, true, log)).isTrue();
        assertThat(errors).isEmpty();
    }

    @Test
    void aStartLevelAboveTheBeginningLevelFallsBackToIt() {
        assertThat(ConfigCheck.startLevel(context(Map.of(ConfigCheck.START_LEVEL, "7", ConfigCheck.BEGINNING, "5")), log)).isEqualTo(5);
        assertThat(errors).singleElement().asString().contains("would never start");
        errors.clear();
        assertThat(ConfigCheck.startLevel(context(Map.of(ConfigCheck.START_LEVEL, "high")), log)).isZero();
        assertThat(ConfigCheck.startLevel(context(Map.of(ConfigCheck.START_LEVEL, "-2")), log)).isZero();
        assertThat(errors).hasSize(2);
        errors.clear();
        assertThat(ConfigCheck.startLevel(context(Map.of(ConfigCheck.START_LEVEL, "5", ConfigCheck.BEGINNING, "5")), log)).isEqualTo(5);
        assertThat(ConfigCheck.startLevel(context(Map.of()), log)).isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void aNumberBelowItsMinimumFallsBackToTheDefault() {
        assertThat(ConfigCheck.atLeast(-5, 1, "start.timeout.ms", 30_000, log)).isEqualTo(30_000);
        assertThat(errors).singleElement().asString().contains("start.timeout.ms, -5, dev.revisor.deploy, 1, 1, 30000");
        assertThat(ConfigCheck.atLeast(10, 1, "x", 30_000, log)).isEqualTo(10);
    }
}
