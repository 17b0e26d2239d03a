package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Batch requests ({@code B}, docs/control-socket.md): many command lines over one connection, each answered in order
 * and each held to the limits of a single request.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlServerBatchTest {
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
        assertThat(ControlServerTest.controlThreads()).as("threads left behind").isEmpty();
    }

    private void start(FakeGogo gogo, ControlServer.Settings settings) throws IOException {
        servers.add(ControlServer.start(socket, me, settings, gogo.processor, log.logger));
    }

    private static FakeGogo echoOrFail(List<String> ran) {
        return new FakeGogo((line, out, err, in) -> {
            ran.add(line);
            if (line.startsWith("fail")) {
                throw new IllegalStateException("failed: " + line);
            }
            out.println("out of " + line);
            return null;
        });
    }

    @Test
    void linesRunInOrderOverOneConnectionEachInItsOwnSessionAndAnXRequestEndsIt() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        FakeGogo gogo = echoOrFail(ran);
        start(gogo, new ControlServer.Settings(16, ControlProtocol.MAX_REQUEST_BYTES, 10_000));

        try (TestClient client = new TestClient(socket)) {
            assertThat(client.batch("one").answer().frames()).extracting(Frame::toString)
                    .containsExactly("O out of one\n", "R 0");
            Response failed = client.batch("fail two").answer();
            assertThat(failed.frames()).extracting(Frame::toString).containsExactly("E failed: fail two\n", "R 1");
            assertThat(client.execute("three").response().out()).isEqualTo("out of three\n");
        }
        assertThat(ran).containsExactly("one", "fail two", "three");
        assertThat(gogo.sessions).hasSize(3);
    }

    @Test
    void aClientThatClosesBetweenRequestsEndsTheBatchQuietly() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        start(echoOrFail(ran), new ControlServer.Settings(1, ControlProtocol.MAX_REQUEST_BYTES, 10_000));

        try (TestClient client = new TestClient(socket)) {
            assertThat(client.batch("one").answer().status()).isZero();
            client.channel.shutdownOutput();
            assertThat(client.closedByServer()).isTrue();
        }
        // the only slot is free again
        assertThat(TestClient.run(socket, "after").out()).isEqualTo("out of after\n");
        assertThat(log.at("WARN")).isEmpty();
    }

    @Test
    void eachLineIsCheckedAgainstTheRequestLimitsAndAGuardRefusalLetsTheBatchGoOn() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        start(echoOrFail(ran), new ControlServer.Settings(4, 100, 10_000, 5_000, 600_000, 200, 3));

        try (TestClient client = new TestClient(socket)) {
            assertThat(client.batch("one").answer().status()).isZero();
            Response guarded = client.batch("a;b;c;d;e").answer();
            assertThat(guarded.status()).isEqualTo(1);
            assertThat(guarded.err()).startsWith("bad request: the command line has 4 characters");
            assertThat(client.batch("two").answer().status()).isZero();
            // a line over the size limit is refused from its header: its body is still in the stream, so the
            // connection ends after the answer
            Response oversize = client.batch("x".repeat(101)).answer();
            assertThat(oversize.err()).isEqualTo("bad request: command line of 101 bytes exceeds the limit of 100"
                    + " bytes\n");
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(ran).containsExactly("one", "two");
    }

    @Test
    void theWatchdogTimesOutOneLineAndEndsTheBatch() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch interrupted = new CountDownLatch(1);
        start(new FakeGogo((line, out, err, in) -> {
            ran.add(line);
            if (line.equals("hang")) {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            }
            return null;
        }), new ControlServer.Settings(4, 1024, 10_000, 5_000, 3_000, 200, 128));

        try (TestClient client = new TestClient(socket)) {
            assertThat(client.batch("quick").answer().status()).isZero();
            Response r = client.batch("hang").answer();
            assertThat(r.status()).isEqualTo(ControlProtocol.STATUS_TIMED_OUT);
            assertThat(r.err()).contains("command.timeout.ms");
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            client.batch("never"); // may fail or be ignored: the connection is closed
        } catch (IOException e) {
            // the server closed the connection first
        }
        assertThat(ran).containsExactly("quick", "hang");
    }

    @Test
    void outputWrittenAfterALinesAnswerDoesNotLandInTheNextOne() throws Exception {
        CountDownLatch firstAnswered = new CountDownLatch(1);
        CountDownLatch strayWrote = new CountDownLatch(1);
        List<Thread> strays = new CopyOnWriteArrayList<>();
        start(new FakeGogo((line, out, err, in) -> {
            if (line.equals("spawn")) {
                Thread stray = new Thread(() -> {
                    try {
                        firstAnswered.await();
                        out.println("late");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    strayWrote.countDown();
                }, "stray-writer");
                strays.add(stray);
                stray.start();
                return "spawned";
            }
            strayWrote.await();
            return "second";
        }), new ControlServer.Settings(4, 1024, 10_000));

        try (TestClient client = new TestClient(socket)) {
            assertThat(client.batch("spawn").answer().out()).isEqualTo("inspect:spawned\n");
            firstAnswered.countDown();
            assertThat(client.execute("next").response().frames()).extracting(Frame::toString)
                    .containsExactly("O inspect:second\n", "R 0");
        }
        for (Thread t : strays) {
            t.join(10_000);
        }
    }
}
