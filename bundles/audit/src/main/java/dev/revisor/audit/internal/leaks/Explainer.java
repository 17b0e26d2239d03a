package dev.revisor.audit.internal.leaks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.ChainHopDTO;
import dev.revisor.audit.api.LeakChainDTO;

/**
 * Explains zombie revisions: dumps the live heap ({@code HotSpotDiagnostic.dumpHeap}, through the platform MBean
 * server), runs the heap analyzer of {@code lib/heap-analyzer/} in a child JVM with a bounded heap and a time limit,
 * forwards its progress lines, reads its JSON answer, and deletes the dump unless configured to keep it. The analysis
 * never runs in the runtime's own heap.
 * <p>
 * Concurrent Semantics: thread safe; one explanation at a time (a second caller waits).
 */
final class Explainer {
    static final String MAIN = "dev.revisor.heapanalyzer.Main";

    private final BundleContext context;
    private final LeakDetector.Config config;
    private final Logger logger;
    private final ScheduledExecutorService scheduler;
    private final Object running = new Object();

    Explainer(BundleContext context, LeakDetector.Config config, Logger logger, ScheduledExecutorService scheduler) {
        this.context = context;
        this.config = config;
        this.logger = logger;
        this.scheduler = scheduler;
    }

    /** @return the analyzer's class path, or {@code null} when it is not installed */
    String classpath() {
        if (!config.analyzer_classpath().isBlank()) {
            return config.analyzer_classpath();
        }
        Path dir = analyzerDirectory();
        if (dir == null || !Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "revisor-heap-analyzer*.jar")) {
            if (!jars.iterator().hasNext()) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        return dir.toAbsolutePath() + java.io.File.separator + "*";
    }

    /** @return {@code ${revisor.lib}/heap-analyzer}, else {@code ${revisor.dist}/lib/heap-analyzer}, or {@code null} */
    Path analyzerDirectory() {
        String lib = context.getProperty("revisor.lib");
        if (lib != null && !lib.isBlank()) {
            return Paths.get(lib, "heap-analyzer");
        }
        String dist = context.getProperty("revisor.dist");
        if (dist != null && !dist.isBlank()) {
            return Paths.get(dist, "lib", "heap-analyzer");
        }
        return null;
    }

    String describe() {
        String cp = classpath();
        if (cp != null) {
            return cp;
        }
        Path dir = analyzerDirectory();
        return "not installed: " + (dir == null ? "neither revisor.lib nor revisor.dist is set" : "no revisor-heap-analyzer jar in " + dir);
    }

    Path dumpDirectory() {
        if (!config.dump_directory().isBlank()) {
            return Paths.get(config.dump_directory());
        }
        String data = context.getProperty("revisor.data");
        if (data != null && !data.isBlank()) {
            return Paths.get(data, "leaks");
        }
        return context.getDataFile("leaks").toPath();
    }

    /**
     * @param keys     the {@link LoaderRef#key}s of the zombies to explain
     * @param progress receives lines for people
     * @return key → chain; every key has one
     */
    Map<String, LeakChainDTO> explain(Collection<String> keys, Consumer<String> progress) {
        synchronized (running) {
            long start = System.nanoTime();
            String cp = classpath();
            if (cp == null) {
                return all(keys, failure("unavailable", "the heap analyzer is not installed (" + describe()
                        + "): set the framework property revisor.lib to the distribution's lib/ folder", start));
            }
            Path dump;
            try {
                Files.createDirectories(dumpDirectory());
                dump = dumpDirectory().resolve("heap-" + System.currentTimeMillis() + ".hprof");
                progress.accept("dumping the heap to " + dump);
                dumpHeap(dump);
                progress.accept("heap dump of " + Files.size(dump) / (1024 * 1024) + " MB written in "
                        + (System.nanoTime() - start) / 1_000_000 + " ms");
            } catch (IOException | RuntimeException | javax.management.JMException e) {
                logger.error("cannot dump the heap for a leak explanation: {}", e.toString());
                return all(keys, failure("failed", "cannot dump the heap: " + e, start));
            }
            try {
                return analyze(cp, dump, keys, progress, start);
            } finally {
                if (!config.keep_dumps()) {
                    try {
                        Files.deleteIfExists(dump);
                    } catch (IOException e) {
                        logger.warn("cannot delete heap dump {}: {}", dump, e.toString());
                    }
                }
            }
        }
    }

    private static void dumpHeap(Path file) throws javax.management.JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        server.invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"), "dumpHeap",
                new Object[] {file.toString(), Boolean.TRUE}, new String[] {String.class.getName(), boolean.class.getName()});
    }

    private Map<String, LeakChainDTO> analyze(String cp, Path dump, Collection<String> keys, Consumer<String> progress, long start) {
        int timeout = Math.max(1, config.analyzer_timeout_seconds());
        List<String> command = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + config.analyzer_max_heap(), "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-cp", cp, MAIN, "--dump", dump.toString(), "--keys", String.join(",", keys),
                "--max-seconds", Integer.toString(timeout));
        Path out = dump.resolveSibling(dump.getFileName() + ".json");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            return all(keys, failure("failed", "cannot start the heap analyzer (" + String.join(" ", command) + "): " + e, start));
        }
        // the analyzer stops itself at the time limit; this is the backstop for a JVM that hangs
        ScheduledFuture<?> killer = scheduler.schedule(process::destroyForcibly, timeout + 10L, TimeUnit.SECONDS);
        List<String> errors = new ArrayList<>();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null;) {
                if (line.startsWith("progress: ")) {
                    progress.accept(line.substring("progress: ".length()));
                } else if (errors.size() < 20) {
                    errors.add(line);
                }
            }
            int status = process.waitFor();
            if (killer.isDone()) {
                return all(keys, failure("timeout", "the heap analyzer did not end within " + (timeout + 10) + " s and was stopped", start));
            }
            if (status != 0) {
                String why = errors.isEmpty() ? "exit status " + status : String.join("; ", errors);
                return all(keys, failure("failed", "the heap analyzer failed: " + why
                        + (status == 3 || why.contains("OutOfMemory") ? " (raise analyzer.max.heap)" : ""), start));
            }
            Map<String, LeakChainDTO> chains = parse(Files.readString(out, StandardCharsets.UTF_8), keys, start);
            progress.accept("analysis done in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            if (config.keep_dumps()) {
                chains.values().forEach(c -> c.dumpFile = dump.toString());
            }
            return chains;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return all(keys, failure("failed", "cannot read the heap analyzer's answer: " + e, start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return all(keys, failure("failed", "interrupted", start));
        } finally {
            killer.cancel(false);
            try {
                Files.deleteIfExists(out);
            } catch (IOException e) {
                logger.debug("cannot delete {}: {}", out, e.toString());
            }
        }
    }

    /** Reads the analyzer's JSON document. */
    static Map<String, LeakChainDTO> parse(String json, Collection<String> keys, long start) {
        JsonObject doc = JsonParser.parseString(json).getAsJsonObject();
        Map<String, LeakChainDTO> chains = new LinkedHashMap<>();
        long millis = (System.nanoTime() - start) / 1_000_000;
        JsonArray targets = doc.has("targets") ? doc.getAsJsonArray("targets") : new JsonArray();
        for (JsonElement e : targets) {
            JsonObject t = e.getAsJsonObject();
            String key = string(t, "key");
            if (key == null || !keys.contains(key)) {
                continue;
            }
            LeakChainDTO chain = new LeakChainDTO();
            chain.status = string(t, "status");
            chain.root = string(t, "root");
            chain.text = string(t, "text");
            chain.message = string(t, "message");
            chain.millis = millis;
            if (t.has("hops")) {
                chain.hops = new ArrayList<>();
                for (JsonElement h : t.getAsJsonArray("hops")) {
                    JsonObject o = h.getAsJsonObject();
                    ChainHopDTO hop = new ChainHopDTO();
                    hop.kind = string(o, "kind");
                    hop.edge = string(o, "edge");
                    hop.from = string(o, "from");
                    hop.to = string(o, "to");
                    if (o.has("bundle") && o.get("bundle").isJsonObject()) {
                        JsonObject b = o.getAsJsonObject("bundle");
                        BundleRefDTO ref = new BundleRefDTO();
                        ref.id = b.has("id") ? b.get("id").getAsLong() : -1;
                        ref.symbolicName = string(b, "symbolicName");
                        ref.version = string(b, "version");
                        hop.bundle = ref;
                    }
                    chain.hops.add(hop);
                }
            }
            chains.put(key, chain);
        }
        for (String key : keys) {
            chains.computeIfAbsent(key, k -> {
                LeakChainDTO c = new LeakChainDTO();
                c.status = "collected";
                c.message = "the revision's loader was not found in the heap dump: it was collected before the dump";
                c.millis = millis;
                return c;
            });
        }
        return chains;
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static LeakChainDTO failure(String status, String message, long start) {
        LeakChainDTO c = new LeakChainDTO();
        c.status = status;
        c.message = message;
        c.millis = (System.nanoTime() - start) / 1_000_000;
        return c;
    }

    private static Map<String, LeakChainDTO> all(Collection<String> keys, LeakChainDTO chain) {
        Map<String, LeakChainDTO> m = new LinkedHashMap<>();
        for (String k : keys) {
            LeakChainDTO c = new LeakChainDTO();
            c.status = chain.status;
            c.message = chain.message;
            c.millis = chain.millis;
            m.put(k, c);
        }
        return m;
    }
}
