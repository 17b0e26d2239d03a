package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.revisor.shell.internal.control.ControlProtocol.Frame;
import dev.revisor.shell.internal.control.TestClient.Response;

/**
 * The server against the real Gogo 1.1.6 runtime, used as a plain object (no framework): its sessions run
 * commands on Gogo's own pipe threads, wrap the server's streams in channels, format results and word
 * "Command not found" themselves. The itests check the same inside Felix.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GogoRuntimeTest {
    /** Commands as a Revisor bundle would register them. */
    public static final class Commands {
        final CountDownLatch sleeping = new CountDownLatch(1);

        @Descriptor("sleeps until interrupted")
        public String sleep() throws InterruptedException {
            System.out.println("zzz");
            sleeping.countDown();
            Thread.sleep(60_000);
            return "woke up on its own";
        }

        volatile ControlServer server;
        final CountDownLatch startedAgain = new CountDownLatch(1);
        volatile boolean startInterrupted;
        volatile Job.Status jobAfterTheStart;

        @Descriptor("as an update of the shell sent through its own socket: stops the server, then starts again")
        public void selfupdate() {
            System.out.println("updating");
            server.close(); // the shell's stop: SCR deactivates the control socket on this thread
            try {
                Thread.sleep(500); // the framework's next step on this thread: the start of the updated shell
            } catch (InterruptedException e) {
                startInterrupted = true; // Felix would fail the start ("unable to acquire the global lock")
            } finally {
                jobAfterTheStart = Job.Utils.current().status();
                startedAgain.countDown();
            }
        }

        @Descriptor("greets")
        public String hello(String name) {
            return "hello " + name;
        }

        @Descriptor("prints to System.out, which Gogo redirects to the session")
        public void shout(String text) {
            System.out.println(text.toUpperCase());
            System.err.println("shouted");
        }

        @Descriptor("fails")
        public void fail(String bundle) {
            throw new IllegalArgumentException("no bundle " + bundle);
        }

        @Descriptor("returns a map")
        public Map<String, Integer> sizes() {
            return Map.of("one", 1);
        }

        @Descriptor("returns a list")
        public List<String> names() {
            return List.of("a", "b");
        }
    }

    @TempDir
    Path tmp;
    private ThreadIOImpl threadIO;
    private CommandProcessorImpl gogo;
    private ControlServer server;
    private final Commands commands = new Commands();
    private Path socket;
    private final RecordingLogger log = new RecordingLogger();

    @BeforeEach
    void setUp() throws IOException {
        threadIO = new ThreadIOImpl();
        threadIO.start();
        gogo = new CommandProcessorImpl(threadIO);
        gogo.addCommand("test", commands);
        socket = tmp.resolve("run/control.sock");
        server = ControlServer.start(socket, SocketDirectory.currentUser(FileSystems.getDefault()),
                new ControlServer.Settings(4, 1024, 10_000), gogo, log.logger);
    }

    @AfterEach
    void tearDown() {
        server.close();
        gogo.stop();
        threadIO.stop();
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void aResultIsFormattedByGogo() throws Exception {
        assertThat(TestClient.run(socket, "test:hello world").frames()).extracting(Frame::toString)
                .containsExactly("O hello world\n", "R 0");
        assertThat(TestClient.run(socket, "hello you").out()).isEqualTo("hello you\n");
        assertThat(TestClient.run(socket, "test:names").out()).isEqualTo("a\nb\n");
        assertThat(TestClient.run(socket, "test:sizes").out()).startsWith("one").endsWith("1\n");
    }

    @Test
    void systemOutAndErrOfACommandReachTheClient() throws Exception {
        Response r = TestClient.run(socket, "test:shout quiet");

        assertThat(r.out()).isEqualTo("QUIET\n");
        assertThat(r.err()).isEqualTo("shouted\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void failuresAndUnknownCommandsGiveGogosMessageAndStatus1() throws Exception {
        Response failed = TestClient.run(socket, "test:fail 42");
        assertThat(failed.err()).isEqualTo("no bundle 42\n");
        assertThat(failed.status()).isEqualTo(1);

        Response unknown = TestClient.run(socket, "nosuch");
        assertThat(unknown.err()).isEqualTo("Command not found: nosuch\n");
        assertThat(unknown.status()).isEqualTo(1);
    }

    @Test
    void stoppingTheServerInterruptsARunningGogoCommandAndTellsTheClient() throws Exception {
        try (TestClient client = new TestClient(socket)) {
            client.execute("test:sleep");
            commands.sleeping.await();

            server.close();

            assertThat(client.response().frames()).extracting(Frame::toString)
                    .containsExactly("O zzz\n", "E " + Connection.STOPPING + "\n", "R 1");
        }
        assertThat(ControlServerTest.controlThreads()).isEmpty();
    }

    @Test
    void aCommandThatStopsTheShellThroughItsOwnSocketIsToldButNeitherInterruptedNorWaitedFor() throws Exception {
        commands.server = server;
        try (TestClient client = new TestClient(socket)) {
            assertThat(client.execute("test:selfupdate").response().frames()).extracting(Frame::toString)
                    .containsExactly("O updating\n", "E " + Connection.SELF_STOP + "\n", "R 1");
        }
        commands.startedAgain.await();

        assertThat(commands.startInterrupted)
                .as("no interrupt reached the command after the close (Gogo's job thread cancels its pipes when the "
                        + "session closes): the start of the updated shell would fail and leave it down")
                .isFalse();
        assertThat(commands.jobAfterTheStart).as("Gogo did not cancel the command's job under it").isNotEqualTo(Job.Status.Done);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(ControlServer.WORKER_PREFIX)) {
                t.join(10_000); // the detached connection's thread ends with its command
            }
        }
        assertThat(ControlServerTest.controlThreads()).isEmpty();
        assertThat(socket).doesNotExist();
        assertThat(log.at("WARN")).as("close() did not wait for the command that called it").isEmpty();
    }

    @Test
    void anEmptyCommandLineDoesNothingAndSucceeds() throws Exception {
        assertThat(TestClient.run(socket, "").frames()).extracting(Frame::toString).containsExactly("R 0");
    }
}
