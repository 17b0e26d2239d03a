package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.revisor.shell.internal.control.ControlProtocol.Frame;

/** A minimal client of the control socket, written from docs/control-socket.md. */
final class TestClient implements AutoCloseable {
    final SocketChannel channel;
    private final InputStream in;

    TestClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = Channels.newInputStream(channel);
    }

    TestClient send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        return this;
    }

    TestClient execute(String commandLine) throws IOException {
        return send(ControlProtocol.encodeRequest(commandLine));
    }

    /** Sends one request of a batch: the server keeps the connection open after its answer. */
    TestClient batch(String commandLine) throws IOException {
        return send(ControlProtocol.encodeRequest(ControlProtocol.OP_BATCH, commandLine));
    }

    /** Reads every frame up to and including R, without expecting the server to close (a batch). */
    Response answer() throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (Frame f = next(); f != null; f = next()) {
            frames.add(f);
            if (f.type() == ControlProtocol.FRAME_STATUS) {
                return new Response(frames);
            }
        }
        throw new IOException("the connection ended without an R frame; got " + frames);
    }

    /** @return whether the server closed the connection (the next read is the end of the stream) */
    boolean closedByServer() throws IOException {
        return in.read() == -1;
    }

    /** @return the next frame, or null at the end of the stream */
    Frame next() throws IOException {
        return ControlProtocol.readFrame(in);
    }

    /** Reads every frame up to and including R, and checks that the server then closes. */
    Response response() throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (Frame f = next(); f != null; f = next()) {
            frames.add(f);
            if (f.type() == ControlProtocol.FRAME_STATUS) {
                if (in.read() != -1) {
                    throw new IOException("the server sent more after the R frame");
                }
                return new Response(frames);
            }
        }
        throw new IOException("the connection ended without an R frame; got " + frames);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Every frame of one response; the last one is R. */
    record Response(List<Frame> frames) {
        int status() {
            return frames.get(frames.size() - 1).status();
        }

        String out() {
            return text(ControlProtocol.FRAME_OUT);
        }

        String err() {
            return text(ControlProtocol.FRAME_ERR);
        }

        private String text(byte type) {
            return frames.stream().filter(f -> f.type() == type).map(Frame::text).collect(Collectors.joining());
        }
    }

    static Response run(Path socket, String commandLine) throws IOException {
        try (TestClient c = new TestClient(socket)) {
            return c.execute(commandLine).response();
        }
    }
}
