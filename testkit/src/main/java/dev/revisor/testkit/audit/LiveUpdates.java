package dev.revisor.testkit.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

import dev.revisor.audit.api.BundleNames;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.Operation;
import dev.revisor.audit.api.Operations;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;

/**
 * Live changes as Revisor audits them: each is one operation of the audit ({@code api:revisor-testkit}) made of the
 * change and the refresh after it, so that the refresh record is returned and the old revision is handed to the leak
 * check before the method returns. Use them before {@link RevisorAssertions#assertNoLeaks}.
 * <p>
 * Concurrent Semantics: each call is independent; run one change at a time per bundle.
 */
public final class LiveUpdates {
    /** How long a refresh may take. */
    public static final long REFRESH_TIMEOUT_MILLIS = 60_000;
    private static final String TRIGGER = Operations.TRIGGER_API + "revisor-testkit";

    private LiveUpdates() {
    }

    /**
     * Updates the bundle with the jar's bytes and refreshes it (and its dependants); restarts it if it was active. As
     * Revisor's deploy folder does it: stop, update, refresh, start, so that the new revision starts once (the
     * framework's own {@code update} of an active bundle starts it, and the refresh after it starts it again).
     *
     * @return what the refresh did: who restarted, who failed
     */
    public static RefreshRecordDTO update(BundleContext context, Bundle bundle, Path jar) throws BundleException, IOException {
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no jar at " + jar + " to update " + BundleRefDTO.of(bundle).display() + " with");
        }
        Operations operations = Services.get(context, Operations.class);
        try (Operation op = operations.begin("update", TRIGGER, BundleRefDTO.of(bundle).display());
             InputStream in = Files.newInputStream(jar)) {
            boolean active = bundle.getState() == Bundle.ACTIVE;
            if (active) {
                bundle.stop(Bundle.STOP_TRANSIENT);
            }
            bundle.update(in);
            RefreshRecordDTO record = refresh(context, List.of(bundle), op);
            if (active) {
                bundle.start(Bundle.START_TRANSIENT);
            }
            return record;
        }
    }

    /** Uninstalls the bundle and refreshes what was wired to it. */
    public static RefreshRecordDTO uninstall(BundleContext context, Bundle bundle) throws BundleException {
        Operations operations = Services.get(context, Operations.class);
        try (Operation op = operations.begin("uninstall", TRIGGER, BundleRefDTO.of(bundle).display())) {
            bundle.uninstall();
            return refresh(context, List.of(bundle), op);
        }
    }

    /**
     * Finds an installed bundle by name, so that a test needs none of its classes: a test class that uses a class of a
     * bundle is wired to it, and a refresh of that bundle would restart the test's own bundle (Pax Exam's probe).
     *
     * @param name a symbolic name, {@code symbolicName/version} or an id
     * @throws AssertionError when no bundle or several match, saying which exist
     */
    public static Bundle bundle(BundleContext context, String name) {
        try {
            return BundleNames.find(context, name);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Installs a jar (by its file URL) and starts it unless it is a fragment; returns the bundle. */
    public static Bundle install(BundleContext context, Path jar) throws BundleException {
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no jar at " + jar + " to install");
        }
        Operations operations = Services.get(context, Operations.class);
        try (Operation op = operations.begin("install", TRIGGER, jar.getFileName().toString())) {
            Bundle b = context.installBundle(jar.toUri().toString());
            if (b.getHeaders().get("Fragment-Host") == null) {
                b.start();
            }
            return b;
        }
    }

    private static RefreshRecordDTO refresh(BundleContext context, List<Bundle> bundles, Operation op) {
        try {
            RefreshRecordDTO record = Services.get(context, Refreshes.class).refresh(bundles, REFRESH_TIMEOUT_MILLIS);
            if (!record.failures.isEmpty()) {
                op.outcome(Operation.FAILED, String.join("; ", record.failures));
            }
            return record;
        } catch (TimeoutException e) {
            throw new AssertionError("the refresh after the change did not end within " + REFRESH_TIMEOUT_MILLIS + " ms: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while refreshing", e);
        }
    }
}
