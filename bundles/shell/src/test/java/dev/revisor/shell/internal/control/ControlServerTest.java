package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.revisor.shell.internal.control.ControlProtocol.Frame;
import dev.revisor.shell.internal.control.TestClient.Response;

/**
 * The server over a real Unix domain socket in a temporary directory, with a mocked Gogo
 * {@link org.apache.felix.service.command.CommandProcessor}. Concurrency is asserted with latches and barriers,
 * never with elapsed time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlServerTest {
    private static final ControlServer.Settings DEFAULTS =
            new ControlServer.Settings(16, ControlProtocol.MAX_REQUEST_BYTES, 10_000);

    @TempDir
    Path tmp;
    private Path socket;
    private UserPrincipal me;
    private final RecordingLogger log = new RecordingLogger();
    private final List<ControlServer> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        socket = tmp.resolve("data/run/control.sock");
        me = SocketDirectory.currentUser(FileSystems.getDefault());
    }

    @AfterEach
    void tearDown() {
        servers.forEach(ControlServer::close);
        assertThat(controlThreads()).as("threads left behind").isEmpty();
    }

    private ControlServer start(FakeGogo gogo) throws IOException {
        return start(gogo, DEFAULTS);
    }

    private ControlServer start(FakeGogo gogo, ControlServer.Settings settings) throws IOException {
        ControlServer server = ControlServer.start(socket, me, settings, gogo.processor, log.logger);
        servers.add(server);
        return server;
    }

    // ------------------------------------------------------------------ commands

    private static final String STOPPING = "E " + Connection.STOPPING + "\n";

    @Test
    void commandOutputThenFormattedResultThenStatus0() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> {
            lines.add(line);
            out.println("hello");
            err.println("careful");
            return in.read() == -1 ? 42 : "stdin was not empty";
        });
        start(gogo);

        Response r = TestClient.run(socket, "audit:events -n 5 | grep 'é'");

        assertThat(lines).containsExactly("audit:events -n 5 | grep 'é'");
        assertThat(r.frames()).extracting(Frame::toString)
                .containsExactly("O hello\n", "E careful\n", "O inspect:42\n", "R 0");
        verify(gogo.sessions.get(0)).close();
    }

    @Test
    void nullResultWritesNothingAndAResultEndingInANewlineGetsNoSecondOne() throws Exception {
        start(new FakeGogo((line, out, err, in) -> line.equals("null") ? null : "two lines\nend\n"));

        assertThat(TestClient.run(socket, "null").frames()).extracting(Frame::toString).containsExactly("R 0");
        assertThat(TestClient.run(socket, "text").out()).isEqualTo("inspect:two lines\nend\n");
    }

    @Test
    void outputIsStreamedWhileTheCommandStillRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(new FakeGogo((line, out, err, in) -> {
            out.println("started");
            if (!release.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
            out.print("finished");
            return null;
        }));

        try (TestClient client = new TestClient(socket)) {
            client.execute("slow");
            // the command waits for this test, so this frame can only have been sent while it runs
            assertThat(client.next()).hasToString("O started\n");
            release.countDown();
            Response rest = client.response();
            assertThat(rest.out()).isEqualTo("finished");
            assertThat(rest.status()).isZero();
        }
    }

    @Test
    void commandThatThrowsGivesItsMessageOnEAndStatus1() throws Exception {
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> {
            out.println("partial");
            throw new IllegalArgumentException("no bundle 42");
        });
        start(gogo);

        Response r = TestClient.run(socket, "stop 42");

        assertThat(r.frames()).extracting(Frame::toString).containsExactly("O partial\n", "E no bundle 42\n", "R 1");
        verify(gogo.sessions.get(0)).close();
    }

    @Test
    void failureWithoutMessageIsNamedByItsClass() throws Exception {
        start(new FakeGogo((line, out, err, in) -> {
            throw new IllegalStateException();
        }));

        Response r = TestClient.run(socket, "x");

        assertThat(r.err()).isEqualTo("java.lang.IllegalStateException\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void gogoCommandNotFoundIsReportedAsGogoWordsIt() throws Exception {
        start(new FakeGogo((line, out, err, in) -> {
            throw new CommandNotFoundException("nosuch");
        }));

        Response r = TestClient.run(socket, "nosuch");

        assertThat(r.err()).isEqualTo("Command not found: nosuch\n");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void anErrorThrownByACommandIsReportedAndLogged() throws Exception {
        start(new FakeGogo((line, out, err, in) -> {
            throw new NoClassDefFoundError("org/example/Gone");
        }));

        Response r = TestClient.run(socket, "broken");

        assertThat(r.err()).isEqualTo("org/example/Gone\n");
        assertThat(r.status()).isEqualTo(1);
        assertThat(log.at("ERROR")).anyMatch(l -> l.contains("command 'broken' failed"));
        assertThat(TestClient.run(socket, "again").status()).as("the server still serves").isEqualTo(1);
    }

    // ------------------------------------------------------------------ bad requests

    @Test
    void garbageIsAnsweredWithBadRequestAndStatus1AndTheServerGoesOn() throws Exception {
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> "ok");
        start(gogo);

        try (TestClient client = new TestClient(socket)) {
            Response r = client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).response();
            assertThat(r.frames()).extracting(Frame::toString)
                    .containsExactly("E bad request: expected magic RVSR, got \"GET \"\n", "R 1");
        }
        verify(gogo.processor, never()).createSession(any(), any(), any());
        assertThat(log.at("WARN")).containsExactly("WARN control socket: bad request: expected magic RVSR, got \"GET \"");

        assertThat(TestClient.run(socket, "fine").out()).isEqualTo("inspect:ok\n");
    }

    @Test
    void wrongVersionAndWrongOperationAreNamed() throws Exception {
        start(new FakeGogo((line, out, err, in) -> "ok"));
        byte[] version2 = ControlProtocol.encodeRequest("help");
        version2[4] = 2;
        byte[] opS = ControlProtocol.encodeRequest("help");
        opS[5] = 'S';

        try (TestClient a = new TestClient(socket); TestClient b = new TestClient(socket)) {
            assertThat(a.send(version2).response().err())
                    .isEqualTo("bad request: unsupported protocol version 2 (this server speaks version 1)\n");
            assertThat(b.send(opS).response().err())
                    .isEqualTo("bad request: unknown operation \"S\" (the operations are 'X', execute a command line, and 'B', execute one of a batch)\n");
        }
    }

    @Test
    void oversizeLengthIsRefusedAtOnceWithoutWaitingForTheBody() throws Exception {
        // a long request timeout: an answer that waited for the body would say "timed out" instead
        start(new FakeGogo((line, out, err, in) -> "ok"), new ControlServer.Settings(4, 100, 60_000));
        ByteBuffer header = ByteBuffer.allocate(10).put(ControlProtocol.MAGIC).put((byte) 1).put((byte) 'X').putInt(101);

        try (TestClient client = new TestClient(socket)) {
            Response r = client.send(header.array()).response();
            assertThat(r.frames()).extracting(Frame::toString).containsExactly(
                    "E bad request: command line of 101 bytes exceeds the limit of 100 bytes\n", "R 1");
        }
        assertThat(TestClient.run(socket, "x".repeat(100)).status()).isZero();
    }

    @Test
    void aHalfSentRequestOrASilentClientTimesOutWithBadRequest() throws Exception {
        start(new FakeGogo((line, out, err, in) -> "ok"), new ControlServer.Settings(4, 1024, 300));
        byte[] request = ControlProtocol.encodeRequest("help");

        try (TestClient silent = new TestClient(socket);
                TestClient halfHeader = new TestClient(socket).send(Arrays.copyOf(request, 6));
                TestClient halfBody = new TestClient(socket).send(Arrays.copyOf(request, 12))) {
            assertThat(silent.response().frames()).extracting(Frame::toString).containsExactly(
                    "E bad request: timed out: no complete request within 300 ms (got 0 of 10 header bytes)\n", "R 1");
            assertThat(halfHeader.response().err())
                    .isEqualTo("bad request: timed out: no complete request within 300 ms (got 6 of 10 header bytes)\n");
            assertThat(halfBody.response().err()).isEqualTo(
                    "bad request: timed out: no complete request within 300 ms (got 2 of 4 command line bytes)\n");
        }
        assertThat(TestClient.run(socket, "help").status()).isZero();
    }

    @Test
    void aRequestCutShortByTheClientIsTruncated() throws Exception {
        start(new FakeGogo((line, out, err, in) -> "ok"));

        try (TestClient client = new TestClient(socket)) {
            client.send(Arrays.copyOf(ControlProtocol.encodeRequest("help"), 12));
            client.channel.shutdownOutput();
            assertThat(client.response().frames()).extracting(Frame::toString).containsExactly(
                    "E bad request: truncated request: the connection ended after 2 of 4 command line bytes\n", "R 1");
        }
    }

    // ------------------------------------------------------------------ clients and threads

    @ParameterizedTest(name = "command on a pipe thread: {0}")
    @ValueSource(booleans = {false, true})
    void aClientLeavingMidCommandDisturbsNeitherTheCommandNorTheServer(boolean pipeThread) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean outputFailed = new AtomicBoolean(true);
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> {
            if (line.equals("next")) {
                return "served";
            }
            started.countDown();
            release.await();
            String chunk = "x".repeat(1000);
            for (int i = 0; i < 2000; i++) { // 2 MB: far more than the socket buffers, so writes do fail
                out.println(chunk);
            }
            err.println("done");
            outputFailed.set(out.checkError() || err.checkError());
            finished.countDown();
            return "result nobody reads";
        }, pipeThread);
        start(gogo);

        TestClient leaving = new TestClient(socket);
        leaving.execute("long");
        started.await();
        leaving.close();
        release.countDown();

        assertThat(finished.await(20, TimeUnit.SECONDS)).as("the command ran to its end").isTrue();
        assertThat(outputFailed).as("the command saw a failing stream").isFalse();
        verify(gogo.sessions.get(0), timeout(10_000)).close();
        assertThat(TestClient.run(socket, "next").out()).isEqualTo("inspect:served\n");
        assertThat(log.at("ERROR")).isEmpty();
        assertThat(log.at("WARN")).isEmpty();
    }

    @Test
    void twoSlowCommandsRunAtTheSameTimeOnNamedThreads() throws Exception {
        // each command waits until the other one has started: served one after the other, both would time out
        CyclicBarrier bothRunning = new CyclicBarrier(2);
        start(new FakeGogo((line, out, err, in) -> {
            bothRunning.await(20, TimeUnit.SECONDS);
            return Thread.currentThread().getName();
        }));

        try (TestClient a = new TestClient(socket); TestClient b = new TestClient(socket)) {
            a.execute("a");
            b.execute("b");
            Response ra = a.response();
            Response rb = b.response();
            assertThat(ra.status()).as(ra.err()).isZero();
            assertThat(rb.status()).as(rb.err()).isZero();
            assertThat(List.of(ra.out(), rb.out())).allMatch(o -> o.matches("inspect:revisor-control-\\d+\n"))
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void connectionsBeyondMaxConcurrentWaitForAFreeSlot() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(new FakeGogo((line, out, err, in) -> {
            events.add(line + " started");
            if (line.equals("first")) {
                firstStarted.countDown();
                release.await();
            }
            events.add(line + " ended");
            return null;
        }), new ControlServer.Settings(1, 1024, 10_000));

        try (TestClient first = new TestClient(socket); TestClient second = new TestClient(socket)) {
            first.execute("first");
            firstStarted.await();
            second.execute("second"); // connected (accept queue) and sent, but no slot is free
            Thread.sleep(200); // give a wrong implementation the chance to start it; not a timing assertion
            assertThat(events).containsExactly("first started");
            release.countDown();
            assertThat(first.response().status()).isZero();
            assertThat(second.response().status()).isZero();
        }
        assertThat(events).containsExactly("first started", "first ended", "second started", "second ended");
    }

    @Test
    void closeStopsEveryThreadItStartedAnswersRunningCommandsAndDeletesTheSocket() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        ControlServer server = start(new FakeGogo((line, out, err, in) -> {
            if (line.equals("wait")) {
                started.countDown();
                new CountDownLatch(1).await(); // until interrupted
            }
            return "quick";
        }), new ControlServer.Settings(4, 1024, 60_000));
        assertThat(TestClient.run(socket, "quick").status()).isZero();
        TestClient waiting = new TestClient(socket);
        waiting.execute("wait");
        started.await();
        TestClient silent = new TestClient(socket); // holds a connection thread in the request read
        assertThat(controlThreads()).contains(ControlServer.ACCEPT_THREAD).anyMatch(n -> n.matches("revisor-control-\\d+"));

        server.close();

        assertThat(controlThreads()).isEmpty();
        assertThat(socket).doesNotExist();
        Response r = waiting.response();
        assertThat(r.frames()).extracting(Frame::toString)
                .containsExactly(STOPPING, "R 1");
        assertThat(silent.next()).as("the silent client is just disconnected").isNull();
        waiting.close();
        silent.close();
        server.close(); // idempotent
    }

    @Test
    void closeReleasesACommandWritingToAClientThatDoesNotRead() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        ControlServer server = start(new FakeGogo((line, out, err, in) -> {
            started.countDown();
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 16 * 1024; i++) { // 1 GiB: blocks on the full socket buffer long before the end
                out.write(chunk);
            }
            finished.countDown();
            return null;
        }));
        try (TestClient stalled = new TestClient(socket)) {
            stalled.execute("flood");
            started.await();

            server.close();

            assertThat(finished.getCount()).as("the command ran to its end, its output discarded").isZero();
            assertThat(controlThreads()).isEmpty();
        }
    }

    @Test
    void closeReleasesAGogoPipeThreadBlockedOnAClientThatDoesNotRead() throws Exception {
        // the hard case: the writer is not a connection thread but Gogo's, it ignores interrupts while it writes,
        // and it holds the output stream's lock that the connection thread needs to report the interruption
        CountDownLatch started = new CountDownLatch(1);
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> {
            started.countDown();
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 16 * 1024; i++) {
                out.write(chunk);
            }
            return null;
        }, true);
        ControlServer server = start(gogo);
        try (TestClient stalled = new TestClient(socket)) {
            stalled.execute("flood");
            started.await();

            server.close();

            assertThat(controlThreads()).isEmpty();
            Thread pipe = gogo.pipes.get(0);
            pipe.join(10_000);
            assertThat(pipe.isAlive()).as("Gogo's pipe thread ended too").isFalse();
        }
    }

    @Test
    void aCommandThatStopsTheShellItselfEndsItsOwnConnectionCleanly() throws Exception {
        // "stop dev.revisor.shell" sent through the socket: SCR deactivates the component on the command's own
        // Gogo thread, and that thread is interrupted when the connection closes its session mid-close()
        AtomicBoolean closerInterruptedAfterwards = new AtomicBoolean();
        ControlServer[] self = new ControlServer[1];
        FakeGogo gogo = new FakeGogo((line, out, err, in) -> {
            out.println("stopping the shell");
            self[0].close();
            closerInterruptedAfterwards.set(Thread.currentThread().isInterrupted());
            return null;
        }, true);
        self[0] = start(gogo);

        try (TestClient client = new TestClient(socket)) {
            Response r = client.execute("stop dev.revisor.shell").response();
            assertThat(r.frames()).extracting(Frame::toString).containsExactly("O stopping the shell\n",
                    STOPPING, "R 1");
        }
        Thread pipe = gogo.pipes.get(0);
        pipe.join(10_000);
        assertThat(pipe.isAlive()).isFalse();
        assertThat(controlThreads()).isEmpty();
        assertThat(socket).doesNotExist();
        assertThat(log.at("WARN")).as("close() waited for its threads despite the interrupt").isEmpty();
        assertThat(closerInterruptedAfterwards)
                .as("the server's own interrupt is not passed on: the framework's next step on this thread (the start "
                        + "after an update of the shell) would fail, and the shell would stay down")
                .isFalse();
    }

    @Test
    void anInterruptTheCallerHadBeforeTheCloseIsKept() throws Exception {
        ControlServer server = start(new FakeGogo((line, out, err, in) -> "ok"));
        AtomicBoolean interruptedAfterwards = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt();
            server.close();
            interruptedAfterwards.set(Thread.currentThread().isInterrupted());
        }, "test-closer");
        closer.start();
        closer.join(30_000);

        assertThat(interruptedAfterwards).isTrue();
        assertThat(controlThreads()).isEmpty();
        assertThat(socket).doesNotExist();
    }

    // ------------------------------------------------------------------ directory and socket file

    @Test
    void createsTheSocketDirectoryAndItsParentsWithMode0700ForTheDirectory() throws Exception {
        socket = tmp.resolve("home/data/run/control.sock");
        start(new FakeGogo((line, out, err, in) -> "ok"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        assertThat(log.at("WARN")).isEmpty();
        assertThat(TestClient.run(socket, "x").status()).isZero();
    }

    @Test
    void tightensALooserDirectoryTo0700AndSaysSo() throws Exception {
        Files.createDirectories(socket.getParent());
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));

        start(new FakeGogo((line, out, err, in) -> "ok"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        assertThat(log.at("WARN")).singleElement().asString()
                .contains(socket.getParent().toString(), "had mode rwxr-xr-x", "rwx------ (0700)");
    }

    @Test
    void refusesADirectoryOwnedBySomeoneElseNamingIt() throws Exception {
        Files.createDirectories(socket.getParent());
        UserPrincipal someoneElse = FileSystems.getDefault().getUserPrincipalLookupService()
                .lookupPrincipalByName(me.getName().equals("nobody") ? "daemon" : "nobody");

        assertThatThrownBy(() -> ControlServer.start(socket, someoneElse, DEFAULTS,
                new FakeGogo((line, out, err, in) -> "ok").processor, log.logger))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot open the control socket " + socket)
                .hasMessageContaining("the control socket directory " + socket.getParent() + " is owned by " + me.getName()
                        + ", not by " + someoneElse.getName());
        assertThat(socket).doesNotExist();
        assertThat(controlThreads()).isEmpty();
    }

    @Test
    void replacesAStaleSocketFile() throws Exception {
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel earlier = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            earlier.bind(UnixDomainSocketAddress.of(socket));
        } // a crashed instance: the socket file stays
        assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).isTrue();

        start(new FakeGogo((line, out, err, in) -> "new instance"));

        assertThat(TestClient.run(socket, "who").out()).isEqualTo("inspect:new instance\n");
        assertThat(log.at("INFO")).anyMatch(l -> l.contains("removed the stale control socket " + socket));
    }

    @Test
    void refusesToReplaceARegularFileAtTheSocketPath() throws Exception {
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "not mine to delete");

        assertThatThrownBy(() -> start(new FakeGogo((line, out, err, in) -> "ok")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(socket + " exists and is not a socket (it is a regular file)");
        assertThat(socket).hasContent("not mine to delete");
    }

    static List<String> controlThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("revisor-control")).sorted().collect(Collectors.toList());
    }
}
