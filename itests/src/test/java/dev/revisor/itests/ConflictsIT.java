package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.await;
import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.example.greeting.Greeter;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;

/**
 * The demo story of bundles/examples on revisor-core: two major versions of one library side by side, each plugin
 * wired to its own; {@code audit:conflicts} lists them, split packages and private copies; {@code audit:wiring}
 * shows who is wired to what; {@code audit:why} explains a missing package, a version out of range, a uses
 * conflict, a failing activator and an unsatisfied DS reference, and starts nothing unless asked.
 * <p>
 * The examples feature (everything in it resolves) is provisioned; the bundles that must fail are installed by
 * the tests that need them and removed again afterwards. Every command's output is printed to the test's output
 * file (target/failsafe-reports), which is where docs/conflicts.md takes its samples from.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConflictsIT {
    private static final String ACTIVATOR_MESSAGE = "cannot open the order database: no URL configured (set orders.db.url)";
    private static final int TEST_START_LEVEL = 20;

    @Inject
    private BundleContext context;
    @Inject
    private CommandProcessor processor;
    @Inject
    private Journal journal;

    private final List<Bundle> installed = new ArrayList<>();

    @Configuration
    public Option[] config() {
        // a split package through Require-Bundle, and a fragment (the anti-pattern and the case users trip over)
        String split = "dev/revisor/itests/fixtures/split/";
        String classes = RevisorTestSupport.required("revisor.itest.classes") + "/";
        Fixtures.jar("split-provider.jar").symbolicName("org.example.split.provider").version("1.0.0")
                .set("-includeresource", split + "PartA.class=" + classes + split + "PartA.class")
                .set("-exportcontents", "dev.revisor.itests.fixtures.split;version=1.0.0").build();
        Fixtures.jar("split-consumer.jar").symbolicName("org.example.split.consumer").version("1.0.0")
                .set("Require-Bundle", "org.example.split.provider")
                .set("-includeresource", split + "PartB.class=" + classes + split + "PartB.class").build();
        Fixtures.jar("utils-fragment.jar").symbolicName("org.example.utils.fragment").version("1.0.0")
                .set("Fragment-Host", "org.example.utils;bundle-version=\"[3.0.0,4.0.0)\"")
                .set("-includeresource", "fragment.txt;literal='attaches to org.example.utils 3.x'").build();
        return new Option[] {RevisorTestSupport.baseConfiguration(), RevisorTestSupport.feature("examples")};
    }

    @After
    public void removeWhatTheTestInstalled() throws Exception {
        FrameworkStartLevel fsl = context.getBundle(0).adapt(FrameworkStartLevel.class);
        if (fsl.getStartLevel() != TEST_START_LEVEL) {
            CountDownLatch done = new CountDownLatch(1);
            fsl.setStartLevel(TEST_START_LEVEL, e -> done.countDown());
            assertTrue("start level back to " + TEST_START_LEVEL, done.await(30, TimeUnit.SECONDS));
        }
        List<Bundle> gone = new ArrayList<>();
        for (Bundle b : installed) {
            if (b.getState() != Bundle.UNINSTALLED) {
                b.uninstall();
            }
            gone.add(b);
        }
        installed.clear();
        refresh(gone);
    }

    // ---- side by side ----

    @Test
    public void bothLibraryVersionsAreActiveAndEachPluginIsWiredToItsOwn() throws Exception {
        assertEquals(Bundle.ACTIVE, bundle("org.example.utils", "1.0.0").getState());
        assertEquals(Bundle.ACTIVE, bundle("org.example.utils", "2.0.0").getState());

        // each plugin's code runs against the version it was built for: 1.x slug() and 2.x slug(char) at once
        assertEquals("hello ada-lovelace (plugin a, org.example.utils 1.0.0)", greeter("a").greet("Ada Lovelace"));
        assertEquals("hello ada_lovelace (plugin b, org.example.utils 2.0.0)", greeter("b").greet("Ada Lovelace"));

        JsonObject a = json("audit:wiring --json org.example.plugin.a");
        JsonObject utilsOfA = importOf(a, "org.example.utils");
        assertEquals("[1.0.0,2.0.0)", utilsOfA.get("range").getAsString());
        assertEquals("1.0.0", utilsOfA.get("version").getAsString());
        assertEquals("1.0.0", utilsOfA.getAsJsonObject("exporter").get("version").getAsString());

        JsonObject b = json("audit:wiring --json org.example.plugin.b");
        JsonObject utilsOfB = importOf(b, "org.example.utils");
        assertEquals("[2.0.0,3.0.0)", utilsOfB.get("range").getAsString());
        assertEquals("2.0.0", utilsOfB.get("version").getAsString());

        JsonObject lib1 = json("audit:wiring --json org.example.utils/1.0.0");
        JsonObject export = current(lib1).getAsJsonArray("exports").get(0).getAsJsonObject();
        assertEquals("org.example.utils", export.get("packageName").getAsString());
        assertEquals(List.of("org.example.plugin.a", "org.example.report"), names(export.getAsJsonArray("importers")));

        String table = command("audit:wiring org.example.plugin.a");
        assertTrue(table, table.startsWith("org.example.plugin.a/0.1.0.SNAPSHOT ["));
        assertTrue(table, table.contains("is Active"));
        assertTrue(table, table.matches("(?s).*org\\.example\\.utils\\s+\\[1\\.0\\.0,2\\.0\\.0\\)\\s+mandatory\\s+1\\.0\\.0\\s+org\\.example\\.utils/1\\.0\\.0 \\[.*"));
    }

    @Test
    public void conflictsListsEveryExporterOfAPackageWithTheImportersWiredToIt() {
        JsonObject report = json("audit:conflicts --json");
        JsonObject utils = packageEntry(report, "org.example.utils");
        assertNotNull("org.example.utils is exported twice: " + report, utils);
        assertEquals("side-by-side", utils.get("verdict").getAsString());
        JsonArray exporters = utils.getAsJsonArray("exporters");
        assertEquals(utils.toString(), 2, exporters.size());

        JsonObject v1 = exporters.get(0).getAsJsonObject();
        assertEquals("1.0.0", v1.get("version").getAsString());
        assertEquals("1.0.0", v1.getAsJsonObject("bundle").get("version").getAsString());
        assertFalse(v1.get("removalPending").getAsBoolean());
        assertEquals(List.of("org.example.plugin.a", "org.example.report"), names(v1.getAsJsonArray("importers")));

        JsonObject v2 = exporters.get(1).getAsJsonObject();
        assertEquals("2.0.0", v2.get("version").getAsString());
        assertEquals(List.of("org.example.plugin.b"), names(v2.getAsJsonArray("importers")));

        assertNull("a package exported once is not listed", packageEntry(report, "org.example.greeting"));
        assertNull("nor is one exported once", packageEntry(report, "org.example.report"));
        assertEquals("no Require-Bundle in the demo, so no split package", 0, report.getAsJsonArray("splitPackages").size());

        String table = command("audit:conflicts");
        String first = line(table, "org.example.utils ");
        assertTrue(first, first.matches("org\\.example\\.utils\\s+1\\.0\\.0\\s+org\\.example\\.utils/1\\.0\\.0 \\[\\d+\\]\\s+side-by-side\\s+.*"));
        assertTrue(first, first.contains("org.example.plugin.a/0.1.0.SNAPSHOT [") && first.contains("org.example.report/0.1.0.SNAPSHOT ["));
        String second = table.lines().dropWhile(l -> !l.equals(first)).skip(1).findFirst().orElse("");
        assertTrue(second, second.matches("\\s+2\\.0\\.0\\s+org\\.example\\.utils/2\\.0\\.0 \\[\\d+\\]\\s+org\\.example\\.plugin\\.b/.*"));
    }

    @Test
    public void conflictsFindsThePrivateCopyFromTheBundlesOwnContent() throws Exception {
        assertEquals("hello ada-lovelace (plugin embedded, private org.example.utils 1.0.0)", greeter("embedded").greet("Ada Lovelace"));

        JsonObject report = json("audit:conflicts --json");
        JsonObject copy = null;
        for (JsonElement e : report.getAsJsonArray("privateCopies")) {
            JsonObject c = e.getAsJsonObject();
            if (c.get("packageName").getAsString().equals("org.example.utils")
                    && c.getAsJsonObject("bundle").get("symbolicName").getAsString().equals("org.example.plugin.embedded")) {
                copy = c;
            }
        }
        assertNotNull("the private copy in org.example.plugin.embedded is found: " + report, copy);
        assertEquals(1, copy.get("classes").getAsInt());
        assertEquals("[\"org.example.utils.Text\"]", copy.getAsJsonArray("shadowedClasses").toString());
        List<String> versions = new ArrayList<>();
        copy.getAsJsonArray("exporters").forEach(e -> versions.add(e.getAsJsonObject().get("version").getAsString()));
        assertEquals(List.of("1.0.0", "2.0.0"), versions);
        assertNull("the holder does not import the package: its copy is what it uses", copy.get("importedFrom"));

        String table = command("audit:conflicts");
        String row = table.lines().filter(l -> l.startsWith("org.example.utils ") && l.contains(" org.example.plugin.embedded/"))
                .findFirst().orElseThrow(() -> new AssertionError("no private copy row for plugin.embedded in\n" + table));
        assertTrue(row, row.matches("org\\.example\\.utils\\s+org\\.example\\.plugin\\.embedded/0\\.1\\.0\\.SNAPSHOT \\[\\d+\\]\\s+1\\s+1\\s+"
                + "1\\.0\\.0 org\\.example\\.utils/1\\.0\\.0 \\[\\d+\\], 2\\.0\\.0 org\\.example\\.utils/2\\.0\\.0 \\[\\d+\\]"));
        assertTrue(table, table.contains("shadowed: org.example.utils.Text"));
    }

    @Test
    public void aRemovalPendingExporterIsReportedAsStaleUntilRefreshed() throws Exception {
        Bundle utils3 = install("example-utils-3");
        Bundle user = install("example-fixture-missing-package");
        user.start();
        assertEquals(Bundle.ACTIVE, user.getState());

        utils3.uninstall(); // no refresh: the 3.0.0 revision stays, wired to its importer
        JsonObject report = json("audit:conflicts --json");
        JsonObject utils = packageEntry(report, "org.example.utils");
        assertEquals("stale", utils.get("verdict").getAsString());
        JsonObject v3 = utils.getAsJsonArray("exporters").get(2).getAsJsonObject();
        assertEquals("3.0.0", v3.get("version").getAsString());
        assertTrue(v3.get("removalPending").getAsBoolean());
        assertTrue(utils.get("note").getAsString(), utils.get("note").getAsString().contains("refresh"));

        JsonObject wiring = json("audit:wiring --json org.example.fixture.missing");
        JsonObject json = importOf(wiring, "org.example.utils.json");
        assertTrue(json.toString(), json.get("exporterRemovalPending").getAsBoolean());
    }

    @Test
    public void requireBundleWithOwnClassesOfThePackageIsASplitPackage() throws Exception {
        installFixture("split-provider.jar");
        Bundle consumer = installFixture("split-consumer.jar");
        consumer.start();

        JsonObject report = json("audit:conflicts --json");
        JsonObject split = null;
        for (JsonElement e : report.getAsJsonArray("splitPackages")) {
            JsonObject s = e.getAsJsonObject();
            if (s.getAsJsonObject("bundle").get("symbolicName").getAsString().equals("org.example.split.consumer")) {
                split = s;
            }
        }
        assertNotNull("the consumer's split package is found: " + report, split);
        assertEquals("dev.revisor.itests.fixtures.split", split.get("packageName").getAsString());
        assertEquals(List.of("org.example.split.consumer", "org.example.split.provider"), names(split.getAsJsonArray("sources")));

        String table = command("audit:conflicts");
        String row = table.lines().filter(l -> l.startsWith("dev.revisor.itests.fixtures.split ") && l.contains("org.example.split.consumer/1.0.0 ["))
                .findFirst().orElseThrow(() -> new AssertionError("no split package row in\n" + table));
        assertTrue(row, row.contains("org.example.split.provider/1.0.0 ["));
    }

    // ---- why ----

    @Test
    public void whyTellsToRefreshTheHostOfAFragmentThatCameLate() throws Exception {
        Bundle host = install("example-utils-3");
        host.start(); // an Active host: a refresh resolves and restarts it, and the fragment attaches
        Bundle fragment = installFixture("utils-fragment.jar");

        JsonObject waiting = json("audit:why --json org.example.utils.fragment");
        assertEquals("Installed", waiting.get("state").getAsString());
        assertTrue(waiting.get("summary").getAsString(), waiting.get("summary").getAsString().endsWith(
                "a fragment attaches only while its host resolves, so refresh the host to attach it (refresh " + host.getBundleId()
                        + "; a host that is not Active stays unresolved after the refresh: then also resolve " + host.getBundleId() + ")"));

        refresh(List.of(host));
        assertEquals(Bundle.RESOLVED, fragment.getState());
        JsonObject attached = json("audit:why --json org.example.utils.fragment");
        assertTrue(attached.get("summary").getAsString(), attached.get("summary").getAsString().endsWith(
                "it is a fragment: fragments are never Active, they live in their host's class space; attached to org.example.utils/3.0.0 ["
                        + host.getBundleId() + "]"));

        JsonObject wiring = json("audit:wiring --json " + host.getBundleId());
        JsonObject provided = current(wiring).getAsJsonArray("provided").get(0).getAsJsonObject();
        assertEquals("osgi.wiring.host", provided.get("namespace").getAsString());
        assertEquals("org.example.utils.fragment", provided.getAsJsonObject("requirer").get("symbolicName").getAsString());
    }

    @Test
    public void whyExplainsAPackageThatNoBundleExports() throws Exception {
        Bundle b = install("example-fixture-missing-package");
        assertStartFails(b, BundleException.RESOLVE_ERROR);

        JsonObject why = json("audit:why --json " + b.getBundleId());
        assertEquals("Installed", why.get("state").getAsString());
        JsonObject problem = unresolved(why, "org.example.utils.json");
        assertEquals("osgi.wiring.package", problem.get("namespace").getAsString());
        assertEquals(0, problem.getAsJsonArray("candidates").size());
        assertEquals("no bundle provides package org.example.utils.json at any version", problem.get("reason").getAsString());
        assertTrue(why.get("summary").getAsString(), why.get("summary").getAsString().contains("org.example.utils.json"));

        String text = command("audit:why " + b.getBundleId());
        assertTrue(text, text.contains("Unresolved: it imports package org.example.utils.json [1.0.0,2.0.0)"));
        assertTrue(text, text.contains("candidates: none"));
    }

    @Test
    public void whyNamesTheVersionsThatExistWhenTheRangeMissesThem() throws Exception {
        Bundle b = install("example-fixture-needs-utils-3");

        JsonObject why = json("audit:why --json org.example.fixture.future");
        JsonObject problem = unresolved(why, "org.example.utils");
        assertEquals("[3.0.0,4.0.0)", problem.get("range").getAsString());
        JsonArray candidates = problem.getAsJsonArray("candidates");
        assertEquals("the two installed versions, and not the embedded private copy: " + candidates, 2, candidates.size());
        assertEquals("1.0.0", candidates.get(0).getAsJsonObject().get("version").getAsString());
        assertEquals("version 1.0.0 is outside [3.0.0,4.0.0)", candidates.get(0).getAsJsonObject().get("reason").getAsString());
        assertEquals("version 2.0.0 is outside [3.0.0,4.0.0)", candidates.get(1).getAsJsonObject().get("reason").getAsString());
        assertFalse(candidates.get(1).getAsJsonObject().get("matches").getAsBoolean());
        String reason = problem.get("reason").getAsString();
        assertTrue(reason, reason.startsWith("package org.example.utils exists only at 1.0.0 from org.example.utils/1.0.0 ["));
        assertTrue(reason, reason.endsWith("; it asks for [3.0.0,4.0.0)"));
        assertEquals("only the failing import is reported", 1, why.getAsJsonArray("unresolved").size());
        assertEquals(Bundle.INSTALLED, b.getState());

        command("audit:why org.example.fixture.future");
    }

    @Test
    public void whyExplainsAUsesConflictWithTheChainAndAFix() throws Exception {
        Bundle c = install("example-plugin-c");
        assertStartFails(c, BundleException.RESOLVE_ERROR);
        assertTrue("none of plugin C's code ran: it registered no greeter",
                context.getServiceReferences(Greeter.class, "(" + Greeter.PLUGIN + "=c)").isEmpty());

        JsonObject why = json("audit:why --json org.example.plugin.c");
        assertEquals("Installed", why.get("state").getAsString());
        assertEquals("every import has a candidate on its own", 0, why.getAsJsonArray("unresolved").size());
        JsonArray conflicts = why.getAsJsonArray("usesConflicts");
        assertEquals(why.toString(), 1, conflicts.size());
        JsonObject conflict = conflicts.get(0).getAsJsonObject();
        assertEquals("org.example.utils", conflict.get("packageName").getAsString());

        JsonObject direct = conflict.getAsJsonObject("first");
        assertEquals("2.0.0", direct.get("version").getAsString());
        assertEquals(1, direct.getAsJsonArray("steps").size());

        JsonObject through = conflict.getAsJsonObject("second");
        assertEquals("1.0.0", through.get("version").getAsString());
        JsonArray steps = through.getAsJsonArray("steps");
        assertEquals(2, steps.size());
        assertEquals("org.example.report", steps.get(0).getAsJsonObject().get("packageName").getAsString());
        JsonObject hop = steps.get(1).getAsJsonObject();
        assertEquals("org.example.report", hop.getAsJsonObject("importer").get("symbolicName").getAsString());
        assertEquals("org.example.report", hop.get("usesOf").getAsString());
        assertEquals("[1.0.0,2.0.0)", hop.get("range").getAsString());

        List<String> fixes = new ArrayList<>();
        conflict.getAsJsonArray("fixes").forEach(f -> fixes.add(f.getAsString()));
        assertTrue(fixes.toString(), fixes.stream().anyMatch(f -> f.startsWith(
                "Make org.example.plugin.c/0.1.0.SNAPSHOT [" + c.getBundleId() + "] import org.example.utils in a range that includes 1.0.0 (it asks for [2.0.0,3.0.0))")));
        assertTrue(fixes.toString(), fixes.stream().anyMatch(f -> f.startsWith("Install a build of org.example.report/")
                && f.contains("made against org.example.utils 2.x")));
        assertTrue(why.get("summary").getAsString(), why.get("summary").getAsString().contains("uses conflict on package org.example.utils"));

        String text = command("audit:why org.example.plugin.c");
        assertTrue(text, text.contains("Uses conflict on package org.example.utils"));
        assertTrue(text, text.contains("chain 2: org.example.plugin.c/0.1.0.SNAPSHOT [" + c.getBundleId() + "] imports org.example.report [1.0.0,2.0.0)"));
        assertTrue(text, text.contains("fixes:\n    1. "));
    }

    @Test
    public void whyReportsAFailedStartFromTheJournalAndStartsNothingUnlessAsked() throws Exception {
        Bundle b = install("example-fixture-failing-activator");

        // never started: why resolves it (harmless), says nobody started it, and starts nothing
        JsonObject fresh = json("audit:why --json org.example.fixture.activator");
        assertEquals("Resolved", fresh.get("state").getAsString());
        assertTrue(fresh.get("resolvedNow").getAsBoolean());
        assertFalse(fresh.get("startedNow").getAsBoolean());
        assertTrue(fresh.toString(), fresh.get("summary").getAsString().contains("nobody has started it"));
        assertEquals(Bundle.RESOLVED, b.getState());
        assertTrue("no start attempt was made", journalEvents(b, "bundle.starting").isEmpty());

        // the user starts it: the activator throws, the exception goes to the user, the journal sees the attempt
        assertStartFails(b, BundleException.ACTIVATOR_ERROR);
        JsonObject after = json("audit:why --json org.example.fixture.activator");
        assertEquals(Bundle.RESOLVED, b.getState());
        JsonObject failure = after.getAsJsonObject("activationFailure");
        assertEquals("journal-lifecycle", failure.get("source").getAsString());
        assertTrue(after.get("summary").getAsString(), after.get("summary").getAsString().contains("failed in its activator"));
        int attempts = journalEvents(b, "bundle.starting").size();

        // asked to: one transient start, the activator's exception in the report, the bundle still Resolved
        JsonObject tried = json("audit:why --json --start org.example.fixture.activator");
        JsonObject trial = tried.getAsJsonObject("activationFailure");
        assertEquals("trial-start", trial.get("source").getAsString());
        assertEquals("java.lang.IllegalStateException", trial.get("exception").getAsString());
        assertEquals(ACTIVATOR_MESSAGE, trial.get("message").getAsString());
        assertEquals(Bundle.RESOLVED, b.getState());
        assertEquals(attempts + 1, journalEvents(b, "bundle.starting").size());
        assertEquals("--start is transient: the autostart setting stays as the user left it",
                true, b.adapt(BundleStartLevel.class).isPersistentlyStarted());

        String text = command("audit:why --start org.example.fixture.activator");
        assertTrue(text, text.contains("java.lang.IllegalStateException: " + ACTIVATOR_MESSAGE));
    }

    @Test
    public void whyReadsTheActivatorsExceptionWhenTheFrameworkStartedTheBundle() throws Exception {
        Bundle b = install("example-fixture-failing-activator");
        b.adapt(BundleStartLevel.class).setStartLevel(TEST_START_LEVEL + 5);
        b.start(); // marked to start; the framework starts it when its level is reached

        JsonObject waiting = json("audit:why --json org.example.fixture.activator");
        String summary = waiting.get("summary").getAsString();
        assertTrue(summary, summary.contains("its start level 25 is above the framework's active start level 20"));

        FrameworkStartLevel fsl = context.getBundle(0).adapt(FrameworkStartLevel.class);
        CountDownLatch raised = new CountDownLatch(1);
        fsl.setStartLevel(TEST_START_LEVEL + 5, e -> raised.countDown());
        assertTrue(raised.await(30, TimeUnit.SECONDS));
        await("the framework's error is journaled", 10_000, () -> !journalEvents(b, "framework.error").isEmpty());

        JsonObject why = json("audit:why --json org.example.fixture.activator");
        JsonObject failure = why.getAsJsonObject("activationFailure");
        assertEquals("journal-error", failure.get("source").getAsString());
        assertEquals("java.lang.IllegalStateException", failure.get("exception").getAsString());
        assertEquals(ACTIVATOR_MESSAGE, failure.get("message").getAsString());
        assertTrue(failure.toString(), failure.get("wrapper").getAsString().startsWith("org.osgi.framework.BundleException"));
        assertEquals(Bundle.RESOLVED, b.getState());
    }

    @Test
    public void whyListsAnUnsatisfiedReferenceOfAnActiveBundle() throws Exception {
        Bundle b = install("example-fixture-unsatisfied-reference");
        b.start();
        greeter("a");
        greeter("b");

        JsonObject why = json("audit:why --json org.example.fixture.unsatisfied");
        assertTrue(why.get("active").getAsBoolean());
        JsonArray components = why.getAsJsonArray("components");
        assertEquals(why.toString(), 1, components.size());
        JsonObject component = components.get(0).getAsJsonObject();
        assertEquals("org.example.fixture.unsatisfied.TranslatingGreeter", component.get("name").getAsString());
        assertEquals("unsatisfied-reference", component.get("state").getAsString());
        JsonObject ref = component.getAsJsonArray("references").get(0).getAsJsonObject();
        assertEquals("klingon", ref.get("name").getAsString());
        assertEquals("org.example.greeting.Greeter", ref.get("interfaceName").getAsString());
        assertEquals("(greeter.language=tlh)", ref.get("target").getAsString());
        assertTrue(ref.toString(), ref.get("registered").getAsInt() >= 3); // a, b, embedded
        assertEquals(0, ref.get("matchingTarget").getAsInt());
        assertTrue(why.get("summary").getAsString(), why.get("summary").getAsString().contains("is Active, but component"));

        command("audit:why org.example.fixture.unsatisfied");
    }

    @Test
    public void whyOnAHealthyBundleSaysNothingIsWrong() {
        JsonObject why = json("audit:why --json org.example.plugin.a");
        assertTrue(why.get("active").getAsBoolean());
        assertEquals(0, why.getAsJsonArray("components").size());
        assertTrue(why.get("summary").getAsString(), why.get("summary").getAsString().endsWith("is Active: nothing keeps it from working"));
    }

    // ---- names ----

    @Test
    public void ambiguousAndUnknownBundleNamesAreClearErrors() {
        RevisorTestSupport.Result r = gogo(processor, "audit:why org.example.utils");
        assertNotNull("two bundles are named org.example.utils", r.failure);
        String message = r.failure.getMessage();
        assertTrue(message, message.contains("'org.example.utils' matches 2 bundles"));
        assertTrue(message, message.contains("org.example.utils/1.0.0") && message.contains("org.example.utils/2.0.0"));
        assertTrue(message, message.contains("name one by id or as symbolicName/version"));

        r = gogo(processor, "audit:wiring org.example.nosuch");
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().startsWith("no bundle is named 'org.example.nosuch'"));

        r = gogo(processor, "audit:why 99999");
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().startsWith("no bundle has id 99999"));

        r = gogo(processor, "audit:wiring org.example.utils/3.0.0");
        assertNotNull(r.failure);
        assertTrue(r.toString(), r.failure.getMessage().startsWith("no bundle 'org.example.utils' has version 3.0.0"));

        JsonObject named = json("audit:wiring --json org.example.utils/2.0.0");
        assertEquals("2.0.0", named.getAsJsonObject("bundle").get("version").getAsString());
    }

    // ---- helpers ----

    private Bundle install(String artifactId) throws BundleException {
        Bundle b = context.installBundle(RevisorTestSupport.reactorBundle(artifactId).toUri().toString());
        installed.add(b);
        return b;
    }

    private Bundle installFixture(String file) throws BundleException {
        Bundle b = context.installBundle(Fixtures.path(file).toUri().toString());
        installed.add(b);
        return b;
    }

    private static void assertStartFails(Bundle b, int type) {
        try {
            b.start();
            fail(b.getSymbolicName() + " must not start");
        } catch (BundleException e) {
            assertEquals(e.toString(), type, e.getType());
        }
    }

    private void refresh(Collection<Bundle> bundles) throws InterruptedException {
        if (bundles.isEmpty()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh finished", done.await(30, TimeUnit.SECONDS));
    }

    private Bundle bundle(String bsn, String version) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && version.equals(b.getVersion().toString())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn + "/" + version);
    }

    private Greeter greeter(String plugin) throws Exception {
        String filter = "(" + Greeter.PLUGIN + "=" + plugin + ")";
        await("greeter " + plugin, 10_000, () -> {
            try {
                return !context.getServiceReferences(Greeter.class, filter).isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        ServiceReference<Greeter> ref = context.getServiceReferences(Greeter.class, filter).iterator().next();
        return context.getService(ref);
    }

    private List<AuditEventDTO> journalEvents(Bundle b, String type) {
        journal.sync();
        return journal.events(EventQuery.last(1000).withBundle(Long.toString(b.getBundleId())).withType(type));
    }

    /** Runs a command line, prints it with its output (for docs/conflicts.md), and returns the output. */
    private String command(String line) {
        String out = gogoOk(processor, line);
        System.out.println("g! " + line + "\n" + out + "\n");
        return out;
    }

    private JsonObject json(String line) {
        String out = command(line);
        // Gogo captures System.out while a command runs: a bundle started by --start may print (here Pax Exam's
        // extender logs to System.out) before the command's own JSON document
        int start = out.startsWith("{") ? 0 : out.indexOf("\n{") + 1;
        return JsonParser.parseString(out.substring(start)).getAsJsonObject();
    }

    private static JsonObject current(JsonObject wiring) {
        return wiring.getAsJsonArray("revisions").get(0).getAsJsonObject();
    }

    private static JsonObject importOf(JsonObject wiring, String pkg) {
        for (JsonElement e : current(wiring).getAsJsonArray("imports")) {
            if (pkg.equals(e.getAsJsonObject().get("packageName").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no import of " + pkg + " in " + wiring);
    }

    private static JsonObject packageEntry(JsonObject report, String pkg) {
        for (JsonElement e : report.getAsJsonArray("packages")) {
            if (pkg.equals(e.getAsJsonObject().get("packageName").getAsString())) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    private static JsonObject unresolved(JsonObject why, String name) {
        for (JsonElement e : why.getAsJsonArray("unresolved")) {
            JsonElement n = e.getAsJsonObject().get("name");
            if (n != null && name.equals(n.getAsString())) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no unresolved requirement for " + name + " in " + why);
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starts with '" + prefix + "' in\n" + text));
    }

    private static List<String> names(JsonArray refs) {
        List<String> names = new ArrayList<>();
        refs.forEach(r -> names.add(r.getAsJsonObject().get("symbolicName").getAsString()));
        names.sort(null);
        return names;
    }
}
