package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;

/** The fake behaves as Felix does where the deploy engine's tests rely on it: revisions, wiring, refresh, locks. */
class FakeFrameworkTest {
    private final FakeFramework fw = new FakeFramework();

    @AfterEach
    void close() {
        fw.close();
    }

    private FakeBundle install(String location, byte[] jar) throws BundleException {
        return (FakeBundle) fw.installBundle(location, new ByteArrayInputStream(jar));
    }

    private static byte[] lib(String v) {
        return Fixtures.bundle("lib", v).exports("p;version=" + v).build();
    }

    private void refresh(List<Bundle> bundles) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        fw.refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anUpdatedProviderStaysRemovalPendingWhileItsImporterIsWiredAndARefreshRewiresAndRestartsIt() throws Exception {
        FakeBundle lib = install("lib", lib("2.0.0"));
        FakeBundle user = install("user", Fixtures.bundle("user", "1").imports("p;version=\"[2,3)\"").build());
        user.start();
        assertThat(lib.getState()).as("resolved as the importer's dependency").isEqualTo(Bundle.RESOLVED);
        assertThat(user.getState()).isEqualTo(Bundle.ACTIVE);

        lib.update(new ByteArrayInputStream(lib("2.1.0")));

        assertThat(lib.getState()).isEqualTo(Bundle.INSTALLED);
        assertThat(fw.getRemovalPendingBundles()).containsExactly(lib);
        assertThat(user.current.wires.get("p").version).hasToString("2.0.0");
        assertThat(fw.getDependencyClosure(List.of(lib))).containsExactlyInAnyOrder(lib, user);

        refresh(List.of(lib));

        assertThat(fw.getRemovalPendingBundles()).isEmpty();
        assertThat(user.getState()).as("restarted: it was active").isEqualTo(Bundle.ACTIVE);
        assertThat(user.current.wires.get("p").version).hasToString("2.1.0");
    }

    @Test
    void anImporterWhoseProviderIsUninstalledRunsUntilTheRefreshThenDoesNotResolve() throws Exception {
        FakeBundle lib = install("lib", lib("2.0.0"));
        FakeBundle user = install("user", Fixtures.bundle("user", "1").imports("p;version=\"[2,3)\"").build());
        user.start();

        lib.uninstall();

        assertThat(fw.getBundle(lib.getBundleId())).isNull();
        assertThat(fw.getRemovalPendingBundles()).containsExactly(lib);
        assertThat(user.getState()).isEqualTo(Bundle.ACTIVE);

        refresh(null);

        assertThat(user.getState()).isEqualTo(Bundle.INSTALLED);
        assertThat(fw.frameworkErrors).anyMatch(e -> e.contains("Unable to resolve"));
        assertThat(fw.resolveBundles(List.of(user))).isFalse();
    }

    @Test
    void aStartThatBlocksHoldsTheBundlesLockSoAStopFromAnotherThreadWaitsAndThenFails() throws Exception {
        fw.lockWaitMillis = 100;
        FakeBundle lib = install("lib", lib("2.0.0"));
        CountDownLatch release = fw.behaviour("lib").blockStart();
        Thread starter = new Thread(() -> {
            try {
                lib.start();
            } catch (BundleException e) {
                throw new IllegalStateException(e);
            }
        }, "fake-framework-test-start");
        starter.start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (lib.getState() != Bundle.STARTING && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(lib.getState()).isEqualTo(Bundle.STARTING);

        assertThatThrownBy(lib::stop).isInstanceOf(BundleException.class).hasMessageContaining("state change lock");

        release.countDown();
        starter.join(10_000);
        assertThat(starter.isAlive()).isFalse();
        assertThat(lib.getState()).isEqualTo(Bundle.ACTIVE);
    }

    @Test
    void anActivatorThatThrowsLeavesTheBundleResolvedAndWrapsTheException() throws Exception {
        FakeBundle lib = install("lib", lib("2.0.0"));
        fw.behaviour("lib").startThrows(() -> new IllegalStateException("boom"));

        assertThatThrownBy(lib::start).isInstanceOf(BundleException.class)
                .satisfies(e -> assertThat(((BundleException) e).getType()).isEqualTo(BundleException.ACTIVATOR_ERROR))
                .hasRootCauseMessage("boom");
        assertThat(lib.getState()).isEqualTo(Bundle.RESOLVED);
    }

    @Test
    void theSameIdentityIsRefusedAtInstall() throws Exception {
        install("a", lib("2.0.0"));
        assertThatThrownBy(() -> install("b", Fixtures.bundle("lib", "2.0.0").variant("x").build()))
                .isInstanceOf(BundleException.class).hasMessageContaining("not unique");
    }
}
