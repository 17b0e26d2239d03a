package dev.revisor.itests;

import static dev.revisor.itests.RevisorTestSupport.gogo;
import static dev.revisor.itests.RevisorTestSupport.gogoOk;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import dev.revisor.itests.RevisorTestSupport.Result;

/**
 * What a user who calls a command wrongly gets in the real Gogo runtime (issue 12): the command's usage and a failure,
 * never Gogo's "Cannot coerce"; {@code --help} on every audit command; the closest option or command for a typo;
 * {@code help} grouped by scope; {@code --type} with a family prefix. docs/shell.md describes it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellUsageIT {
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    private String failure(String line) {
        Result r = gogo(processor, line);
        assertNotNull("'" + line + "' should fail: " + r, r.failure);
        return r.failure.getMessage();
    }

    @Test
    public void whyWithoutABundleFailsWithItsUsage() {
        String message = failure("audit:why");
        assertTrue(message, message.startsWith("audit:why: missing BUNDLE"));
        assertTrue(message, message.contains("usage: audit:why [-j] [-s] BUNDLE"));
        assertTrue(message, message.contains("-s, --start"));
        assertFalse(message, message.contains("Cannot coerce"));
    }

    @Test
    public void aMistypedOptionIsNamedWithTheClosestOne() {
        String message = failure("audit:leaks --jsno");
        assertTrue(message, message.startsWith("audit:leaks: unknown option --jsno (did you mean --json?)"));
        assertTrue(message, message.contains("usage: audit:leaks"));
    }

    @Test
    public void aMistypedCommandGetsADidYouMean() {
        assertEquals("Command not found: audit:lekas (did you mean audit:leaks?)", failure("audit:lekas"));
        assertTrue(failure("nosuchcommandatall").startsWith("Command not found: nosuchcommandatall"));
    }

    @Test
    public void eventsHelpPrintsItsUsage() {
        String out = gogoOk(processor, "audit:events --help");
        assertTrue(out, out.startsWith("audit:events - show the newest events"));
        assertTrue(out, out.contains("-t, --type TYPE"));
        assertTrue(out, out.contains("of a family when it ends in a"));
    }

    @Test
    public void everyAuditCommandHasHelpAndRefusesAnUnknownOption() {
        List<String> audit = auditCommands();
        assertTrue(audit.toString(), audit.containsAll(List.of("audit:why", "audit:leaks", "audit:events", "audit:ops",
                "audit:conflicts", "audit:wiring", "audit:op", "audit:plan", "audit:refresh", "audit:stops")));
        for (String c : audit) {
            String help = gogoOk(processor, c + " --help");
            assertTrue(help, help.startsWith(c + " - "));
            assertTrue(help, help.contains("usage: " + c));
            String message = failure(c + " --no-such-option");
            assertTrue(message, message.startsWith(c + ": unknown option --no-such-option"));
            assertTrue(message, message.contains("usage: " + c));
        }
        String message = failure("audit:op");
        assertTrue(message, message.startsWith("audit:op: missing ID"));
        message = failure("audit:ops -n many");
        assertTrue(message, message.startsWith("audit:ops: option -n: 'many' is not a whole number"));
        message = failure("audit:wiring a b");
        assertTrue(message, message.startsWith("audit:wiring: unexpected argument 'b'"));
    }

    @Test
    public void helpGroupsCommandsByScopeWithOneLineEach() {
        String help = gogoOk(processor, "help");
        assertTrue(help, help.startsWith("audit\n  config "));
        assertTrue(help, help.contains("\n  conflicts   list every package exported by more than one bundle revision\n"));
        assertTrue(help, help.contains("\n  why         explain why a bundle is not Active\n"));
        assertTrue(help, help.contains("\nfelix\n"));
        assertTrue(help, help.contains("  lb "));
        assertTrue(gogoOk(processor, "help why"), gogoOk(processor, "help why").startsWith("audit:why - "));
        assertTrue(gogoOk(processor, "help audit").startsWith("audit\n"));
        assertTrue(gogoOk(processor, "help felix:lb"), gogoOk(processor, "help felix:lb").startsWith("felix:lb - "));
        assertTrue(failure("help lekas"), failure("help lekas").contains("did you mean audit:leaks?"));
    }

    @Test
    public void exitOutsideTheConsoleStopsNothing() {
        String message = failure("exit");
        assertTrue(message, message.startsWith("exit leaves the interactive console"));
    }

    @Test
    public void typeWithATrailingDotMatchesTheFamily() {
        JsonArray events = events("audit:events -n 50 --type bundle. --json");
        assertFalse("a fresh runtime has bundle.* events", events.size() == 0);
        for (JsonElement e : events) {
            assertTrue(e.toString(), e.getAsJsonObject().get("type").getAsString().startsWith("bundle."));
        }
        assertEquals(0, events("audit:events --type bundle --json").size()); // no type is just "bundle"
        String none = gogoOk(processor, "audit:events --type stop.");
        assertTrue(none, none.startsWith("no events match"));
        assertNull(gogo(processor, "audit:events --type stop.").failure);
    }

    private JsonArray events(String line) {
        return JsonParser.parseString(gogoOk(processor, line)).getAsJsonObject().getAsJsonArray("events");
    }

    @SuppressWarnings("unchecked")
    private List<String> auditCommands() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            List<String> audit = new ArrayList<>();
            for (String c : (Collection<String>) session.get(".commands")) {
                if (c.startsWith("audit:")) {
                    audit.add(c);
                }
            }
            return audit;
        } finally {
            session.close();
        }
    }
}
