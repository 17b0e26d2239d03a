package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.LeakStatusDTO;
import dev.revisor.audit.api.RefreshRecordDTO;
import dev.revisor.itests.fixtures.deploy.good.Activator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The web console (feature revisor-web, issue 17) on the real distribution: one instance with the feature booted, a
 * deploy of two versions of org.example.utils with their importers, an update with a refresh and an update that is
 * rolled back. Every endpoint prints what the matching {@code --json} command prints; every page, endpoint and
 * resource asks for credentials; actions need the CSRF token; the server listens on loopback only; and real
 * headless Chromium draws the timeline bars, the rollback, the refresh record and the graph of a package with two
 * versions.
 */
public class WebConsoleIT {
    private static final long WAIT = 90_000;
    private static final String CONSOLE = "/system/console/";
    private static final Gson GSON = new Gson();
    private static Distribution dist;
    private static int port;
    private static String password;
    private static HttpClient http;
    private static String updateOp;
    private static String rollbackOp;

    @BeforeClass
    public static void deployUpdateAndRollBack() throws Exception {
        String good = Activator.class.getPackageName();
        String throwing = dev.revisor.itests.fixtures.deploy.throwing.Activator.class.getPackageName();
        Fixtures.jar("web-svc-1.0.0.jar").symbolicName("dev.revisor.itests.websvc").version("1.0.0")
                .privatePackages(good).activator(Activator.class).build();
        Fixtures.jar("web-svc-2.0.0-throws.jar").symbolicName("dev.revisor.itests.websvc").version("2.0.0")
                .privatePackages(throwing).activator(dev.revisor.itests.fixtures.deploy.throwing.Activator.class).build();
        DeploySupport.gateBundle("web-gate-1.0.0.jar", "1.0.0", "1.0.0", true, false);
        DeploySupport.gateBundle("web-gate-1.1.0.jar", "1.1.0", "1.1.0", true, true);
        DeploySupport.consumerBundle("web-consumer.jar", "dev.revisor.itests.webconsumer", "dev.revisor.itests.web.consumer");

        dist = new Distribution("rvs-web");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path etc = Files.createDirectories(dist.home.resolve("etc"));
        Files.writeString(etc.resolve("revisor.properties"), Files.readString(dist.root.resolve("etc/revisor.properties"))
                + "\nrevisor.console = off\nrevisor.features = revisor-core revisor-web\n");
        Files.writeString(etc.resolve("config.properties"), Files.readString(dist.root.resolve("etc/config.properties"))
                + "\norg.osgi.service.http.port = " + port + "\n");
        dist.start();
        Path passwordFile = dist.home.resolve("data/web/admin.password");
        RevisorTestSupport.await("the generated password in " + passwordFile, WAIT, () -> Files.isRegularFile(passwordFile));
        password = Files.readString(passwordFile).trim();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        RevisorTestSupport.await("the console answers on port " + port, WAIT, WebConsoleIT::up, dist::log);

        drop(RevisorTestSupport.reactorBundle("example-utils-1"), "utils-1.jar");
        drop(RevisorTestSupport.reactorBundle("example-utils-2"), "utils-2.jar");
        drop(RevisorTestSupport.reactorBundle("example-greeting-api"), "greeting-api.jar");
        drop(RevisorTestSupport.reactorBundle("example-plugin-a"), "plugin-a.jar");
        drop(RevisorTestSupport.reactorBundle("example-plugin-b"), "plugin-b.jar");
        drop(Fixtures.path("web-gate-1.0.0.jar"), "gate.jar");
        drop(Fixtures.path("web-consumer.jar"), "consumer.jar");
        drop(Fixtures.path("web-svc-1.0.0.jar"), "svc.jar");
        JsonObject deployed = settled();
        for (String f : List.of("utils-1.jar", "utils-2.jar", "greeting-api.jar", "plugin-a.jar", "plugin-b.jar", "gate.jar", "consumer.jar", "svc.jar")) {
            assertEquals(f + " in " + deployed, "deployed", file(deployed, f).get("state").getAsString());
        }
        drop(Fixtures.path("web-gate-1.1.0.jar"), "gate.jar");
        RevisorTestSupport.await("gate.jar updated to 1.1.0", WAIT,
                () -> file(settled(), "gate.jar").getAsJsonObject("bundle").get("version").getAsString().equals("1.1.0"));
        updateOp = file(settled(), "gate.jar").get("operation").getAsString();
        drop(Fixtures.path("web-svc-2.0.0-throws.jar"), "svc.jar");
        RevisorTestSupport.await("svc.jar rolled back", WAIT, () -> "rolled-back".equals(file(settled(), "svc.jar").get("state").getAsString()));
        rollbackOp = file(settled(), "svc.jar").get("operation").getAsString();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (dist != null) {
            dist.close();
        }
    }

    @Test
    public void everyPageEndpointAndResourceAsksForCredentials() throws Exception {
        List<String> paths = List.of("revisor-timeline", "revisor-timeline.json", "revisor-timeline/ops/" + updateOp + ".json",
                "revisor-wiring", "revisor-wiring.json", "revisor-wiring/bundle.json?bundle=0", "revisor-wiring/why.json?bundle=0",
                "revisor-leaks", "revisor-leaks.json", "revisor-deploys", "revisor-deploys.json",
                "revisor-timeline/res/revisor.js", "bundles", "");
        for (String path : paths) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).GET().build());
            assertEquals("GET " + path + " without credentials", 401, r.statusCode());
            assertTrue("GET " + path + " asks for Basic credentials",
                    r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            for (String wrong : List.of("admin:admin", "admin:" + password + "x", "root:" + password)) {
                assertEquals("GET " + path + " as " + wrong.replace(password, "PASSWORD"), 401,
                        send(HttpRequest.newBuilder(uri(path)).header("Authorization", basic(wrong)).GET().build()).statusCode());
            }
        }
        for (String action : List.of("revisor-timeline/refresh.json", "revisor-leaks/check.json", "revisor-leaks/explain.json")) {
            assertEquals("POST " + action + " without credentials", 401,
                    send(HttpRequest.newBuilder(uri(action)).POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode());
        }
        assertEquals(200, get("revisor-timeline", true).statusCode());
        assertEquals(200, get("revisor-timeline/res/timeline.js", true).statusCode());
    }

    @Test
    public void theGeneratedPasswordIsTheOwnersAloneAndTheServerListensOnLoopbackOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dist.home.resolve("data/web/admin.password"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dist.home.resolve("data/web"))));
        assertTrue("a password of at least 20 characters", password.length() >= 20);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        }
        List<InetAddress> others = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback()) {
                Collections.list(nif.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address).forEach(others::add);
            }
        }
        // what the kernel says the console's port is bound to: 127.0.0.1 only, on every machine (the probe of other
        // addresses below needs a machine that has one; this does not)
        List<String> bound = listeningAddresses(port);
        assertEquals("the sockets listening on port " + port + ": " + bound, List.of("127.0.0.1"), bound);
        for (InetAddress a : others) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, port), 5000);
                throw new AssertionError("the console answers on " + a + ":" + port + ", not on loopback only");
            } catch (ConnectException expected) {
                // refused: nothing listens there
            }
        }
    }

    /** The local addresses of the TCP sockets listening on {@code port}, from /proc/net/tcp and tcp6 (Linux). */
    private static List<String> listeningAddresses(int port) throws Exception {
        List<String> addresses = new ArrayList<>();
        String hexPort = String.format("%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Paths.get(table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (local[1].equals(hexPort) && f[3].equals("0A")) { // 0A: LISTEN
                    byte[] raw = java.util.HexFormat.of().parseHex(local[0]);
                    // the kernel prints each 32-bit word of the address in host (little-endian) order
                    for (int i = 0; i < raw.length; i += 4) {
                        for (int j = 0; j < 2; j++) {
                            byte t = raw[i + j];
                            raw[i + j] = raw[i + 3 - j];
                            raw[i + 3 - j] = t;
                        }
                    }
                    addresses.add(InetAddress.getByAddress(raw).getHostAddress());
                }
            }
        }
        return addresses;
    }

    @Test
    public void everyEndpointPrintsTheDocumentOfItsJsonCommand() throws Exception {
        JsonObject deploys = settled();
        String pluginA = Long.toString(file(deploys, "plugin-a.jar").getAsJsonObject("bundle").get("id").getAsLong());
        sameAsCommand("revisor-timeline.json?n=1000", "audit:ops --json -n 1000");
        sameAsCommand("revisor-timeline/ops/" + updateOp + ".json", "audit:op --json " + updateOp);
        sameAsCommand("revisor-timeline/ops/" + rollbackOp + ".json", "audit:op --json " + rollbackOp);
        sameAsCommand("revisor-wiring.json", "audit:conflicts --json");
        sameAsCommand("revisor-wiring/bundle.json?bundle=" + pluginA, "audit:wiring --json " + pluginA);
        sameAsCommand("revisor-wiring/why.json?bundle=org.example.plugin.b", "audit:why --json org.example.plugin.b");
        sameAsCommand("revisor-deploys.json", "audit:deploys --json");

        JsonObject leaks = JsonParser.parseString(get("revisor-leaks.json", true).body()).getAsJsonObject();
        JsonObject command = JsonParser.parseString(dist.exec("audit:leaks --json")).getAsJsonObject();
        assertEquals(command.keySet(), leaks.keySet());
        LeakFindingDTO[] findings = GSON.fromJson(leaks.get("findings"), LeakFindingDTO[].class);
        assertEquals("findings read as LeakFindingDTO", JsonParser.parseString(GSON.toJson(findings)), leaks.get("findings"));
        assertNotNull(GSON.fromJson(leaks.get("status"), LeakStatusDTO.class));
        assertEquals(command.getAsJsonObject("status").keySet(), leaks.getAsJsonObject("status").keySet());

        assertEquals(400, get("revisor-wiring/bundle.json", true).statusCode());
        assertTrue(get("revisor-wiring/bundle.json?bundle=no.such.bundle", true).body().contains("no.such.bundle"));
        assertEquals(404, get("revisor-timeline/ops/op-999999.json", true).statusCode());
    }

    @Test
    public void actionsArePostsThatNeedThePagesToken() throws Exception {
        String page = get("revisor-timeline", true).body();
        Matcher m = Pattern.compile("name='revisor-csrf' content='([0-9a-f]+)'").matcher(page);
        assertTrue("the page carries the token: " + page, m.find());
        String token = m.group(1);
        assertEquals("without the token", 403, post("revisor-timeline/refresh.json", null, null).statusCode());
        assertEquals("with a wrong token", 403, post("revisor-timeline/refresh.json", wrong(token), null).statusCode());
        assertEquals("from another origin", 403, post("revisor-timeline/refresh.json", token, "http://evil.example").statusCode());
        HttpResponse<String> r = post("revisor-timeline/refresh.json", token, "http://127.0.0.1:" + port);
        assertEquals(r.body(), 200, r.statusCode());
        RefreshRecordDTO record = GSON.fromJson(r.body(), RefreshRecordDTO.class);
        assertNotNull(r.body(), record.operation);
        JsonObject op = JsonParser.parseString(dist.exec("audit:op --json " + record.operation)).getAsJsonObject().getAsJsonObject("operation");
        assertEquals("refresh", op.get("kind").getAsString());
        assertEquals("api:web console refresh", op.get("trigger").getAsString());
        assertEquals("a GET changes nothing", 404, get("revisor-timeline/refresh.json", true).statusCode());
    }

    /** The token with its first digit changed: a fixed first digit would equal the real token one time in 16. */
    private static String wrong(String token) {
        char first = token.charAt(0) == '0' ? '1' : '0';
        return first + token.substring(1);
    }

    @Test
    public void chromiumShowsTheBarsTheRollbackTheRefreshAndTheGraphOfAPackageWithTwoVersions() throws Exception {
        Path work = Files.createDirectories(Paths.get("target/web-console"));
        HeadlessChromium chromium = HeadlessChromium.find(work);
        // skipped only where Debian's chromium is missing: .ci/run installs it, so CI always runs this test
        assumeTrue("chromium is not installed (Debian package chromium; .ci/run installs it): the browser test is skipped",
                chromium != null);
        String base = "http://admin:" + password + "@127.0.0.1:" + port + CONSOLE;

        String timeline = chromium.dom(base + "revisor-timeline", 8000);
        assertTrue("the timeline updated: " + timeline, timeline.contains("live: updated"));
        assertTrue("a bar of the update " + updateOp + ": " + timeline,
                timeline.contains("class=\"rv-op rv-outcome-succeeded\" data-op=\"" + updateOp + "\""));
        assertTrue("the bar of the rollback " + rollbackOp + ": " + timeline,
                timeline.contains("class=\"rv-op rv-outcome-rolled-back\" data-op=\"" + rollbackOp + "\""));
        assertTrue("bars are drawn as SVG rectangles", count(timeline, "<rect ") >= 7);

        String opened = chromium.dom(base + "revisor-timeline#op=" + updateOp, 8000);
        int restarts = opened.indexOf("rv-restarts");
        assertTrue("the refresh record of " + updateOp + ": " + opened, restarts > 0);
        assertTrue("the consumer restarted in the refresh: " + opened,
                opened.indexOf("dev.revisor.itests.webconsumer", restarts) > 0);
        assertTrue("the record as the transaction ended (refresh.final), after it started the consumer again: " + opened,
                opened.contains("as its operation ended"));

        String wiring = chromium.dom(base + "revisor-wiring#package=org.example.utils", 8000);
        assertTrue("the graph of org.example.utils: " + wiring, wiring.contains("data-package=\"org.example.utils\""));
        assertTrue("exporter 1.0.0: " + wiring, wiring.contains("rv-exporter rv-version-1.0.0"));
        assertTrue("exporter 2.0.0: " + wiring, wiring.contains("rv-exporter rv-version-2.0.0"));
        assertTrue("importers: " + wiring, wiring.contains("org.example.plugin.a/") && wiring.contains("org.example.plugin.b/"));

        String deploys = chromium.dom(base + "revisor-deploys", 5000);
        assertTrue("the rolled-back file with its marker: " + deploys,
                Pattern.compile("(?s)<td>svc\\.jar</td><td>rolled-back</td>.*?<td>svc\\.jar\\.failed</td>").matcher(deploys).find());

        String leaks = chromium.dom(base + "revisor-leaks", 5000);
        assertTrue("the leaks page drew its findings: " + leaks,
                leaks.contains("no leaks found") || leaks.contains("class=\"rv-finding\""));

        chromium.screenshot(base + "revisor-timeline#op=" + updateOp, 8000, work.resolve("timeline.png"));
        chromium.screenshot(base + "revisor-wiring#package=org.example.utils", 8000, work.resolve("wiring.png"));
    }

    // ---------------------------------------------------------------- helpers

    private static boolean up() {
        try {
            return get("revisor-timeline.json", true).statusCode() == 200;
        } catch (AssertionError e) { // not listening yet
            return false;
        }
    }

    private static void sameAsCommand(String endpoint, String command) throws Exception {
        JsonElement web = null;
        JsonElement shell = null;
        for (int attempt = 0; attempt < 3; attempt++) { // an operation may end between the two reads
            HttpResponse<String> r = get(endpoint, true);
            assertEquals(endpoint + ": " + r.body(), 200, r.statusCode());
            assertTrue(endpoint, r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            web = JsonParser.parseString(r.body());
            shell = JsonParser.parseString(dist.exec(command));
            if (web.equals(shell)) {
                return;
            }
            Thread.sleep(500);
        }
        assertEquals(endpoint + " prints what '" + command + "' prints", shell, web);
    }

    private static JsonObject settled() {
        return JsonParser.parseString(dist.exec("audit:deploys --json --wait --timeout 60s")).getAsJsonObject();
    }

    private static JsonObject file(JsonObject deploys, String name) {
        for (JsonElement f : deploys.getAsJsonArray("files")) {
            if (f.getAsJsonObject().get("file").getAsString().equals(name)) {
                return f.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + name + " in " + deploys);
    }

    /** Copies the jar beside the deploy folder and moves it in, as FileInstall wants (STACK.md pitfall 8). */
    private static void drop(Path jar, String name) throws IOException {
        Path deploy = Files.createDirectories(dist.home.resolve("deploy"));
        Path staged = dist.home.resolve(name + ".staged");
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deploy.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + CONSOLE + path);
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String path, boolean credentials) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (credentials) {
            b.header("Authorization", basic("admin:" + password));
        }
        return send(b.build());
    }

    private static HttpResponse<String> post(String path, String token, String origin) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody())
                .header("Authorization", basic("admin:" + password));
        if (token != null) {
            b.header("X-Revisor-CSRF", token);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return send(b.build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
