package dev.revisor.heapanalyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.SoftReference;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * The chain search on a real heap dump of this test JVM, made in the test: each leak shape the audit reports (static
 * registry, running thread, ThreadLocal value), a loader held only softly, and one already collected.
 */
class HeapChainsTest {
    /** The weak reference class the analyzer looks for, as the audit bundle's LoaderRef. */
    static final class TestRef extends WeakReference<ClassLoader> {
        final String key;

        TestRef(String key, ClassLoader loader) {
            super(loader);
            this.key = key;
        }
    }

    /** A static registry of the "host" class space. */
    static final class Registry {
        static final List<Object> LISTENERS = new CopyOnWriteArrayList<>();
    }

    @TempDir
    static Path temp;

    static final List<TestRef> refs = new ArrayList<>();
    static final List<Thread> threads = new ArrayList<>();
    static SoftReference<ClassLoader> soft;
    static File dump;
    static Map<String, Map<String, Object>> results;
    static final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void leakAndDump() throws Exception {
        // each leak is made in a method of its own: no local variable of this frame may hold a loader during the dump
        leakIntoStaticRegistry();
        leakRunningThread();
        leakThreadLocal();
        holdSoftly();
        refs.add(new TestRef("gone", child()));
        referenceFromASecondCopyOfTheRefClass();

        dump = temp.resolve("test.hprof").toFile();
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.getPath(), true);

        List<String> lines = new ArrayList<>();
        try (HeapChains chains = new HeapChains(dump, lines::add)) {
            List<HeapChains.Target> targets = chains.targets(TestRef.class.getName(), "key");
            results = new HashMap<>();
            for (Map<String, Object> r : chains.chains(targets, System.nanoTime() + 60_000_000_000L)) {
                results.put((String) r.get("key"), r);
            }
        }
        assertThat(lines).anyMatch(l -> l.startsWith("indexed "));
    }

    private static void leakIntoStaticRegistry() throws Exception {
        ClassLoader loader = child();
        Registry.LISTENERS.add(loader.loadClass("dev.revisor.heapanalyzer.fixtures.Leaky").getConstructor().newInstance());
        refs.add(new TestRef("registry", loader));
    }

    private static void leakRunningThread() throws Exception {
        ClassLoader loader = child();
        Thread sleeper = (Thread) loader.loadClass("dev.revisor.heapanalyzer.fixtures.Sleeper").getConstructor().newInstance();
        sleeper.start();
        threads.add(sleeper);
        refs.add(new TestRef("thread", loader));
    }

    private static void leakThreadLocal() throws Exception {
        ClassLoader loader = child();
        // handed over through a box the thread empties: neither its Runnable nor a live frame holds the value
        java.util.concurrent.atomic.AtomicReference<Object> box = new java.util.concurrent.atomic.AtomicReference<>(
                loader.loadClass("dev.revisor.heapanalyzer.fixtures.Leaky").getConstructor().newInstance());
        CountDownLatch set = new CountDownLatch(1);
        ThreadLocal<Object> tl = new ThreadLocal<>();
        Thread holder = new Thread(() -> {
            moveInto(tl, box);
            set.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "heapchains-threadlocal-holder");
        holder.setDaemon(true);
        holder.start();
        set.await();
        threads.add(holder);
        refs.add(new TestRef("threadlocal", loader));
    }

    /** The same reference class defined by another loader, as after a framework restart in the same JVM. */
    static final List<Object> otherCopies = new ArrayList<>();

    private static void referenceFromASecondCopyOfTheRefClass() throws Exception {
        ClassLoader loader = child();
        Class<?> copy = loader.loadClass(TestRef.class.getName());
        java.lang.reflect.Constructor<?> constructor = copy.getDeclaredConstructor(String.class, ClassLoader.class);
        constructor.setAccessible(true);
        otherCopies.add(constructor.newInstance("second-copy", loader)); // the copy's own loader: reachable through it
    }

    private static void moveInto(ThreadLocal<Object> tl, java.util.concurrent.atomic.AtomicReference<Object> box) {
        tl.set(box.getAndSet(null));
    }

    private static void holdSoftly() throws Exception {
        ClassLoader loader = child();
        soft = new SoftReference<>(loader);
        refs.add(new TestRef("soft", loader));
    }

    @org.junit.jupiter.api.Test
    void referencesOfEveryCopyOfTheRefClassAreTargets() {
        assertThat(results).containsKey("second-copy").containsKey("registry");
        assertThat(results.get("second-copy").get("status")).isEqualTo("found");
    }

    @AfterAll
    static void stopThreads() throws InterruptedException {
        release.countDown();
        for (Thread t : threads) {
            t.interrupt();
            t.join(5000);
        }
        Registry.LISTENERS.clear();
    }

    private static ClassLoader child() throws Exception {
        URL classes = HeapChainsTest.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader("test-child", new URL[] {classes}, ClassLoader.getPlatformClassLoader());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hops(String key) {
        return (List<Map<String, Object>>) results.get(key).get("hops");
    }

    private static List<String> edges(String key) {
        return hops(key).stream().map(h -> (String) h.get("edge")).collect(Collectors.toList());
    }

    @Test
    void staticRegistryChainNamesTheStaticFieldAndEndsInstanceClassLoader() {
        assertThat(results.get("registry").get("status")).isEqualTo("found");
        List<String> edges = edges("registry");
        assertThat(edges).anyMatch(e -> e.endsWith("Registry.LISTENERS"));
        assertThat(edges.subList(edges.size() - 2, edges.size())).containsExactly("<instance-of>", "<defining-class-loader>");
        assertThat(hops("registry").get(hops("registry").size() - 2).get("from"))
                .isEqualTo("dev.revisor.heapanalyzer.fixtures.Leaky");
        assertThat((String) results.get("registry").get("text")).startsWith("GC root (").contains("static ");
    }

    @Test
    void runningThreadChainStartsAtTheThread() {
        Map<String, Object> r = results.get("thread");
        assertThat(r.get("status")).isEqualTo("found");
        assertThat((String) r.get("root")).isEqualTo("thread 'heapchains-sleeper'");
        assertThat(edges("thread")).containsExactly("<instance-of>", "<defining-class-loader>");
    }

    @Test
    void threadLocalChainGoesThroughTheThreadsMapToTheValue() {
        Map<String, Object> r = results.get("threadlocal");
        assertThat(r.get("status")).isEqualTo("found");
        List<String> edges = edges("threadlocal");
        assertThat(edges).contains("Thread.threadLocals").anyMatch(e -> e.endsWith("Entry.value"));
        assertThat((String) r.get("root")).contains("heapchains-threadlocal-holder");
    }

    @Test
    void aLoaderHeldOnlySoftlyHasNoStrongPath() {
        assertThat(soft.get()).as("the soft reference still holds it").isNotNull();
        assertThat(results.get("soft").get("status")).isEqualTo("no-strong-path");
    }

    @Test
    void aCollectedLoaderIsReportedAsCollected() {
        assertThat(results.get("gone").get("status")).isEqualTo("collected");
    }

    @Test
    void mainPrintsOneJsonDocumentAndProgressLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--dump", dump.getPath(), "--ref-class", TestRef.class.getName(), "--max-seconds", "60"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isZero();
        String json = out.toString(StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"status\":\"ok\"").contains("\"key\":\"registry\"").contains("<defining-class-loader>");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("progress: indexed ");
        assertThat(dump).as("the analyzer leaves the dump to its caller").exists();

        ByteArrayOutputStream only = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"--dump", dump.getPath(), "--ref-class", TestRef.class.getName(), "--keys", "thread,soft"},
                new PrintStream(only, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isZero();
        assertThat(only.toString(StandardCharsets.UTF_8)).contains("\"key\":\"thread\"").contains("\"key\":\"soft\"")
                .doesNotContain("\"key\":\"registry\"");
    }

    @Test
    void mainRefusesBadArgumentsAndMissingDumps() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(Main.run(new String[] {}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"--dump"}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"--dump", "x", "--max-seconds", "0"}, o, e)).isEqualTo(2);
        assertThat(Main.run(new String[] {"--dump", temp.resolve("missing.hprof").toString()}, o, e)).isEqualTo(1);
        Path garbage = Files.writeString(temp.resolve("garbage.hprof"), "not a heap dump");
        assertThat(Main.run(new String[] {"--dump", garbage.toString()}, o, e)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--dump FILE is required").contains("no heap dump at");
    }

    @Test
    void aTimeLimitInThePastGivesUpWithTimeout() throws Exception {
        try (HeapChains chains = new HeapChains(dump, l -> { })) {
            List<Map<String, Object>> r = chains.chains(chains.targets(TestRef.class.getName(), "key"), System.nanoTime() - 1);
            assertThat(r).filteredOn(m -> "registry".equals(m.get("key"))).extracting(m -> m.get("status"))
                    .containsExactly("timeout");
        }
    }
}
