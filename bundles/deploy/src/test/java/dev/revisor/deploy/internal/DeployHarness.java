package dev.revisor.deploy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.deploy.api.DeployFileDTO;

/**
 * A {@link DeployEngine} over a temporary deploy folder and state directory, with the fake framework, the fake audit
 * and a real {@link Starter}; the test's own thread is the deploy thread. The scheduler only queues (a settle check
 * runs when the test calls {@link #runScheduled}); a start that returns late is handed to the deploy thread when the
 * test calls {@link #awaitLateStart}. Black box: only the engine's package-private entry points are called.
 * <p>
 * Threads: the starter's {@code revisor-deploy-start-N} and the fake framework's {@value FakeFramework#REFRESH_THREAD};
 * {@link #close} releases every blocked activator and stops both.
 */
final class DeployHarness implements AutoCloseable {
    static final String[] UNTRUE_AFTER_A_CHANGE = {"nothing in the runtime changed", "keeps running", "nothing had changed"};

    final Path folder;
    final Path data;
    final FakeFramework fw = new FakeFramework();
    final FakeJournal journal;
    final FakeOperations operations;
    final FakeRefreshes refreshes;
    final LogLines log = new LogLines();
    final List<Runnable> scheduled = new ArrayList<>();
    private final BlockingQueue<Runnable> lateReturns = new LinkedBlockingQueue<>();
    private final long startTimeoutMillis;
    Settings settings;
    Starter starter;
    DeployEngine engine;

    DeployHarness(Path root, long startTimeoutMillis) throws IOException {
        Path real = root.toRealPath();
        this.folder = Files.createDirectories(real.resolve("deploy"));
        this.data = real.resolve("data");
        this.journal = new FakeJournal(real.resolve("audit"));
        this.operations = new FakeOperations(journal);
        this.refreshes = new FakeRefreshes(fw, journal);
        this.startTimeoutMillis = startTimeoutMillis;
        boot();
    }

    DeployHarness(Path root) throws IOException {
        this(root, 2_000);
    }

    private void boot() throws IOException {
        settings = new Settings(folder, ApiGate.REFUSE, 300, 1_500, 50, startTimeoutMillis, true, 0);
        starter = new Starter(operations, startTimeoutMillis, Starter.MAX_THREADS,
                (stuck, failure) -> lateReturns.add(() -> engine.startReturned(stuck, failure)));
        engine = new DeployEngine(fw, operations, refreshes, journal, log.logger(), settings, new FolderGuard(FolderGuard.OFF),
                new JarInspector(new JarInspector.Limits(1 << 20, 1000, 1 << 24)), new StateStore(data),
                (task, delay) -> scheduled.add(task), starter);
        engine.load();
        engine.disarmStuck();
        engine.startUp();
    }

    /**
     * What a kill -9 and a start on the same home leave: the start threads gone, the framework restarted from its
     * persistent state, a new engine over the same folder and state directory (load, disarmStuck, startUp).
     */
    void restart() throws IOException {
        starter.close(5_000);
        lateReturns.clear();
        fw.restart();
        boot();
    }

    // ------------------------------------------------------------------------------------------------ the folder

    /** Moves the jar into the folder (written beside it first, as a user should) and tells the engine. */
    Path deploy(String name, byte[] jar) throws IOException {
        Path file = put(name, jar);
        engine.changed(file, false);
        return file;
    }

    Path put(String name, byte[] jar) throws IOException {
        Path tmp = folder.resolveSibling(name + ".tmp");
        Files.write(tmp, jar);
        return Files.move(tmp, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes the file and tells the engine. */
    void remove(String name) throws IOException {
        Path file = folder.resolve(name);
        Files.deleteIfExists(file);
        engine.removed(file);
    }

    void runScheduled() {
        List<Runnable> tasks = new ArrayList<>(scheduled);
        scheduled.clear();
        tasks.forEach(Runnable::run);
    }

    /** Waits for a start reported stuck to return, then lets the engine finish its transaction (deploy thread). */
    void awaitLateStart() throws InterruptedException {
        takeLateStart().run();
    }

    /**
     * Waits for a start reported stuck to return and gives the deploy thread's task that tells the engine, so that a
     * test can run it later (as a busy deploy thread does).
     */
    Runnable takeLateStart() throws InterruptedException {
        Runnable r = lateReturns.poll(20, TimeUnit.SECONDS);
        assertThat(r).as("a stuck start came back").isNotNull();
        return r;
    }

    // ------------------------------------------------------------------------------------------------ reading back

    /** @return the file's row of {@code audit:deploys}, or {@code null} */
    DeployFileDTO row(String name) {
        for (DeployFileDTO f : engine.status(0).files) {
            if (f.file.equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** @return {@code .failed}, {@code .pending}, or {@code null} when there is no marker */
    String markerKind(String name) {
        boolean failed = Files.exists(folder.resolve(name + DeployEngine.FAILED_SUFFIX));
        boolean pending = Files.exists(folder.resolve(name + DeployEngine.PENDING_SUFFIX));
        assertThat(failed && pending).as("%s has both markers", name).isFalse();
        return failed ? DeployEngine.FAILED_SUFFIX : pending ? DeployEngine.PENDING_SUFFIX : null;
    }

    String markerText(String name) throws IOException {
        String kind = markerKind(name);
        return kind == null ? null : Files.readString(folder.resolve(name + kind));
    }

    List<AuditEventDTO> events(String name) {
        return journal.deployEvents(name);
    }

    /** @return the last deploy.* event of the file, its type */
    String lastEvent(String name) {
        List<AuditEventDTO> e = events(name);
        return e.isEmpty() ? null : e.get(e.size() - 1).type;
    }

    boolean writeAheadRecordLeft() {
        return Files.exists(data.resolve("transaction.json"));
    }

    FakeBundle bundle(String symbolicName) {
        return fw.bundle(symbolicName);
    }

    /** @return {@code ACTIVE}, {@code RESOLVED}, ... or {@code GONE} when no bundle of that name is installed */
    String state(String symbolicName) {
        Bundle b = fw.bundle(symbolicName);
        return b == null ? "GONE" : Explain.state(b);
    }

    // ------------------------------------------------------------------------------------------------ the invariant

    /**
     * Issue 11's invariant for one transaction: every bundle of the plan (by symbolic name) is ACTIVE, or is named in
     * the file's reason and in its marker; and while one is not running, the reason does not say that nothing
     * changed or that a bundle keeps running.
     */
    void assertEveryBundleActiveOrNamed(String file, String... symbolicNames) throws IOException {
        DeployFileDTO row = row(file);
        String marker = markerText(file);
        List<String> down = new ArrayList<>();
        for (String bsn : symbolicNames) {
            if (!"ACTIVE".equals(state(bsn))) {
                down.add(bsn + " (" + state(bsn) + ")");
                assertThat(row).as("%s has a row while %s is %s", file, bsn, state(bsn)).isNotNull();
                assertThat(row.reason).as("the reason of %s names %s, which is %s", file, bsn, state(bsn)).contains(bsn);
                assertThat(marker).as("the marker of %s names %s, which is %s", file, bsn, state(bsn)).isNotNull().contains(bsn);
            }
        }
        if (!down.isEmpty()) {
            for (String untrue : UNTRUE_AFTER_A_CHANGE) {
                assertThat(row.reason).as("the reason of %s while %s not running", file, down).doesNotContain(untrue);
            }
        }
    }

    /** Something changed before the failure (a bundle stopped, bytes updated, a bundle uninstalled): never "nothing". */
    void assertNotReportedAsNothingChanged(String file) throws IOException {
        DeployFileDTO row = row(file);
        assertThat(row).as("%s has a row", file).isNotNull();
        String marker = markerText(file);
        for (String untrue : UNTRUE_AFTER_A_CHANGE) {
            assertThat(row.reason).as("the reason of %s after a change", file).doesNotContain(untrue);
            if (marker != null) {
                assertThat(marker).as("the marker of %s after a change", file).doesNotContain(untrue);
            }
        }
    }

    @Override
    public void close() {
        fw.releaseAll();
        starter.close(5_000);
        fw.close();
    }
}
