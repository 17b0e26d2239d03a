package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.revisor.audit.api.BundleRefDTO;

/**
 * Attribution of threads to a class loader standing in for a bundle revision. The unit-test JVM runs without
 * --add-opens, so this also shows what works without them (the thread's class, the context class loader) and that
 * the rest is named as not inspectable.
 */
class ThreadScanTest {
    private final Internals internals = new Internals();
    private URLClassLoader loader;
    private LoaderRef ref;
    private Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);

    @BeforeEach
    void revision() {
        URL classes = ThreadScanTest.class.getProtectionDomain().getCodeSource().getLocation();
        loader = new URLClassLoader("revision", new URL[] {classes}, ThreadScanTest.class.getClassLoader().getParent());
        BundleRefDTO b = new BundleRefDTO();
        b.id = 7;
        b.symbolicName = "org.example.x";
        b.version = "1.0.0";
        ref = new LoaderRef("r1", loader, b, "7.0");
    }

    @AfterEach
    void end() throws Exception {
        stop.countDown();
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
        loader.close();
    }

    private Map<ClassLoader, LoaderRef> loaders() {
        Map<ClassLoader, LoaderRef> m = new IdentityHashMap<>();
        m.put(loader, ref);
        return m;
    }

    @Test
    void aThreadOfTheRevisionsOwnClassIsAttributedByItsClass() throws Exception {
        thread = (Thread) loader.loadClass(SleeperThread.class.getName()).getConstructor().newInstance();
        thread.start();
        List<ThreadScan.Hit> hits = new ThreadScan(internals).scan(loaders(), List.of(), List.of(thread));
        assertThat(hits).singleElement().satisfies(h -> {
            assertThat(h.kind).isEqualTo(ThreadScan.Kind.THREAD);
            assertThat(h.attribution).isEqualTo("thread-class");
            assertThat(h.culprit).isEqualTo(SleeperThread.class.getName());
            assertThat(h.ref).isSameAs(ref);
        });
    }

    @Test
    void aThreadWithTheRevisionAsContextClassLoaderIsAttributedByIt() throws Exception {
        thread = new Thread(() -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ccl");
        thread.setContextClassLoader(loader);
        thread.start();
        List<ThreadScan.Hit> hits = new ThreadScan(internals).scan(loaders(), List.of(), List.of(thread));
        assertThat(hits).extracting(h -> h.attribution).contains("context-class-loader");
    }

    @Test
    void anUnrelatedThreadAndADeadThreadAreNotAttributed() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Thread[] t = new Thread[1];
            pool.submit(() -> t[0] = Thread.currentThread()).get(5, TimeUnit.SECONDS);
            Thread dead = new Thread(() -> { });
            dead.start();
            dead.join();
            assertThat(new ThreadScan(internals).scan(loaders(), List.of(), List.of(t[0], dead, Thread.currentThread()))).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutAddOpensTheMissingChecksAreNamed() {
        if (!internals.missing().isEmpty()) {
            assertThat(internals.note()).startsWith("not inspectable without --add-opens ")
                    .contains("are not checked");
            assertThat(internals.threadsInspectable() || internals.note().contains("ThreadLocal values")).isTrue();
        } else {
            assertThat(internals.note()).isNull();
        }
    }

    @Test
    void noLoadersNoWork() {
        assertThat(new ThreadScan(internals).scan(new IdentityHashMap<>(), List.of(), List.of(Thread.currentThread()))).isEmpty();
        assertThat(new GlobalScan(internals).scan(new IdentityHashMap<>())).isEmpty();
    }

    @Test
    void aRevisionWithNoGlobalRegistrationHasNoGlobalFinding() {
        assertThat(new GlobalScan(internals).scan(loaders())).isEmpty();
    }
}
