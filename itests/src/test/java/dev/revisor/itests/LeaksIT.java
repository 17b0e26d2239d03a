package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static dev.revisor.itests.RevisorTestSupport.reactorBundle;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.ChainHopDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.Leaks;

/**
 * A live update (update + refresh) of each leaky example bundle is followed by a finding of the right kind,
 * attributed to the right bundle, and each zombie revision is explained by a chain from a GC root that names the
 * responsible field; the leak-free control and Revisor's own bundles never appear.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LeaksIT {
    private static final String[] LEAKY = {"example-leaky-thread", "example-leaky-executor", "example-leaky-registry",
        "example-leaky-threadlocal", "example-leaky-service", "example-leaky-shutdown-hook", "example-leak-free"};

    @Inject
    private BundleContext context;
    @Inject
    private Leaks leaks;
    @Inject
    private Journal journal;
    @Inject
    private CommandProcessor gogo;

    @Configuration
    public Option[] config() {
        return new Option[] {
            RevisorTestSupport.baseConfiguration(),
            frameworkProperty("revisor.lib").value(RevisorTestSupport.required("revisor.itest.lib")),
        };
    }

    @Test
    public void everyLeakIsFoundAttributedAndExplainedAndTheCleanBundleNeverAppears() throws Exception {
        Map<String, Bundle> bundles = new LinkedHashMap<>();
        for (String artifact : new String[] {"example-leaky-registry-host", "example-leaky-service-holder"}) {
            bundles.put(artifact, install(artifact));
        }
        for (String artifact : LEAKY) {
            bundles.put(artifact, install(artifact));
        }
        for (Bundle b : bundles.values()) {
            if (b.getHeaders().get(Constants.BUNDLE_ACTIVATOR) != null) {
                b.start();
            }
        }

        // the live update: new bytes for each, then one refresh
        List<Bundle> updated = new ArrayList<>();
        for (String artifact : LEAKY) {
            Bundle b = bundles.get(artifact);
            try (InputStream in = Files.newInputStream(reactorBundle(artifact))) {
                b.update(in);
            }
            updated.add(b);
        }
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(updated, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        assertTrue("the refresh ended", refreshed.await(30, TimeUnit.SECONDS));

        long thread = bundles.get("example-leaky-thread").getBundleId();
        long executor = bundles.get("example-leaky-executor").getBundleId();
        long registry = bundles.get("example-leaky-registry").getBundleId();
        long threadLocal = bundles.get("example-leaky-threadlocal").getBundleId();
        long service = bundles.get("example-leaky-service").getBundleId();
        long hook = bundles.get("example-leaky-shutdown-hook").getBundleId();
        long holder = bundles.get("example-leaky-service-holder").getBundleId();
        long clean = bundles.get("example-leak-free").getBundleId();

        awaitFindings("a finding of each kind for each leaky bundle", () -> {
            List<LeakFindingDTO> f = leaks.findings();
            return has(f, LeakFindingDTO.THREAD, thread) && has(f, LeakFindingDTO.THREAD, executor)
                    && has(f, LeakFindingDTO.THREAD_LOCAL, threadLocal) && has(f, LeakFindingDTO.SERVICE, service)
                    && has(f, LeakFindingDTO.JVM_GLOBAL, hook)
                    && has(f, LeakFindingDTO.ZOMBIE, thread) && has(f, LeakFindingDTO.ZOMBIE, executor)
                    && has(f, LeakFindingDTO.ZOMBIE, registry) && has(f, LeakFindingDTO.ZOMBIE, threadLocal)
                    && has(f, LeakFindingDTO.ZOMBIE, service) && has(f, LeakFindingDTO.ZOMBIE, hook);
        });
        List<LeakFindingDTO> findings = leaks.findings();
        String all = describe(findings);

        LeakFindingDTO t = find(findings, LeakFindingDTO.THREAD, thread);
        assertEquals(all, "leaky-thread-poller", t.thread.name);
        assertEquals(all, "thread-class", t.thread.attribution);
        assertTrue(all, t.thread.culprit.endsWith("Activator$Poller"));
        assertEquals(all, "org.example.leaky.thread", t.bundle.symbolicName);
        assertTrue(t.fixHint, t.fixHint.contains("interrupt"));

        LeakFindingDTO e = find(findings, LeakFindingDTO.THREAD, executor);
        assertTrue(all, e.thread.attribution.startsWith("executor-"));
        assertTrue(e.fixHint, e.fixHint.contains("shutdownNow"));

        LeakFindingDTO tl = find(findings, LeakFindingDTO.THREAD_LOCAL, threadLocal);
        assertTrue(all, tl.thread.culprit.endsWith("Activator$Context"));

        LeakFindingDTO s = find(findings, LeakFindingDTO.SERVICE, service);
        assertTrue(all, s.service.objectClass.contains("java.util.function.Supplier"));
        assertTrue(all, s.service.holders.stream().anyMatch(h -> h.id == holder));
        assertTrue(s.fixHint, s.fixHint.contains("ungetService"));

        LeakFindingDTO h = find(findings, LeakFindingDTO.JVM_GLOBAL, hook);
        assertTrue(all, h.summary.contains("shutdown hook 'leaky-shutdown-hook'"));
        assertTrue(h.fixHint, h.fixHint.contains("removeShutdownHook"));

        assertClean(findings, clean);

        // the explanation: one heap dump, analyzed in a child JVM
        List<String> progress = new ArrayList<>();
        findings = leaks.explain(progress::add);
        all = describe(findings);
        assertTrue("progress lines: " + progress, progress.stream().anyMatch(l -> l.startsWith("indexed ")));
        System.out.println("LeaksIT: explained" + all + "progress:\n" + String.join("\n", progress));

        assertChain(findings, registry, "static", "Registry.LISTENERS", "org.example.registry.host", all);
        assertChain(findings, service, "field", "Activator.held", "org.example.leaky.service.holder", all);
        assertChain(findings, threadLocal, "field", "Thread.threadLocals", null, all);
        assertChain(findings, hook, "static", "ApplicationShutdownHooks.hooks", null, all);
        LeakFindingDTO zt = find(findings, LeakFindingDTO.ZOMBIE, thread);
        assertEquals(all, "found", zt.chain.status);
        assertEquals(all, "thread 'leaky-thread-poller'", zt.chain.root);
        LeakFindingDTO ze = find(findings, LeakFindingDTO.ZOMBIE, executor);
        assertEquals(all, "found", ze.chain.status);
        for (LeakFindingDTO z : findings) {
            if (z.chain != null && z.chain.hops != null) {
                ChainHopDTO last = z.chain.hops.get(z.chain.hops.size() - 1);
                assertEquals(all, "<defining-class-loader>", last.edge);
                for (ChainHopDTO hop : z.chain.hops) {
                    assertFalse("no chain passes through Revisor: " + z.chain.text,
                            hop.bundle != null && hop.bundle.symbolicName.startsWith("dev.revisor."));
                }
            }
        }
        assertClean(findings, clean);

        // journaled with the finding
        List<AuditEventDTO> found = journal.events(EventQuery.last(500).withType("leak.found"));
        assertTrue("leak.found events: " + found, found.stream().anyMatch(ev -> ev.bundle != null && ev.bundle.id == registry
                && "zombie".equals(ev.details.get("kind"))));
        assertFalse(journal.events(EventQuery.last(500).withType("leak.checked")).isEmpty());
        assertFalse(journal.events(EventQuery.last(500).withType("leak.explained")).isEmpty());

        // the command: one JSON document a script can read
        JsonObject doc = JsonParser.parseString(gogoOk(gogo, "audit:leaks --json")).getAsJsonObject();
        JsonArray items = doc.getAsJsonArray("findings");
        assertTrue(doc.toString(), items.size() >= 11);
        for (JsonElement item : items) {
            JsonObject o = item.getAsJsonObject();
            assertNotNull(o.toString(), o.get("kind"));
            assertNotNull(o.toString(), o.getAsJsonObject("bundle").get("symbolicName"));
            assertNotNull(o.toString(), o.getAsJsonObject("bundle").get("version"));
            assertNotNull(o.toString(), o.getAsJsonObject("bundle").get("id"));
            assertNotNull(o.toString(), o.get("fixHint"));
            assertTrue(o.toString(), o.getAsJsonArray("evidence").size() > 0);
            assertTrue(o.toString(), o.getAsJsonObject("bundle").get("id").getAsLong() != clean);
        }
        String text = gogoOk(gogo, "audit:leaks");
        assertTrue(text, text.contains("leaky-thread-poller") && text.contains("fix: "));

        // an uninstall nothing is wired to: the framework removes the revision at once, without a refresh of its own,
        // and the operation tracker's hook reports it then; its loader is held by its still running thread
        bundles.get("example-leaky-thread").uninstall();
        awaitFindings("the uninstalled revision of the leaky thread bundle is a zombie", () -> leaks.findings().stream()
                .anyMatch(f -> f.kind.equals(LeakFindingDTO.ZOMBIE) && f.bundle.id == thread
                        && f.revision.endsWith("retired by uninstall)")));
        assertClean(leaks.findings(), clean);
    }

    private void awaitFindings(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        try {
            await(what, 20_000, condition);
        } catch (AssertionError e) {
            System.out.println("LeaksIT: findings " + describe(leaks.findings()) + "\nLeaksIT: journal "
                    + journal.events(EventQuery.last(60).withType("leak.")).stream().map(ev -> ev.type + " " + ev.details)
                            .collect(Collectors.joining("\n")));
            throw new AssertionError(e.getMessage() + "; findings: " + describe(leaks.findings()) + "checks: "
                    + journal.events(EventQuery.last(20).withType("leak.")).stream().map(ev -> ev.type + " " + ev.details)
                            .collect(Collectors.joining("\n")), e);
        }
    }

    private Bundle install(String artifact) throws Exception {
        Path jar = reactorBundle(artifact);
        return context.installBundle(jar.toUri().toString());
    }

    private static boolean has(List<LeakFindingDTO> findings, String kind, long bundle) {
        return findings.stream().anyMatch(f -> f.kind.equals(kind) && f.bundle.id == bundle);
    }

    private static LeakFindingDTO find(List<LeakFindingDTO> findings, String kind, long bundle) {
        return findings.stream().filter(f -> f.kind.equals(kind) && f.bundle.id == bundle).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " finding for bundle " + bundle + " in " + describe(findings)));
    }

    private static void assertClean(List<LeakFindingDTO> findings, long clean) {
        Predicate<LeakFindingDTO> bad = f -> f.bundle.id == clean || f.bundle.symbolicName.startsWith("dev.revisor.")
                || f.bundle.symbolicName.startsWith("org.apache.felix.");
        assertTrue("the leak-free bundle and Revisor never appear: " + describe(findings),
                findings.stream().noneMatch(bad));
    }

    private static void assertChain(List<LeakFindingDTO> findings, long bundle, String kind, String edge,
            String holderBundle, String all) {
        LeakFindingDTO z = find(findings, LeakFindingDTO.ZOMBIE, bundle);
        assertNotNull(all, z.chain);
        assertEquals(z.chain.status + " " + z.chain.message + "\n" + all, "found", z.chain.status);
        ChainHopDTO hop = z.chain.hops.stream().filter(h -> kind.equals(h.kind) && h.edge.endsWith(edge)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " hop " + edge + " in " + z.chain.text));
        if (holderBundle != null) {
            assertNotNull("the hop is attributed to a bundle: " + z.chain.text, hop.bundle);
            assertEquals(z.chain.text, holderBundle, hop.bundle.symbolicName);
        }
    }

    private static String describe(List<LeakFindingDTO> findings) {
        return findings.stream().map(f -> f.id + " " + f.kind + " " + f.bundle.display() + ": " + f.summary
                + (f.chain == null ? "" : "\n    chain " + f.chain.status + ": " + (f.chain.text != null ? f.chain.text : f.chain.message)))
                .collect(Collectors.joining("\n", "\n", "\n"));
    }
}
