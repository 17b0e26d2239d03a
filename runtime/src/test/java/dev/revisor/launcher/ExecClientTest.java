package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec client against a real Unix domain socket server that speaks (or breaks) protocol version 1. */
class ExecClientTest {
    @TempDir
    Path home;

    private Path socket;
    private ServerSocketChannel server;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void socketPath() throws IOException {
        socket = new Layout(home, home).controlSocket();
        Files.createDirectories(socket.getParent());
    }

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** Starts a server that answers one connection with {@code reply}; the future yields the request it read. */
    private CompletableFuture<byte[]> serve(byte[] reply) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        CompletableFuture<byte[]> request = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (SocketChannel connection = server.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(connection));
                byte[] header = new byte[10];
                in.readFully(header);
                int length = ByteBuffer.wrap(header, 6, 4).getInt();
                byte[] line = new byte[length];
                in.readFully(line);
                byte[] all = Arrays.copyOf(header, 10 + length);
                System.arraycopy(line, 0, all, 10, length);
                request.complete(all);
                ByteBuffer buffer = ByteBuffer.wrap(reply);
                while (buffer.hasRemaining()) {
                    connection.write(buffer);
                }
            } catch (IOException e) {
                request.completeExceptionally(e);
            }
        }, "test-control-server");
        thread.setDaemon(true);
        thread.start();
        return request;
    }

    private static byte[] frames(Object... typeAndPayload) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < typeAndPayload.length; i += 2) {
            char type = (Character) typeAndPayload[i];
            Object payload = typeAndPayload[i + 1];
            byte[] data = payload instanceof Integer
                    ? ByteBuffer.allocate(4).putInt((Integer) payload).array()
                    : payload instanceof byte[] ? (byte[]) payload : ((String) payload).getBytes(StandardCharsets.UTF_8);
            bytes.write(type);
            bytes.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
            bytes.writeBytes(data);
        }
        return bytes.toByteArray();
    }

    private int exec(String line) {
        return new ExecClient(socket, home, out, err).execute(line);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void successCopiesOutputAndErrorFramesAndSendsAWellFormedRequest() throws Exception {
        CompletableFuture<byte[]> request = serve(frames('O', "START LEVEL 5\n", 'E', "a warning\n",
                'O', "   0|Active\n", 'R', 0));
        assertThat(exec("lb -s ü")).isZero();
        assertThat(out()).isEqualTo("START LEVEL 5\n   0|Active\n");
        assertThat(err()).isEqualTo("a warning\n");
        byte[] line = "lb -s ü".getBytes(StandardCharsets.UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(10 + line.length).put("RVSR".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 1).put((byte) 'X').putInt(line.length).put(line);
        assertThat(request.get(5, TimeUnit.SECONDS)).isEqualTo(expected.array());
    }

    @Test
    void aFailedCommandExits1WithItsMessageOnStandardError() throws Exception {
        serve(frames('E', "Command not found: nosuch\n", 'R', 1));
        assertThat(exec("nosuch")).isEqualTo(1);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("Command not found: nosuch\n");
    }

    @Test
    void otherStatusesArePassedThroughAndOutOfRangeOnesBecome1() throws Exception {
        serve(frames('R', 3));
        assertThat(exec("x")).isEqualTo(3);
        server.close();
        Files.deleteIfExists(socket);
        serve(frames('R', 1000));
        assertThat(exec("x")).isEqualTo(1);
        assertThat(err()).contains("exit status 1000");
    }

    @Test
    void largeOutputIsStreamedWhole() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        Arrays.fill(big, (byte) 'x');
        serve(frames('O', big, 'R', 0));
        assertThat(exec("big")).isZero();
        assertThat(out.size()).isEqualTo(big.length);
    }

    @Test
    void anAnswerSentBeforeTheRequestWasReadIsReportedEvenWhenTheWriteFails() throws Exception {
        // the instance refuses the peer at once, answers and closes without reading: a request larger than the
        // socket's buffers then fails to be written (broken pipe), and the refusal must still be what the user reads
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread thread = new Thread(() -> {
            try (SocketChannel connection = server.accept()) {
                ByteBuffer refusal = ByteBuffer.wrap(frames('E', "permission denied: user x may not use this control "
                        + "socket\n", 'R', 77));
                while (refusal.hasRemaining()) {
                    connection.write(refusal);
                }
            } catch (IOException e) {
                // the test's assertions say what went wrong
            }
        }, "test-refusing-server");
        thread.setDaemon(true);
        thread.start();

        int status = exec("echo " + "x".repeat(ExecClient.MAX_COMMAND_LINE - 10));

        assertThat(err()).isEqualTo("permission denied: user x may not use this control socket\n");
        assertThat(status).isEqualTo(77);
        thread.join(10_000);
    }

    @Test
    void noSocketMeansNoInstanceExit2() {
        assertThat(exec("lb")).isEqualTo(2);
        assertThat(err()).isEqualTo("revisor: no Revisor instance runs in " + home + " (no control socket " + socket
                + ")\n");
    }

    @Test
    void aClientPreparedBeforeTheInstanceListensConnectsOnceItDoes() throws Exception {
        ExecClient client = new ExecClient(socket, home, out, err);
        assertThat(client.prepare()).as("no socket file yet: the channel is opened unconnected").isZero();
        assertThat(client.prepare()).as("a second call keeps the channel").isZero();
        CompletableFuture<byte[]> request = serve(frames('O', "ok\n", 'R', 0));
        assertThat(client.execute("lb")).isZero();
        assertThat(out()).isEqualTo("ok\n");
        assertThat(request.get(5, TimeUnit.SECONDS)).isNotEmpty();
    }

    @Test
    void aPreparedClientWhoseInstanceNeverCameSaysSoAndLetsTheChannelGo() throws Exception {
        ExecClient client = new ExecClient(socket, home, out, err);
        assertThat(client.prepare()).isZero();
        long before = openDescriptors();
        assertThat(client.execute("lb")).isEqualTo(2);
        assertThat(err()).isEqualTo("revisor: no Revisor instance runs in " + home + " (no control socket " + socket
                + ")\n");
        assertThat(openDescriptors()).as("the channel and its selector are closed").isLessThan(before);
    }

    /** This JVM's open file descriptors (Linux). */
    private static long openDescriptors() throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void aSocketNobodyListensOnMeansNoInstanceExit2() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        server.close(); // the file stays, nobody listens: a crashed instance
        assertThat(Files.exists(socket)).isTrue();
        assertThat(exec("lb")).isEqualTo(2);
        assertThat(err()).startsWith("revisor: no Revisor instance runs in " + home + " (cannot connect to " + socket);
    }

    @Test
    void garbageInsteadOfFramesExits1() throws Exception {
        serve("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(exec("lb")).isEqualTo(1);
        assertThat(err()).contains("unexpected reply").contains("unknown frame type 0x48");
    }

    @Test
    void aReplyThatEndsBeforeTheStatusExits1() throws Exception {
        serve(frames('O', "partial"));
        assertThat(exec("lb")).isEqualTo(1);
        assertThat(out()).isEqualTo("partial");
        assertThat(err()).contains("closed before the exit status");
    }

    @Test
    void aTruncatedFrameAndABadStatusFrameExit1() throws Exception {
        byte[] truncated = Arrays.copyOf(frames('O', "0123456789"), 8);
        serve(truncated);
        assertThat(exec("lb")).isEqualTo(1);
        assertThat(err()).contains("inside an O frame");
        server.close();
        Files.deleteIfExists(socket);
        serve(frames('R', "xy"));
        assertThat(exec("lb")).isEqualTo(1);
        assertThat(err()).contains("the R frame has 2 bytes");
    }

    @Test
    void aTooLongCommandLineIsRefusedLocally() {
        assertThat(exec("x".repeat(ExecClient.MAX_COMMAND_LINE + 1))).isEqualTo(1);
        assertThat(err()).contains("at most 1048576");
    }

    @Test
    void mainExecUsesTheHomesSocket() throws Exception {
        serve(frames('O', "ok\n", 'R', 0));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--home", home.toString(), "exec", "lb"}, Map.of(), Path.of("/nowhere"),
                new PrintStream(stdout, true), new PrintStream(err, true));
        assertThat(status).isZero();
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("ok\n");

        int none = Main.run(new String[] {"exec", "lb"}, Map.of("REVISOR_HOME", home.resolve("other").toString()),
                Path.of("/nowhere"), new PrintStream(stdout, true), new PrintStream(err, true));
        assertThat(none).isEqualTo(2);
    }

    @Test
    void aServerThatAcceptsButNeverAnswersTimesOutWithExit124() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket)); // the kernel completes connects; nobody ever reads: SIGSTOP
        int status = new ExecClient(socket, home, out, err, 300).execute("lb");
        assertThat(status).isEqualTo(124);
        assertThat(err()).startsWith("revisor: timed out after 0.3 s waiting for the answer on " + socket
                + ": the instance does not answer (suspended or wedged?); --timeout SECONDS or REVISOR_EXEC_TIMEOUT"
                + " change the limit");
    }

    @Test
    void theTimeoutComesFromTheOptionElseTheEnvironmentElseTheDefault() throws Exception {
        assertThat(Arguments.parse(new String[] {"exec", "--timeout", "2.5", "lb"}).execTimeoutMillis(
                Map.of("REVISOR_EXEC_TIMEOUT", "9"))).isEqualTo(2500);
        assertThat(Arguments.parse(new String[] {"exec", "lb"}).execTimeoutMillis(Map.of("REVISOR_EXEC_TIMEOUT", "9")))
                .isEqualTo(9000);
        assertThat(Arguments.parse(new String[] {"exec", "lb"}).execTimeoutMillis(Map.of())).isEqualTo(60_000);
        assertThat(Arguments.parse(new String[] {"exec", "--timeout=0", "lb"}).execTimeoutMillis(Map.of())).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Arguments.parse(new String[] {"exec", "--timeout", "soon", "lb"}))
                .isInstanceOf(UsageException.class)
                .hasMessage("--timeout needs a number of seconds (0: no limit), not 'soon'");
        int status = Main.run(new String[] {"--home", home.toString(), "exec", "lb"},
                Map.of("REVISOR_EXEC_TIMEOUT", "-1"), Path.of("/nowhere"), new PrintStream(out, true),
                new PrintStream(err, true));
        assertThat(status).isEqualTo(64);
        assertThat(err()).contains("REVISOR_EXEC_TIMEOUT needs a number of seconds (0: no limit), not '-1'");
    }
}
