package dev.revisor.bench.probe;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Work the harness asks the probe to do inside the framework and time there. A task is a file
 * {@code tasks/NAME.task} holding one line {@code WORD ARGS...}; the answer is {@code tasks/NAME.result}
 * (written whole, then renamed), lines of {@code key values...} ending with {@code ok} or {@code error MESSAGE}.
 * <ul>
 * <li>{@code heap}: two System.gc() calls, then heap used/committed and the number of bundles.</li>
 * <li>{@code floor NEW.jar UPDATE.jar}: install + start, then update + refresh (+ restart), called directly: the floor
 * under any deploy folder.</li>
 * <li>{@code cycles JAR PER_LEG LEGS TOGGLE_BSN|component:NAME|- [SETTLE]}: install/start/stop/uninstall cycles in legs
 * ordered on, off, off, on, on, off... (ABBA, to cancel drift); "off" legs stop the bundle TOGGLE_BSN (the audit) or
 * disable the DS component NAME (scr:disable), "on" legs start or enable it again. Each leg first runs SETTLE cycles
 * (default 0) that are reported apart ({@code settle} lines) and not in the leg's figures: the switch itself (the
 * audit's activation, the JIT adapting to listeners that come and go) is not the steady cost of either state.</li>
 * <li>{@code gogo N COMMAND LINE}: runs a Gogo command line N times in one session and times each run.</li>
 * <li>{@code refreshcycle JAR}: install, start, 300 ms, stop, uninstall, refresh; the time the refresh completed.</li>
 * <li>{@code stop BSN}: stops that bundle (the audit-off runtime of the audit suite).</li>
 * <li>{@code ballast MB}: keeps MB mebibytes of live byte arrays (0 drops them): sets the heap size for leak analysis.</li>
 * </ul>
 * Concurrent Semantics: {@link #poll()} runs on the probe's single thread only.
 */
final class Tasks {
    private final BundleContext context;
    private final Path dir;
    private final EventLog log;
    private final List<Object> ballast = new ArrayList<>();

    Tasks(BundleContext context, Path dir, EventLog log) {
        this.context = context;
        this.dir = dir;
        this.log = log;
    }

    void poll() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.task")) {
            files.forEach(found::add);
        } catch (IOException e) {
            return;
        }
        found.sort(null);
        for (Path task : found) {
            String name = task.getFileName().toString().replaceFirst("\\.task$", "");
            StringBuilder out = new StringBuilder();
            try {
                String line = Files.readString(task, StandardCharsets.UTF_8).trim();
                Files.delete(task);
                run(line, out);
                out.append("ok\n");
            } catch (Throwable t) { // one failing task never stops the probe: the harness reads the reason
                out.append("error ").append(String.valueOf(t).replace('\n', ' ')).append('\n');
            }
            try {
                Path tmp = dir.resolve(name + ".result.tmp");
                Files.writeString(tmp, out, StandardCharsets.UTF_8);
                Files.move(tmp, dir.resolve(name + ".result"), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                log.write(EventLog.nowMicros(), "TASK_ERROR", name + " " + e);
            }
        }
    }

    private void run(String line, StringBuilder out) throws Exception {
        String[] words = line.split(" ", 2);
        String args = words.length > 1 ? words[1] : "";
        switch (words[0]) {
        case "heap": heap(out); break;
        case "floor": floor(args.split(" "), out); break;
        case "cycles": cycles(args.split(" "), out); break;
        case "gogo": {
            String[] a = args.split(" ", 2);
            GogoTask.run(context, Integer.parseInt(a[0]), a[1], out);
            break;
        }
        case "ballast": ballast(Integer.parseInt(args.trim()), out); break;
        case "refreshcycle": refreshCycle(args.trim(), out); break;
        case "stop": {
            Bundle b = find(args.trim());
            if (b == null) {
                throw new IllegalArgumentException("no bundle " + args.trim() + " to stop");
            }
            b.stop();
            out.append("stopped ").append(b.getBundleId()).append('\n');
            break;
        }
        default: throw new IllegalArgumentException("unknown task: " + line);
        }
    }

    private void heap(StringBuilder out) throws InterruptedException {
        System.gc();
        Thread.sleep(100);
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        out.append("heapUsed ").append(heap.getUsed()).append('\n');
        out.append("heapCommitted ").append(heap.getCommitted()).append('\n');
        out.append("nonHeapUsed ").append(nonHeap.getUsed()).append('\n');
        out.append("bundles ").append(context.getBundles().length).append('\n');
        out.append("loadedClasses ").append(ManagementFactory.getClassLoadingMXBean().getLoadedClassCount()).append('\n');
        out.append("fullGcs ").append(fullGcs()).append('\n');
    }

    /**
     * Keeps about {@code mib} MiB live: half as 1 MiB byte arrays, half as small objects (about 37,000 per MiB,
     * 24 bytes each, linked in chunks), so that a heap dump has a realistic number of objects to index, not only bytes.
     */
    private void ballast(int mib, StringBuilder out) {
        ballast.clear();
        int bytes = mib / 2;
        for (int i = 0; i < bytes; i++) {
            byte[] chunk = new byte[1024 * 1024];
            chunk[i % chunk.length] = (byte) i;
            ballast.add(chunk);
        }
        long objects = 0;
        for (int i = bytes; i < mib; i++) {
            Node[] chunk = new Node[37_449];
            Node previous = null;
            for (int k = 0; k < chunk.length; k++) {
                previous = new Node(k, previous);
                chunk[k] = previous;
            }
            objects += chunk.length;
            ballast.add(chunk);
        }
        out.append("ballastMiB ").append(mib).append('\n');
        out.append("ballastObjects ").append(objects).append('\n');
    }

    /** A small live object of the ballast. */
    static final class Node {
        final long value;
        final Node next;

        Node(long value, Node next) {
            this.value = value;
            this.next = next;
        }
    }

    private void floor(String[] args, StringBuilder out) throws Exception {
        byte[] first = Files.readAllBytes(Path.of(args[0]));
        byte[] second = Files.readAllBytes(Path.of(args[1]));
        long t0 = System.nanoTime();
        Bundle b = context.installBundle("bench:floor:" + UUID.randomUUID(), new ByteArrayInputStream(first));
        b.start();
        long t1 = System.nanoTime();
        out.append("new ").append((t1 - t0) / 1000).append('\n');
        long t2 = System.nanoTime();
        b.update(new ByteArrayInputStream(second));
        refresh(List.of(b));
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        long t3 = System.nanoTime();
        out.append("update ").append((t3 - t2) / 1000).append('\n');
        b.uninstall();
        refresh(List.of(b));
    }

    /**
     * Installs and starts the bundle, lets it run 300 ms, then stops and uninstalls it and refreshes; prints the
     * moment the refresh completed (PACKAGES_REFRESHED) in epoch microseconds: leak checks start from there.
     */
    private void refreshCycle(String jar, StringBuilder out) throws Exception {
        Bundle b = context.installBundle("bench:leak:" + UUID.randomUUID(), new ByteArrayInputStream(Files.readAllBytes(Path.of(jar))));
        b.start();
        Thread.sleep(300);
        out.append("bsn ").append(b.getSymbolicName()).append('\n');
        out.append("id ").append(b.getBundleId()).append('\n');
        b.stop();
        b.uninstall();
        refresh(List.of(b));
        out.append("refreshed ").append(EventLog.nowMicros()).append('\n');
    }

    private void refresh(List<Bundle> bundles) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("refresh did not complete in 60 s");
        }
    }

    private void cycles(String[] args, StringBuilder out) throws Exception {
        byte[] jar = Files.readAllBytes(Path.of(args[0]));
        int perLeg = Integer.parseInt(args[1]);
        int legs = Integer.parseInt(args[2]);
        String component = args[3].startsWith("component:") ? args[3].substring("component:".length()) : null;
        Bundle toggle = args[3].equals("-") || component != null ? null : find(args[3]);
        int settle = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        if (!args[3].equals("-") && component == null && toggle == null) {
            throw new IllegalArgumentException("no bundle " + args[3] + " to switch the audit off");
        }
        log.mute(true);
        try {
            for (int leg = 0; leg < legs; leg++) {
                boolean on = leg % 4 == 0 || leg % 4 == 3; // on off off on | on off off on ...
                if (toggle != null) {
                    if (on) {
                        toggle.start();
                    } else {
                        toggle.stop();
                    }
                }
                if (component != null) { // Felix SCR's own Gogo commands
                    GogoTask.run(context, 1, (on ? "scr:enable " : "scr:disable ") + component, new StringBuilder());
                }
                refresh(null);
                Thread.sleep(500); // the switch and the refresh settle: the audit's own start-up work, a leak check of the last leg
                for (int i = 0; i < settle; i++) {
                    long nanos = cycle(jar, "bench:settle:" + leg + ":" + i);
                    out.append("settle ").append(leg).append(on ? " on " : " off ").append(nanos).append('\n');
                }
                long cpu0 = processCpuNanos();
                long own0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                Map<String, Long> threads0 = threadCpu();
                long gc0 = fullGcs();
                long wall0 = System.nanoTime();
                for (int i = 0; i < perLeg; i++) {
                    long nanos = cycle(jar, "bench:cycle:" + leg + ":" + i);
                    out.append("cycle ").append(leg).append(on ? " on " : " off ").append(nanos).append('\n');
                }
                long wall = System.nanoTime() - wall0;
                long cpu = processCpuNanos() - cpu0;
                long own = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - own0;
                out.append("leg ").append(leg).append(on ? " on " : " off ").append(wall).append(' ').append(cpu).append(' ')
                        .append(fullGcs() - gc0).append(' ').append(own).append('\n');
                out.append("threads ").append(leg).append(on ? " on" : " off");
                threadCpu().forEach((name, nanos) -> {
                    long d = nanos - threads0.getOrDefault(name, 0L);
                    if (d > 0) {
                        out.append(' ').append(name.replace(' ', '_')).append('=').append(d);
                    }
                });
                out.append('\n');
            }
        } finally {
            log.mute(false);
            if (toggle != null && toggle.getState() != Bundle.ACTIVE) {
                toggle.start();
            }
            if (component != null) {
                GogoTask.run(context, 1, "scr:enable " + component, new StringBuilder());
            }
        }
        refresh(null);
    }

    /**
     * CPU time of every live thread, summed by name with digits dropped (the audit's threads are new after each switch;
     * {@code C2 CompilerThread0} and {@code 1} are one entry), in nanoseconds.
     */
    static Map<String, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (long id : mx.getAllThreadIds()) {
            java.lang.management.ThreadInfo info = mx.getThreadInfo(id);
            long cpu = mx.getThreadCpuTime(id);
            if (info != null && cpu > 0) {
                out.merge(info.getThreadName().replaceAll("[0-9]+", ""), cpu, Long::sum);
            }
        }
        return out;
    }

    /** One install/start/stop/uninstall of the jar at that location; @return how long it took, in nanoseconds */
    private long cycle(byte[] jar, String location) throws Exception {
        long t0 = System.nanoTime();
        Bundle b = context.installBundle(location, new ByteArrayInputStream(jar));
        b.start();
        b.stop();
        b.uninstall();
        return System.nanoTime() - t0;
    }

    private Bundle find(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** Old-generation (full) collections so far: System.gc() with the serial collector is one. */
    static long fullGcs() {
        long n = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().equals("MarkSweepCompact") || gc.getName().contains("Old") || gc.getName().contains("MarkSweep")) {
                n += gc.getCollectionCount();
            }
        }
        return n;
    }

    /** CPU time of the whole process (every thread, the audit's own included), in nanoseconds; -1 if unknown. */
    static long processCpuNanos() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object v = server.getAttribute(new ObjectName("java.lang:type=OperatingSystem"), "ProcessCpuTime");
            return ((Number) v).longValue();
        } catch (Exception e) {
            return -1;
        }
    }

    static InputStream stream(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    static void require(boolean condition, String message) throws BundleException {
        if (!condition) {
            throw new BundleException(message);
        }
    }
}
