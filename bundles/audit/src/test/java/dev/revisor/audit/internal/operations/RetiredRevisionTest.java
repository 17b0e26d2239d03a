package dev.revisor.audit.internal.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

import dev.revisor.audit.api.BundleRefDTO;

/** What tells one retired revision from another for the observers: the revision and its wiring. */
class RetiredRevisionTest {
    private static BundleRevision revision(BundleWiring wiring) {
        BundleRevision rev = mock(BundleRevision.class);
        when(rev.toString()).thenReturn("org.example.x [7](R 7.1)");
        when(rev.getWiring()).thenReturn(wiring);
        return rev;
    }

    private static BundleWiring wiring(ClassLoader loader) {
        BundleWiring w = mock(BundleWiring.class);
        when(w.getClassLoader()).thenReturn(loader);
        return w;
    }

    @Test
    void aRevisionRefreshedInPlaceIsAnotherCaptureThanItsFirstWiring() {
        BundleRefDTO ref = new BundleRefDTO();
        ref.id = 7;
        BundleWiring first = wiring(new ClassLoader(null) { });
        BundleWiring second = wiring(new ClassLoader(null) { });
        BundleRevision rev = revision(first);

        RetiredRevision beforeRefresh = RetiredRevision.capture(rev, ref, false, true);
        RetiredRevision atUninstallOfTheSameWiring = RetiredRevision.capture(rev, ref, true, false);
        when(rev.getWiring()).thenReturn(second);
        RetiredRevision afterRefresh = RetiredRevision.capture(rev, ref, true, true);

        assertThat(beforeRefresh.revision()).isEqualTo(afterRefresh.revision());
        assertThat(beforeRefresh.key()).as("one wiring, one key").isEqualTo(atUninstallOfTheSameWiring.key());
        assertThat(afterRefresh.key()).as("the new wiring is reported on its own").isNotEqualTo(beforeRefresh.key());
        assertThat(afterRefresh.classLoader()).isSameAs(second.getClassLoader());
    }
}
