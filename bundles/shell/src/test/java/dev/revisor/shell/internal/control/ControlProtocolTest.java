package dev.revisor.shell.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.revisor.shell.internal.control.ControlProtocol.Frame;

/** The wire format alone, against the byte tables of docs/control-socket.md. */
class ControlProtocolTest {
    private static final int MAX = ControlProtocol.MAX_REQUEST_BYTES;

    @Test
    void requestIsMagicVersionOperationBigEndianLengthAndUtf8Line() {
        byte[] request = ControlProtocol.encodeRequest("lb -s é");

        byte[] line = "lb -s é".getBytes(StandardCharsets.UTF_8);
        assertThat(line).hasSize(8);
        assertThat(request).startsWith('R', 'V', 'S', 'R', 1, 'X', 0, 0, 0, 8);
        assertThat(Arrays.copyOfRange(request, 10, request.length)).isEqualTo(line);
    }

    @Test
    void decodesWhatItEncodes() throws Exception {
        for (String line : List.of("", "help", "audit:events -n 5 | grep bundle.", "ünïcødé ✓ 𝄞")) {
            assertThat(read(ControlProtocol.encodeRequest(line))).isEqualTo(line);
        }
    }

    @Test
    void wrongMagicIsNamedAsTextWhenPrintableAndAsHexOtherwise() {
        assertThatThrownBy(() -> read("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(BadRequestException.class)
                .hasMessage("expected magic RVSR, got \"GET \"");
        assertThatThrownBy(() -> read(new byte[] {0x16, 0x03, 0x01, 0x00, 1, 'X', 0, 0, 0, 0}))
                .isInstanceOf(BadRequestException.class)
                .hasMessage("expected magic RVSR, got 0x16030100");
    }

    @Test
    void wrongMagicIsRefusedAsSoonAsFourBytesHaveArrived() {
        byte[] header = {'r', 'v', 's', 'r', 0, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> ControlProtocol.checkHeader(header, 4, MAX))
                .hasMessage("expected magic RVSR, got \"rvsr\"");
    }

    @Test
    void unsupportedVersionIsNamed() {
        byte[] request = ControlProtocol.encodeRequest("help");
        request[4] = 2;
        assertThatThrownBy(() -> read(request)).isInstanceOf(BadRequestException.class)
                .hasMessage("unsupported protocol version 2 (this server speaks version 1)");
    }

    @Test
    void unknownOperationIsNamed() {
        byte[] request = ControlProtocol.encodeRequest("help");
        request[5] = 'S';
        assertThatThrownBy(() -> read(request)).isInstanceOf(BadRequestException.class)
                .hasMessage("unknown operation \"S\" (the operations are 'X', execute a command line, and 'B', execute one of a batch)");
    }

    @Test
    void lengthOverTheLimitIsRefusedBeforeTheBodyIsRead() {
        ByteBuffer header = ByteBuffer.allocate(10).put(ControlProtocol.MAGIC).put((byte) 1).put((byte) 'X')
                .putInt(MAX + 1);
        assertThatThrownBy(() -> read(header.array())).isInstanceOf(BadRequestException.class)
                .hasMessage("command line of 8193 bytes exceeds the limit of 8192 bytes");

        byte[] atTheLimit = ControlProtocol.encodeRequest("x".repeat(MAX));
        assertThat(catchingRead(atTheLimit)).isEqualTo("x".repeat(MAX));
    }

    @Test
    void negativeLengthIsRefused() {
        ByteBuffer header = ByteBuffer.allocate(10).put(ControlProtocol.MAGIC).put((byte) 1).put((byte) 'X').putInt(-1);
        assertThatThrownBy(() -> read(header.array())).hasMessage("negative command line length -1");
    }

    @Test
    void truncatedHeaderAndTruncatedBodyAreNamed() {
        byte[] request = ControlProtocol.encodeRequest("help");
        assertThatThrownBy(() -> read(Arrays.copyOf(request, 7))).isInstanceOf(BadRequestException.class)
                .hasMessage("truncated request: the connection ended after 7 of 10 header bytes");
        assertThatThrownBy(() -> read(Arrays.copyOf(request, 12))).isInstanceOf(BadRequestException.class)
                .hasMessage("truncated request: the connection ended after 2 of 4 command line bytes");
    }

    @Test
    void malformedUtf8IsRefused() {
        byte[] request = ControlProtocol.encodeRequest("ab");
        request[11] = (byte) 0xC3; // a lead byte with no continuation
        assertThatThrownBy(() -> read(request)).isInstanceOf(BadRequestException.class)
                .hasMessage("the command line is not valid UTF-8");
    }

    @Test
    void frameIsTypeBigEndianLengthPayload() {
        ByteBuffer frame = ControlProtocol.encodeFrame((byte) 'O', "hi\n".getBytes(StandardCharsets.UTF_8), 0, 3);
        assertThat(Arrays.copyOf(frame.array(), frame.limit())).containsExactly('O', 0, 0, 0, 3, 'h', 'i', '\n');

        ByteBuffer status = ControlProtocol.encodeStatus(1);
        assertThat(Arrays.copyOf(status.array(), status.limit())).containsExactly('R', 0, 0, 0, 4, 0, 0, 0, 1);
    }

    @Test
    void framesRoundTripAndLongPayloadsAreSplitAtTheMaximum() throws IOException {
        byte[] big = new byte[ControlProtocol.MAX_FRAME_PAYLOAD * 2 + 10];
        Arrays.fill(big, (byte) 'a');
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ControlProtocol.writeFrames(wire, ControlProtocol.FRAME_OUT, big);
        ControlProtocol.writeFrames(wire, ControlProtocol.FRAME_ERR, "oops\n".getBytes(StandardCharsets.UTF_8));
        ByteBuffer status = ControlProtocol.encodeStatus(0);
        wire.write(status.array(), 0, status.limit());

        List<Frame> frames = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        for (Frame f = ControlProtocol.readFrame(in); f != null; f = ControlProtocol.readFrame(in)) {
            frames.add(f);
        }
        assertThat(frames).extracting(f -> (char) f.type(), f -> f.payload().length).containsExactly(
                tuple('O', 65536), tuple('O', 65536), tuple('O', 10), tuple('E', 5), tuple('R', 4));
        assertThat(frames.get(3).text()).isEqualTo("oops\n");
        assertThat(frames.get(4).status()).isZero();
    }

    @Test
    void readingFramesRefusesUnknownTypesBadLengthsAndTruncation() {
        assertThatThrownBy(() -> ControlProtocol.readFrame(new ByteArrayInputStream(new byte[] {'X', 0, 0, 0, 0})))
                .hasMessage("unknown frame type \"X\"");
        assertThatThrownBy(() -> ControlProtocol.readFrame(new ByteArrayInputStream(new byte[] {'R', 0, 0, 0, 2, 0, 0})))
                .hasMessage("bad frame length 2 for a R frame");
        assertThatThrownBy(() -> ControlProtocol.readFrame(new ByteArrayInputStream(new byte[] {'O', 0, 0, 0, 9, 'a'})))
                .isInstanceOf(EOFException.class);
        assertThat(catching(() -> ControlProtocol.readFrame(new ByteArrayInputStream(new byte[0])))).isNull();
    }

    private static String read(byte[] request) throws IOException, BadRequestException {
        return ControlProtocol.readRequest(new ByteArrayInputStream(request), MAX);
    }

    private static String catchingRead(byte[] request) {
        return catching(() -> read(request));
    }

    private interface Failing<T> {
        T get() throws Exception;
    }

    private static <T> T catching(Failing<T> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
