package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A fresh runtime (the distribution in an empty home, the revisor-core feature only) reports nothing about itself:
 * no duplicate, split or shadowed package in {@code audit:conflicts}, no leak in {@code audit:leaks}, and
 * {@code audit:why} finds nothing wrong with any of its bundles. Process-level, so that exactly the runtime's own
 * bundles are installed (Pax Exam would add its own).
 */
public class FreshRuntimeIT {
    private static Distribution revisor;

    @BeforeClass
    public static void start() throws Exception {
        revisor = new Distribution("rvs-fresh").start();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (revisor != null) {
            revisor.close();
        }
    }

    @Test
    public void auditConflictsFindsNothing() {
        String json = revisor.exec("audit:conflicts --json");
        JsonObject report = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("packages exported more than once: " + revisor.exec("audit:conflicts"), 0,
                report.getAsJsonArray("packages").size());
        assertEquals(json, 0, report.getAsJsonArray("splitPackages").size());
        assertEquals(json, 0, report.getAsJsonArray("privateCopies").size());
    }

    @Test
    public void auditLeaksFindsNothing() {
        String json = revisor.exec("audit:leaks --json");
        assertEquals(json, 0, JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("findings").size());
    }

    @Test
    public void auditWhyFindsNothingWrongWithAnyBundle() {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\|").matcher(revisor.exec("lb"));
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertTrue("lb lists the core feature's bundles: " + ids, ids.size() > 10);
        List<String> problems = new ArrayList<>();
        for (String id : ids) {
            JsonObject why = JsonParser.parseString(revisor.exec("audit:why --json " + id)).getAsJsonObject();
            boolean clean = why.get("active").getAsBoolean() && why.getAsJsonArray("reasons").isEmpty()
                    && why.getAsJsonArray("unresolved").isEmpty() && why.getAsJsonArray("usesConflicts").isEmpty();
            if (!clean) {
                problems.add(why.toString());
            }
        }
        assertTrue("audit:why finds something on a fresh runtime: " + problems, problems.isEmpty());
    }
}
