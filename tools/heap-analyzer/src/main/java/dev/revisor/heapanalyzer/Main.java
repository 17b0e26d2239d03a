package dev.revisor.heapanalyzer;

import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code java -Xmx768m -cp 'lib/heap-analyzer/*' dev.revisor.heapanalyzer.Main --dump FILE [--ref-class NAME]
 * [--key-field NAME] [--keys K1,K2] [--max-seconds N]}
 * <p>
 * Prints one JSON document on standard output:
 * {@code {"status":"ok","objects":N,"indexMillis":N,"searchMillis":N,"targets":[{"key":..,"status":"found",
 * "root":..,"hops":[{"kind":..,"edge":..,"from":..,"to":..,"bundle":{..}}],"text":..}]}}, and progress lines
 * ({@code progress: ...}) on standard error. Exit status 0 when the analysis ran (whatever it found), 1 when it failed,
 * 2 for bad arguments. It never changes or deletes the dump: the caller owns it.
 */
public final class Main {
    static final String DEFAULT_REF_CLASS = "dev.revisor.audit.internal.leaks.LoaderRef";

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        int status = run(args, out, err);
        out.flush();
        err.flush();
        if (status != 0) {
            // a plain main of a child process: the exit status is its interface
            Runtime.getRuntime().exit(status);
        }
    }

    /** @return the exit status */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String dump = null;
        String refClass = DEFAULT_REF_CLASS;
        String keyField = "key";
        long maxSeconds = 60;
        java.util.Set<String> keys = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--dump": dump = args[++i]; break;
                    case "--ref-class": refClass = args[++i]; break;
                    case "--key-field": keyField = args[++i]; break;
                    case "--max-seconds": maxSeconds = Long.parseLong(args[++i]); break;
                    case "--keys": keys = new java.util.HashSet<>(java.util.Arrays.asList(args[++i].split(","))); break;
                    default: throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (dump == null) {
                throw new IllegalArgumentException("--dump FILE is required");
            }
            if (maxSeconds < 1) {
                throw new IllegalArgumentException("--max-seconds must be at least 1");
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("usage: Main --dump FILE [--ref-class NAME] [--key-field NAME] [--keys K1,K2] [--max-seconds N]: "
                    + (e instanceof ArrayIndexOutOfBoundsException ? "a value is missing" : e.getMessage()));
            return 2;
        }
        File file = new File(dump);
        if (!file.isFile()) {
            err.println("error: no heap dump at " + file);
            return 1;
        }
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        Consumer<String> progress = line -> err.println("progress: " + line);
        Map<String, Object> result = new LinkedHashMap<>();
        try (HeapChains chains = new HeapChains(file, progress)) {
            List<HeapChains.Target> targets = chains.targets(refClass, keyField);
            if (keys != null) {
                java.util.Set<String> only = keys;
                targets.removeIf(t -> !only.contains(t.key));
            }
            progress.accept(targets.size() + " target(s) of " + refClass);
            long start = System.nanoTime();
            List<Map<String, Object>> found = chains.chains(targets, deadline);
            result.put("status", "ok");
            result.put("objects", chains.objectCount());
            result.put("indexMillis", chains.indexMillis());
            result.put("searchMillis", (System.nanoTime() - start) / 1_000_000);
            result.put("targets", found);
        } catch (Exception | OutOfMemoryError e) {
            err.println("error: " + e);
            return 1;
        }
        out.println(Json.of(result));
        return 0;
    }
}
