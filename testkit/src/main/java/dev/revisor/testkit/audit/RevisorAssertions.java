package dev.revisor.testkit.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.ConflictReportDTO;
import dev.revisor.audit.api.Diagnostics;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.Leaks;
import dev.revisor.audit.api.PackageExportersDTO;
import dev.revisor.audit.api.PlannedRestartDTO;
import dev.revisor.audit.api.RefreshPlanDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.audit.api.Refreshes;
import dev.revisor.audit.api.RestartDTO;
import dev.revisor.audit.api.WhyReportDTO;

/**
 * JUnit assertions over Revisor's audit, for Pax Exam tests of plugins. Each runs inside the framework (call it from
 * a test method, with the {@code BundleContext} Pax Exam injects), reads the audit's public API
 * ({@code dev.revisor.audit.api}) and, when it fails, throws an {@link AssertionError} whose message says what a
 * developer needs to fix it: which bundle, which thread or holder, what to change (docs/testing-plugins.md, "Reading a
 * failure").
 * <pre>{@code
 * import static dev.revisor.testkit.audit.RevisorAssertions.*;
 *
 * LiveUpdates.update(context, greeter, Variants.path("greeter-1.0.1.jar"));
 * assertNoLeaks(context, greeter);
 * }</pre>
 * Concurrent Semantics: each call is independent; the audit services are looked up at each call.
 */
public final class RevisorAssertions {
    /** How long {@link #assertNoLeaks(BundleContext, Bundle)} waits for the audit to check the bundle's old revision. */
    public static final long LEAK_CHECK_WAIT_MILLIS = 20_000;

    private RevisorAssertions() {
    }

    // ---- leaks ----

    /**
     * Asserts that the revisions of the bundle that an update or an uninstall (and the refresh after it) took out of use
     * left nothing behind: no thread, ThreadLocal value, held service, JVM-global registration or zombie class loader.
     * Waits (at most {@value #LEAK_CHECK_WAIT_MILLIS} ms) until the audit has checked them. A zombie is explained with
     * its reference chain from a GC root when the heap analyzer is installed (RevisorOptions does that).
     *
     * @param context a bundle context (the probe's)
     * @param bundle  the bundle after {@code LiveUpdates.update} or {@code LiveUpdates.uninstall} (or your own update and
     *                refresh)
     * @throws AssertionError naming each leak, its thread or holder, and the fix
     */
    public static void assertNoLeaks(BundleContext context, Bundle bundle) {
        assertNoLeaks(context, bundle, true);
    }

    /**
     * Like {@link #assertNoLeaks(BundleContext, Bundle)}; with {@code explain} false a zombie is reported without its
     * chain (no heap dump: faster, when the other findings say enough).
     */
    public static void assertNoLeaks(BundleContext context, Bundle bundle, boolean explain) {
        if (bundle == null) {
            throw new IllegalArgumentException("no bundle given: pass the bundle you updated or uninstalled");
        }
        Leaks leaks = Services.get(context, Leaks.class);
        FrameworkWiring fw = context.getBundle(0).adapt(FrameworkWiring.class);
        if (fw.getRemovalPendingBundles().contains(bundle)) {
            throw new AssertionError(Texts.bundle(bundle) + " has a revision that is out of use but not refreshed yet, so it cannot"
                    + " be checked for leaks: refresh after the update (LiveUpdates.update does, or Refreshes.refresh)");
        }
        List<LeakFindingDTO> mine = awaitCheck(context, leaks, bundle);
        if (mine.isEmpty()) {
            return;
        }
        if (explain && mine.stream().anyMatch(f -> LeakFindingDTO.ZOMBIE.equals(f.kind) && f.chain == null)
                && analyzerInstalled(leaks.status())) {
            mine = of(leaks.explain(line -> { }), bundle.getBundleId());
        }
        throw new AssertionError(Texts.leaks(bundle, mine, leaks.status()));
    }

    private static boolean analyzerInstalled(LeakStatusDTO status) {
        return status.analyzer != null && !status.analyzer.startsWith("not installed");
    }

    /** How long a bundle that no journaled refresh retired is given before it counts as having nothing to check. */
    private static final long UNRETIRED_GRACE_MILLIS = 2_000;

    /**
     * Checks until a leak check has covered the bundle's retired revisions; returns its findings. A bundle that no
     * refresh record names (never updated, or a refresh the audit is still recording) gets a short grace; then, with
     * nothing waiting for a check, it has nothing to check.
     */
    private static List<LeakFindingDTO> awaitCheck(BundleContext context, Leaks leaks, Bundle bundle) {
        long id = bundle.getBundleId();
        Journal journal = Services.get(context, Journal.class);
        long start = System.nanoTime();
        long end = start + LEAK_CHECK_WAIT_MILLIS * 1_000_000L;
        long grace = start + UNRETIRED_GRACE_MILLIS * 1_000_000L;
        while (true) {
            List<LeakFindingDTO> mine = of(leaks.check(), id);
            long retiredAt = retiredAt(journal, id);
            if (checkedAfter(journal, id, retiredAt)) {
                return mine;
            }
            long now = System.nanoTime();
            if (retiredAt < 0 && now > grace && leaks.status().pending == 0) {
                return mine; // no revision of it went out of use through a refresh: nothing to check
            }
            if (now > end) {
                throw new AssertionError("Revisor did not check " + Texts.bundle(bundle) + " for leaks within "
                        + LEAK_CHECK_WAIT_MILLIS + " ms (" + leaks.status().pending + " revision(s) wait for a check): was it "
                        + "updated or uninstalled, and refreshed?");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the leak check of " + Texts.bundle(bundle), e);
            }
        }
    }

    /** @return the sequence number of the last refresh record that retired a revision of the bundle, or -1 */
    private static long retiredAt(Journal journal, long id) {
        long retiredAt = -1;
        for (AuditEventDTO e : journal.events(EventQuery.last(200).withType("refresh.record"))) {
            if (names(e.details.get("retired"), id)) {
                retiredAt = Math.max(retiredAt, e.seq);
            }
        }
        return retiredAt;
    }

    /** @return whether a {@code leak.checked} event after {@code seq} names a revision of the bundle */
    private static boolean checkedAfter(Journal journal, long id, long seq) {
        for (AuditEventDTO e : journal.events(EventQuery.last(200).withType("leak.checked"))) {
            if (e.seq > seq && names(e.details.get("revisions"), id)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether a journal list of revisions (maps with {@code id}, or with {@code bundle.id}) names the bundle */
    private static boolean names(Object list, long id) {
        if (!(list instanceof List)) {
            return false;
        }
        for (Object o : (List<?>) list) {
            if (o instanceof Map) {
                Map<?, ?> m = (Map<?, ?>) o;
                Object v = m.get("id");
                if (v == null && m.get("bundle") instanceof Map) {
                    v = ((Map<?, ?>) m.get("bundle")).get("id");
                }
                if (v instanceof Number && ((Number) v).longValue() == id) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<LeakFindingDTO> of(List<LeakFindingDTO> all, long id) {
        return all.stream().filter(f -> f.bundle != null && f.bundle.id == id).collect(Collectors.toList());
    }

    // ---- refresh plans ----

    /**
     * Asserts that changing the bundles and refreshing would restart (stop and start again) exactly the named bundles,
     * the changed ones included when they are active; computed by the audit's refresh planner, nothing changes. Pax
     * Exam's probe (the test's own bundle) is left out: it is in the plan when the test uses a class of a changed bundle.
     *
     * @param context  a bundle context
     * @param change   what happens to the bundles first
     * @param changed  the bundles to update, uninstall or refresh
     * @param expected symbolic names of the bundles that must restart, no others
     * @return the plan, for further checks
     * @throws AssertionError naming each unexpected restart with the wire that causes it, and each missing one
     */
    public static RefreshPlanDTO assertRefreshRestartsExactly(BundleContext context, Refreshes.Change change,
            Collection<Bundle> changed, String... expected) {
        RefreshPlanDTO plan = Services.get(context, Refreshes.class).plan(changed, change);
        Set<String> restarts = new TreeSet<>();
        for (PlannedRestartDTO p : plan.affected) {
            if (p.restarts && !p.removed && !Texts.probe(p.bundle)) {
                restarts.add(p.bundle.symbolicName);
            }
        }
        Set<String> wanted = new TreeSet<>(Arrays.asList(expected));
        if (!restarts.equals(wanted)) {
            throw new AssertionError(Texts.plan(plan, wanted, restarts));
        }
        return plan;
    }

    /**
     * Asserts that a refresh that happened restarted exactly the named bundles (those it stopped and started again).
     * A bundle that {@code LiveUpdates.update} changed is stopped before its update, so the refresh does not restart
     * it: the record names its dependants.
     *
     * @param record   what {@code LiveUpdates.update} or {@code Refreshes.refresh} returned
     * @param expected symbolic names of the bundles that must have restarted
     */
    public static void assertRestartedExactly(RefreshRecordDTO record, String... expected) {
        Set<String> restarted = new TreeSet<>();
        for (RestartDTO r : record.restarted) {
            if (r.stopped != null && !Texts.probe(r.bundle)) {
                restarted.add(r.bundle.symbolicName);
            }
        }
        Set<String> wanted = new TreeSet<>(Arrays.asList(expected));
        if (!restarted.equals(wanted)) {
            throw new AssertionError(Texts.record(record, wanted, restarted));
        }
    }

    // ---- resolution ----

    /**
     * Asserts that the bundle resolves (it is offered to the resolver if it is only Installed). Starts nothing.
     *
     * @throws AssertionError with what {@code audit:why} says: each unresolved requirement with the candidates that
     *                        exist and why each does not fit, uses conflicts with their fixes
     */
    public static void assertResolves(BundleContext context, Bundle bundle) {
        FrameworkWiring fw = context.getBundle(0).adapt(FrameworkWiring.class);
        fw.resolveBundles(List.of(bundle));
        if ((bundle.getState() & (Bundle.INSTALLED | Bundle.UNINSTALLED)) != 0) {
            WhyReportDTO why = Services.get(context, Diagnostics.class).why(bundle, false);
            throw new AssertionError(Texts.bundle(bundle) + " does not resolve. audit:why says:\n" + WhyText.of(why));
        }
    }

    /**
     * Asserts that the bundle is Active and its Declarative Services components are satisfied.
     *
     * @throws AssertionError with what {@code audit:why} says (the activator's exception, unsatisfied references)
     */
    public static void assertActive(BundleContext context, Bundle bundle) {
        WhyReportDTO why = Services.get(context, Diagnostics.class).why(bundle, false);
        if (!why.active || !why.components.isEmpty() || !why.unresolved.isEmpty()) {
            throw new AssertionError(Texts.bundle(bundle) + " is not Active with all its components satisfied. audit:why says:\n"
                    + WhyText.of(why));
        }
    }

    // ---- package exporters ----

    /**
     * Asserts that no package is exported by more than one bundle revision (current or removal-pending), except the
     * named ones (two versions of a library side by side, on purpose). Packages that only the test's infrastructure
     * exports twice are left out: Pax Exam's JUnit and Hamcrest bundles, its pax-logging-api next to revisor-core's
     * SLF4J (bundles named {@code org.ops4j.*}, {@code org.apache.servicemix.bundles.*}, {@code slf4j.api},
     * {@code ch.qos.logback.*}, {@code org.apache.felix.*}, {@code org.osgi.*}, {@code dev.revisor.*}); a package
     * one of your bundles exports too is reported.
     *
     * @param expected packages that may have several exporters
     * @throws AssertionError naming each package, its exporters with versions and importers, and what to do
     */
    public static void assertNoDuplicateExports(BundleContext context, String... expected) {
        ConflictReportDTO report = Services.get(context, Diagnostics.class).conflicts();
        Set<String> allowed = new TreeSet<>(Arrays.asList(expected));
        List<PackageExportersDTO> bad = new ArrayList<>();
        for (PackageExportersDTO p : report.packages) {
            if (!allowed.contains(p.packageName) && p.exporters.stream().anyMatch(e -> !infrastructure(e.bundle.symbolicName))) {
                bad.add(p);
            }
        }
        if (!bad.isEmpty()) {
            throw new AssertionError(Texts.exporters(bad));
        }
    }

    private static final List<String> INFRASTRUCTURE = List.of("org.ops4j.", "org.apache.servicemix.bundles.", "slf4j.api",
            "ch.qos.logback.", "org.apache.felix.", "org.osgi.", "dev.revisor.", "com.google.gson");

    private static boolean infrastructure(String symbolicName) {
        return symbolicName != null && INFRASTRUCTURE.stream().anyMatch(symbolicName::startsWith);
    }
}
