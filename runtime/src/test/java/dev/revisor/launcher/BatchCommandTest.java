package dev.revisor.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch client against a Unix domain socket server that speaks protocol version 1 with batch requests: a line
 * {@code fail N} fails with status N, any other line prints itself. Records every request as
 * {@code connection:operation:line}.
 */
class BatchCommandTest {
    @TempDir
    Path home;

    private Path socket;
    private ServerSocketChannel server;
    private Thread thread;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void serve() throws IOException {
        socket = new Layout(home, home).controlSocket();
        Files.createDirectories(socket.getParent());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::acceptAll, "test-batch-server");
        thread.setDaemon(true);
        thread.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        thread.join(10_000);
    }

    private void acceptAll() {
        int connection = 0;
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                connection++;
                answer(connection, c);
            } catch (IOException e) {
                // the server closed, or the client went away
            }
        }
    }

    private void answer(int connection, SocketChannel c) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(c));
        OutputStream reply = Channels.newOutputStream(c);
        while (true) {
            byte[] header = new byte[10];
            try {
                in.readFully(header);
            } catch (EOFException e) {
                requests.add(connection + ":closed");
                return;
            }
            byte[] line = new byte[ByteBuffer.wrap(header, 6, 4).getInt()];
            in.readFully(line);
            String text = new String(line, StandardCharsets.UTF_8);
            requests.add(connection + ":" + (char) header[5] + ":" + text);
            int status = text.startsWith("fail ") ? Integer.parseInt(text.substring(5)) : 0;
            if (status == 0) {
                frame(reply, 'O', (text + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                frame(reply, 'E', ("failed: " + text + "\n").getBytes(StandardCharsets.UTF_8));
            }
            frame(reply, 'R', ByteBuffer.allocate(4).putInt(status).array());
            if (header[5] == 'X') {
                return;
            }
        }
    }

    private static void frame(OutputStream reply, char type, byte[] payload) throws IOException {
        reply.write(type);
        reply.write(ByteBuffer.allocate(4).putInt(payload.length).array());
        reply.write(payload);
        reply.flush();
    }

    private int batch(boolean keepGoing, String text) throws Exception {
        ExecClient client = new ExecClient(socket, home, out, err);
        return new BatchCommand(client, keepGoing).run(BatchInput.parse(text, "script.txt"), "script.txt");
    }

    private void awaitRequests(int count) throws InterruptedException {
        for (int i = 0; i < 500 && requests.size() < count; i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void everyLineRunsInOrderOverOneConnectionTheLastAsAnXRequest() throws Exception {
        assertThat(batch(false, "# setup\none\n\ntwo\nthree\n")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\nthree\n");
        assertThat(err.size()).isZero();
        assertThat(requests).containsExactly("1:B:one", "1:B:two", "1:X:three");
    }

    @Test
    void itStopsAtTheFirstFailureWithItsStatusAndSaysWhatWasNotRun() throws Exception {
        assertThat(batch(false, "one\nfail 3\nthree\nfour\n")).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("failed: fail 3\n"
                + "revisor: stopped at line 2 of script.txt (exit status 3); 2 more command lines were not run"
                + " (--keep-going runs them)\n");
        awaitRequests(3);
        assertThat(requests).containsExactly("1:B:one", "1:B:fail 3", "1:closed");
    }

    @Test
    void keepGoingRunsEveryLineAndExitsWithTheFirstFailuresStatus() throws Exception {
        assertThat(batch(true, "fail 5\ntwo\nfail 1\nfour\n")).isEqualTo(5);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("two\nfour\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("failed: fail 5\nfailed: fail 1\n"
                + "revisor: 2 of 4 command lines failed; the first at line 1 of script.txt (exit status 5)\n");
        // after a failure the client starts a new connection: the instance may have closed the old one
        assertThat(requests).startsWith("1:B:fail 5").contains("2:B:two", "2:B:fail 1", "3:X:four");
    }

    @Test
    void aFailingLastLineStopsWithItsStatusAndNothingLeftToRun() throws Exception {
        assertThat(batch(false, "one\nfail 2")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("failed: fail 2\n"
                + "revisor: stopped at line 2 of script.txt (exit status 2)\n");
    }

    @Test
    void anEmptyBatchConnectsToNothing() throws Exception {
        assertThat(batch(false, "# nothing\n\n")).isZero();
        assertThat(requests).isEmpty();
        assertThat(out.size() + err.size()).isZero();
    }

    @Test
    void noInstanceIsStatus2AsForASingleExec() throws Exception {
        server.close();
        Files.delete(socket);
        assertThat(batch(true, "one\ntwo\n")).isEqualTo(ExitCodes.NO_INSTANCE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("revisor: no Revisor instance runs in " + home);
        List<String> none = new ArrayList<>(requests);
        assertThat(none).isEmpty();
    }
}
