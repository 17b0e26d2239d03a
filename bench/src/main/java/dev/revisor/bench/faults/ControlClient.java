package dev.revisor.bench.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.io.DataInputStream;

/**
 * A client of the control socket, protocol version 1 (docs/control-socket.md): what {@code bin/revisor exec} does,
 * without starting a JVM per command (the campaign polls several times a second). Runs on the caller's thread.
 */
final class ControlClient {
    /** The answer to one command line. */
    record Answer(int status, String out, String err) {
    }

    private final Path socket;

    ControlClient(Path socket) {
        this.socket = socket;
    }

    /** @throws IOException when nobody listens on the socket or the answer breaks off */
    Answer execute(String commandLine) throws IOException {
        byte[] line = commandLine.getBytes(StandardCharsets.UTF_8);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.allocate(10 + line.length);
            request.put("RVSR".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 'X').putInt(line.length).put(line).flip();
            while (request.hasRemaining()) {
                ch.write(request);
            }
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            while (true) {
                int type = in.readUnsignedByte();
                int length = in.readInt();
                byte[] payload = in.readNBytes(length);
                if (payload.length != length) {
                    throw new IOException("the answer to '" + commandLine + "' broke off");
                }
                switch (type) {
                case 'O': out.write(payload); break;
                case 'E': err.write(payload); break;
                case 'R': return new Answer(ByteBuffer.wrap(payload).getInt(), out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8));
                default: throw new IOException("unknown frame type " + type + " in the answer to '" + commandLine + "'");
                }
            }
        }
    }
}
