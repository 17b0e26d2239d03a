package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.revisor.shell.internal.control.ControlProtocol.Frame;
import dev.revisor.shell.internal.control.TestClient.Response;

/**
 * Abusive clients (issue 19): clients that never read, clients that never send, requests Gogo would parse slowly,
 * commands that never end, peers that are not allowed. Each test would hang (and hit the class timeout) without
 * the limit it checks; none asserts elapsed time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlServerLoadTest {
    /** Generous request timeout: idle clients must be closed by the pressure rule, not by this. */
    private static final long LONG = 600_000;

    @TempDir
    Path tmp;
    private Path socket;
    private UserPrincipal me;
    private final RecordingLogger log = new RecordingLogger();
    private final List<ControlServer> servers = new ArrayList<>();
    private final List<SocketChannel> abusers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        socket = tmp.resolve("data/run/control.sock");
        me = SocketDirectory.currentUser(FileSystems.getDefault());
    }

    @AfterEach
    void tearDown() throws IOException {
        for (SocketChannel c : abusers) {
            c.close();
        }
        servers.forEach(ControlServer::close);
        assertThat(ControlServerTest.controlThreads()).as("threads left behind").isEmpty();
    }

    private void start(FakeGogo gogo, ControlServer.Settings settings) throws IOException {
        servers.add(ControlServer.start(socket, me, settings, gogo.processor, log.logger));
    }

    private SocketChannel abuser() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        abusers.add(c);
        return c;
    }

    /** Large output for "big", a short answer for anything else. */
    private static FakeGogo bigOrSmall(CountDownLatch bigStarted) {
        return new FakeGogo((line, out, err, in) -> {
            if (line.equals("big")) {
                bigStarted.countDown();
                String row = "x".repeat(99) + "\n";
                for (int i = 0; i < 20_000; i++) { // 2 MB: far more than the socket buffers hold
                    out.print(row);
                }
                return null;
            }
            return "small";
        });
    }

    @Test
    void sixteenClientsThatNeverReadDoNotKeepTheSeventeenthOut() throws Exception {
        CountDownLatch started = new CountDownLatch(16);
        // write timeout long enough that only the pressure rule can free the slots within the test's timeout
        start(bigOrSmall(started), new ControlServer.Settings(16, 1024, LONG, LONG, LONG, 200, 512));
        for (int i = 0; i < 16; i++) {
            SocketChannel c = abuser();
            c.write(java.nio.ByteBuffer.wrap(ControlProtocol.encodeRequest("big"))); // and never read
        }
        started.await();

        Response r = TestClient.run(socket, "lb");

        assertThat(r.frames()).extracting(Frame::toString).containsExactly("O inspect:small\n", "R 0");
        assertThat(log.lines()).anyMatch(l -> l.contains("all 16 slots are taken; closed a connection"));
    }

    @Test
    void aClientThatStopsReadingIsDroppedAfterTheWriteTimeout() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        start(new FakeGogo((line, out, err, in) -> {
            started.countDown();
            String row = "y".repeat(99) + "\n";
            for (int i = 0; i < 20_000; i++) {
                out.print(row);
            }
            ended.countDown();
            return null;
        }), new ControlServer.Settings(1, 1024, LONG, 300, LONG, LONG, 512));
        SocketChannel c = abuser();
        c.write(java.nio.ByteBuffer.wrap(ControlProtocol.encodeRequest("big")));

        ended.await(); // the command ran to its end although nobody read: its output was discarded

        assertThat(log.lines()).anyMatch(l -> l.contains("the client read nothing for 300 ms"));
        assertThat(TestClient.run(socket, "next").status()).as("the one slot is free again").isZero();
    }

    @Test
    void idleClientsAreClosedForANewOneWhenEverySlotIsTaken() throws Exception {
        start(bigOrSmall(new CountDownLatch(0)), new ControlServer.Settings(16, 1024, LONG, LONG, LONG, 200, 512));
        for (int i = 0; i < 50; i++) {
            abuser(); // connects and sends nothing
        }

        Response r = TestClient.run(socket, "lb");

        assertThat(r.status()).isZero();
    }

    @Test
    void requestsGogoWouldParseSlowlyAreRefusedBeforeGogoSeesThem() throws Exception {
        List<String> seen = new ArrayList<>();
        start(new FakeGogo((line, out, err, in) -> seen.add(line)), new ControlServer.Settings(4, 16384, LONG));

        Response semicolons = TestClient.run(socket, ";".repeat(16000)); // 128 KiB of them are refused by length
        Response quotes = TestClient.run(socket, "\"".repeat(1000));
        Response nested = TestClient.run(socket, "(".repeat(100));
        Response tooLong = TestClient.run(socket, "a".repeat(16385));

        assertThat(semicolons.err()).isEqualTo("bad request: the command line has 16000 characters with a meaning"
                + " to the Gogo parser (; & | < > = quotes brackets braces $ ` \\ and line breaks); at most 128 are"
                + " accepted, because parsing takes time quadratic in their number\n");
        assertThat(quotes.err()).contains("has 1000 characters with a meaning to the Gogo parser");
        assertThat(nested.err()).isEqualTo("bad request: the command line nests brackets 100 deep; at most 32"
                + " levels are accepted\n");
        assertThat(tooLong.err()).isEqualTo("bad request: command line of 16385 bytes exceeds the limit of 16384"
                + " bytes\n");
        assertThat(List.of(semicolons, quotes, nested, tooLong)).allMatch(r -> r.status() == 1);
        assertThat(seen).isEmpty();
        assertThat(TestClient.run(socket, "lb | grep x; echo \"a b\"").status()).isZero();
    }

    @Test
    void aCommandPastItsLimitIsReportedAndItsSlotFreedEvenIfItIgnoresTheInterrupt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        start(new FakeGogo((line, out, err, in) -> {
            if (!line.equals("stuck")) {
                return "quick";
            }
            out.println("working");
            while (release.getCount() > 0) { // ignores interrupts until the test lets it go
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            }
            out.println("too late");
            return "done";
        }), new ControlServer.Settings(1, 1024, LONG, LONG, 300, LONG, 512));

        Response stuck = TestClient.run(socket, "stuck");

        assertThat(stuck.frames()).extracting(Frame::toString).containsExactly("O working\n",
                "E timed out: the command ran longer than 300 ms (command.timeout.ms); its thread was interrupted\n",
                "R 124");
        interrupted.await();
        assertThat(TestClient.run(socket, "quick").out()).as("the only slot was given back")
                .isEqualTo("inspect:quick\n");
        release.countDown();
    }

    @Test
    void peersAreCheckedAgainstTheOwnerRootAndTheAllowList() throws Exception {
        PeerCredentials access = new PeerCredentials("alice", Set.of("bob"), Set.of("deployers"));

        assertThat(access.allows(new PeerCredentials.Peer("alice", "staff"))).isTrue();
        assertThat(access.allows(new PeerCredentials.Peer("root", "root"))).isTrue();
        assertThat(access.allows(new PeerCredentials.Peer("bob", "staff"))).isTrue();
        assertThat(access.allows(new PeerCredentials.Peer("carol", "deployers"))).isTrue();
        assertThat(access.allows(new PeerCredentials.Peer("mallory", "staff"))).isFalse();
        assertThat(access.refusal(new PeerCredentials.Peer("mallory", "staff"))).isEqualTo("user mallory (group"
                + " staff) may not use this control socket: it serves alice, root, and the users and groups named"
                + " in revisor.control.allow.users and revisor.control.allow.groups of etc/revisor.properties");

        start(bigOrSmall(new CountDownLatch(0)), new ControlServer.Settings(4, 1024, LONG));
        try (TestClient c = new TestClient(socket)) {
            assertThat(PeerCredentials.available()).as("Linux tells the peer").isTrue();
            assertThat(PeerCredentials.peer(c.channel).user()).isEqualTo(me.getName());
        }
    }
}
