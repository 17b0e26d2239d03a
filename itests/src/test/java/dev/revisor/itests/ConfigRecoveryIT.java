package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.After;
import org.junit.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.revisor.itests.fixtures.config.hold.Holder;

/**
 * A {@code kill -9} in the middle of a configuration change, on the real distribution: the component's modified
 * method is held until the test has killed the runtime. At the next start the journal says which values are in force
 * ({@code config.recovered}), and the file's row in {@code audit:deploys} names the interrupted operation.
 */
public class ConfigRecoveryIT {
    private static final String FILE = "dev.revisor.itests.hold.cfg";
    private Distribution revisor;

    @After
    public void stop() throws Exception {
        if (revisor != null) {
            revisor.close();
        }
    }

    @Test
    public void afterAKillTheRecordSaysWhichValuesAreInForce() throws Exception {
        Path jar = Fixtures.jar("config-hold.jar").symbolicName("dev.revisor.itests.config.hold").version("1.0.0")
                .privatePackages(Holder.class.getPackageName()).set("-dsannotations", "*").build();
        revisor = new Distribution("rvs-cfgrec").start();
        Path deploy = revisor.home.resolve("deploy");
        revisor.deploy(jar, "hold.jar");
        revisor.exec("audit:deploys --wait");
        write(deploy, "value = 1\n");
        RevisorTestSupport.await("value 1 applied", 60_000, () -> "applied".equals(field("state")));

        Files.writeString(revisor.home.resolve("hold"), "");
        write(deploy, "value = 2\n");
        RevisorTestSupport.await("the change is in progress: the modified method is held", 60_000,
                () -> Files.exists(revisor.home.resolve("holding")) && Files.exists(revisor.home.resolve("data/config/inflight.json")));
        String interrupted = JsonParser.parseString(Files.readString(revisor.home.resolve("data/config/inflight.json")))
                .getAsJsonObject().get("operation").getAsString();
        revisor.kill();
        Files.delete(revisor.home.resolve("hold"));

        revisor.start();
        RevisorTestSupport.await("config.recovered is journaled", 60_000, () -> recovered() != null);
        JsonObject recovered = recovered();
        assertNotNull(recovered);
        JsonObject d = recovered.getAsJsonObject("details");
        assertEquals(interrupted, d.get("interruptedOperation").getAsString());
        assertEquals("new", d.get("inForce").getAsString());
        assertEquals("deploy/" + FILE, d.get("file").getAsString());
        RevisorTestSupport.await("the file's row names the interrupted change", 60_000,
                () -> interrupted.equals(field("operation")) && "applied".equals(field("state")));
        assertTrue(field("reason"), field("reason").contains("interrupted") && field("reason").contains("in force"));
        JsonObject shown = JsonParser.parseString(revisor.exec("audit:config --json dev.revisor.itests.hold")).getAsJsonObject();
        assertEquals("2", shown.getAsJsonArray("configurations").get(0).getAsJsonObject().getAsJsonObject("values")
                .get("value").getAsString());
        String op = revisor.exec("audit:op " + interrupted);
        assertTrue(op, op.contains("interrupted"));
    }

    /** @return the newest config.recovered event, or {@code null} */
    private JsonObject recovered() {
        JsonObject last = null;
        Distribution.Result r = revisor.run("exec", "audit:events --type config.recovered --json");
        if (r.exit() != 0) {
            return null; // none yet: audit:events fails when nothing matches
        }
        for (JsonElement e : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("events")) {
            last = e.getAsJsonObject();
        }
        return last;
    }

    private String field(String name) {
        JsonArray files = JsonParser.parseString(revisor.run("exec", "audit:deploys --json").out()).getAsJsonObject()
                .getAsJsonArray("configurations");
        if (files == null) {
            return null;
        }
        for (JsonElement e : files) {
            JsonObject f = e.getAsJsonObject();
            if (("deploy/" + FILE).equals(f.get("file").getAsString())) {
                return f.has(name) ? f.get(name).getAsString() : null;
            }
        }
        return null;
    }

    private void write(Path deploy, String content) throws Exception {
        Path staged = revisor.home.resolve(FILE);
        Files.writeString(staged, content);
        Files.move(staged, deploy.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
