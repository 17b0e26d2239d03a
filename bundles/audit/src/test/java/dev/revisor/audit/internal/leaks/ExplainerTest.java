package dev.revisor.audit.internal.leaks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import dev.revisor.audit.api.LeakChainDTO;

class ExplainerTest {
    @TempDir
    Path temp;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private LeakDetector.Config config(String classpath, boolean keep) {
        return new LeakDetector.Config() {
            @Override public Class<? extends Annotation> annotationType() { return LeakDetector.Config.class; }
            @Override public long check_delay_ms() { return 50; }
            @Override public long check_max_delay_ms() { return 5000; }
            @Override public long min_gc_interval_ms() { return 250; }
            @Override public int max_gc_share_percent() { return 5; }
            @Override public long thread_grace_ms() { return 100; }
            @Override public long confirm_delay_ms() { return 50; }
            @Override public String analyzer_classpath() { return classpath; }
            @Override public String analyzer_max_heap() { return "64m"; }
            @Override public int analyzer_timeout_seconds() { return 30; }
            @Override public String dump_directory() { return temp.resolve("dumps").toString(); }
            @Override public boolean keep_dumps() { return keep; }
        };
    }

    private BundleContext context(String lib) {
        BundleContext context = mock(BundleContext.class);
        when(context.getProperty("revisor.lib")).thenReturn(lib);
        return context;
    }

    @Test
    void withoutAnAnalyzerEveryChainIsUnavailableAndSaysWhy() {
        Explainer explainer = new Explainer(context(temp.resolve("lib").toString()), config("", false), mock(Logger.class), scheduler);
        assertThat(explainer.classpath()).isNull();
        assertThat(explainer.describe()).contains("no revisor-heap-analyzer jar in").contains("heap-analyzer");
        Map<String, LeakChainDTO> chains = explainer.explain(Set.of("r1", "r2"), line -> { });
        assertThat(chains).containsOnlyKeys("r1", "r2");
        assertThat(chains.get("r1").status).isEqualTo("unavailable");
        assertThat(chains.get("r1").message).contains("revisor.lib");
    }

    @Test
    void theAnalyzerIsFoundInRevisorLib() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("lib/heap-analyzer"));
        Files.writeString(dir.resolve("revisor-heap-analyzer-1.0.jar"), "");
        Explainer explainer = new Explainer(context(temp.resolve("lib").toString()), config("", false), mock(Logger.class), scheduler);
        assertThat(explainer.classpath()).isEqualTo(dir.toAbsolutePath() + java.io.File.separator + "*");
    }

    @Test
    void aFailingAnalyzerIsReportedAndTheDumpIsDeleted() throws Exception {
        // a class path without the analyzer: the child JVM exits non-zero (class not found)
        Explainer explainer = new Explainer(context(null), config(temp.resolve("nothing").toString(), false), mock(Logger.class), scheduler);
        List<String> progress = new ArrayList<>();
        Map<String, LeakChainDTO> chains = explainer.explain(Set.of("r1"), progress::add);
        assertThat(chains.get("r1").status).isEqualTo("failed");
        assertThat(chains.get("r1").message).contains("the heap analyzer failed");
        assertThat(progress).anyMatch(l -> l.startsWith("dumping the heap to "));
        try (var files = Files.list(temp.resolve("dumps"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".hprof"))).as("dump deleted").isEmpty();
        }
    }

    @Test
    void parseReadsChainsHopsAndBundlesAndMarksMissingKeysCollected() {
        String json = "{\"status\":\"ok\",\"targets\":[{\"key\":\"r1\",\"status\":\"found\",\"root\":\"system class\","
                + "\"hops\":[{\"kind\":\"static\",\"edge\":\"Registry.LISTENERS\",\"from\":\"class org.example.registry.Registry\","
                + "\"to\":\"java.util.ArrayList\",\"bundle\":{\"id\":12,\"symbolicName\":\"org.example.registry.host\",\"version\":\"1.0.0\"}}],"
                + "\"text\":\"GC root ...\"},{\"key\":\"other\",\"status\":\"found\"}]}";
        Map<String, LeakChainDTO> chains = Explainer.parse(json, Set.of("r1", "r2"), System.nanoTime());
        assertThat(chains).containsOnlyKeys("r1", "r2");
        LeakChainDTO c = chains.get("r1");
        assertThat(c.status).isEqualTo("found");
        assertThat(c.root).isEqualTo("system class");
        assertThat(c.hops).singleElement().satisfies(h -> {
            assertThat(h.edge).isEqualTo("Registry.LISTENERS");
            assertThat(h.bundle.id).isEqualTo(12);
            assertThat(h.bundle.symbolicName).isEqualTo("org.example.registry.host");
        });
        assertThat(chains.get("r2").status).isEqualTo("collected");
    }
}
