package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Test;

/**
 * The walkthroughs of README.md and bundles/examples/README.md run as written, against the built distribution in a
 * fresh home, so that the docs cannot drift from what Revisor does.
 * <p>
 * The convention the docs follow: every fenced block tagged {@code sh} is run, in document order, by one bash
 * process (so a function one block defines serves the next ones), from the repository's root, with
 * {@code REVISOR_HOME} set to a fresh home and {@code set -e}: any failing command fails the test. A block that must
 * not run (the build, an example with a placeholder) is tagged {@code shell}; output shown for illustration is
 * tagged {@code text}. A command followed by {@code # expect: TEXT} (at the end of its line, or on the lines right
 * after it) must print a line containing TEXT.
 */
public class DocsWalkthroughIT {
    private static final Pattern EXPECT = Pattern.compile("\\s*# expect: (.*)$");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    public void theReadmeWalkthroughRunsAsWritten() throws Exception {
        runWalkthrough("README.md");
    }

    @Test
    public void theExamplesWalkthroughRunsAsWritten() throws Exception {
        runWalkthrough("bundles/examples/README.md");
    }

    /** The checks themselves work: a line the docs promise but the command does not print fails the run. */
    @Test
    public void aMissingExpectedLineOrAFailingCommandFailsTheWalkthrough() throws Exception {
        String ok = script("```sh\necho 'one line'   # expect: one line\n```\n```shell\nfalse\n```\n");
        String missing = script("```sh\necho 'one line'\n# expect: another line\n```\n");
        String failing = script("```sh\nfalse\necho after\n```\n");
        try (Distribution scratch = new Distribution("rvs-docs-self")) {
            Path here = Path.of(".");
            assertEquals(ok, 0, scratch.bash(ok, here, Map.of(), 30).exit());
            Distribution.Result r = scratch.bash(missing, here, Map.of(), 30);
            assertTrue(r.toString(), r.exit() != 0 && r.out().contains("EXPECTATION FAILED: no line containing: another line"));
            r = scratch.bash(failing, here, Map.of(), 30);
            assertTrue(r.toString(), r.exit() != 0 && !r.out().contains("after"));
        }
    }

    /** Every page a shipped page links to is shipped too (the distribution's docs/ and the examples' README). */
    @Test
    public void shippedDocsLinkOnlyToShippedPages() throws IOException {
        Path root = Path.of(RevisorTestSupport.required("revisor.itest.distribution"));
        List<Path> pages = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        assertTrue("the distribution ships docs/: " + pages, pages.size() >= 4);
        List<String> broken = new ArrayList<>();
        for (int i = 0; i < pages.size(); i++) {
            Path page = pages.get(i);
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("#") || target.matches("^[a-z]+:.*")) {
                    continue; // an anchor in the page, or a URL
                }
                Path linked = page.getParent().resolve(target.replaceFirst("#.*$", "")).normalize();
                if (!Files.exists(linked)) {
                    broken.add(root.relativize(page) + " -> " + target);
                } else if (linked.toString().endsWith(".md") && !pages.contains(linked)) {
                    pages.add(linked);
                }
            }
        }
        assertEquals("links to pages the distribution does not ship", List.of(), broken);
    }

    private void runWalkthrough(String doc) throws Exception {
        Path distribution = Path.of(RevisorTestSupport.required("revisor.itest.distribution"));
        Path repository = distribution.resolve("../../..").normalize();
        String script = script(Files.readString(repository.resolve(doc)));
        try (Distribution revisor = new Distribution("rvs-docs")) {
            Distribution.Result r = revisor.bash(script, repository, Map.of("REVISOR_OPTS", "-Xmx256m -XX:+UseSerialGC"), 240);
            assertEquals(doc + " walkthrough failed; its output:\n" + r.out() + "\nscript:\n" + script, 0, r.exit());
        }
    }

    /** One command of a runnable block and the lines its output must contain. */
    private record Step(String command, List<String> expectations) {
    }

    /** @return the bash script that runs every {@code sh} block of the markdown text, checking its expectations */
    static String script(String markdown) {
        List<Step> steps = new ArrayList<>();
        boolean inBlock = false;
        boolean runnable = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                runnable = !inBlock && line.trim().equals("```sh");
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock || !runnable || line.isBlank()) {
                continue;
            }
            if (line.trim().startsWith("# expect:")) {
                if (steps.isEmpty()) {
                    throw new AssertionError("'# expect:' before any command: " + line);
                }
                steps.get(steps.size() - 1).expectations().add(line.trim().substring("# expect:".length()).trim());
                continue;
            }
            Matcher expect = EXPECT.matcher(line);
            List<String> expectations = new ArrayList<>();
            String command = line;
            if (expect.find()) {
                command = line.substring(0, expect.start());
                expectations.add(expect.group(1).trim());
            }
            steps.add(new Step(command, expectations));
        }
        if (steps.isEmpty()) {
            throw new AssertionError("no ```sh block: nothing of this walkthrough would be checked");
        }
        StringBuilder sh = new StringBuilder();
        sh.append("set -e\n");
        sh.append("trap 'echo \"FAILED (exit $?): $BASH_COMMAND\"' ERR\n");
        sh.append("__expect() { case \"$2\" in *\"$1\"*) ;; *) echo \"EXPECTATION FAILED: no line containing: $1\"; exit 1;; esac; }\n");
        for (Step step : steps) {
            if (step.command().trim().startsWith("#")) {
                continue;
            }
            sh.append("printf '%s\\n' ").append(quote("$ " + step.command().trim())).append('\n');
            if (step.expectations().isEmpty()) {
                sh.append(step.command()).append('\n');
            } else {
                sh.append("__out=$({\n").append(step.command()).append("\n} 2>&1)\n");
                sh.append("printf '%s\\n' \"$__out\"\n");
                for (String text : step.expectations()) {
                    sh.append("__expect ").append(quote(text)).append(" \"$__out\"\n");
                }
            }
        }
        return sh.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
