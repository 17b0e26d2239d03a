package dev.revisor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import com.google.gson.JsonParser;

/**
 * Commands run through the control socket in the real runtime, as `bin/revisor exec` sends them
 * (docs/control-socket.md); garbage and a client that hangs up do not disturb it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ControlSocketIT {
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return new Option[] {RevisorTestSupport.baseConfiguration()};
    }

    /** What a client gets back. */
    static final class Reply {
        final String out;
        final String err;
        final int status;

        Reply(String out, String err, int status) {
            this.out = out;
            this.err = err;
            this.status = status;
        }

        @Override
        public String toString() {
            return "status " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    /** A Gogo command that takes its time, as a user's slow command would: {@code itest:pause MILLIS}. */
    public static final class PauseCommand {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);

        public String pause(long millis) throws InterruptedException {
            Thread.sleep(millis);
            return "paused " + millis;
        }

        /** Blocks until the test releases it (30 s at most). */
        public String block() throws InterruptedException {
            blocked.countDown();
            return release.await(30, TimeUnit.SECONDS) ? "released" : "not released";
        }
    }

    private org.osgi.framework.ServiceRegistration<?> registerPause() {
        return registerPause(new PauseCommand());
    }

    private org.osgi.framework.ServiceRegistration<?> registerPause(PauseCommand command) {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put("osgi.command.scope", "itest");
        props.put("osgi.command.function", new String[] {"pause", "block"});
        return context.registerService(Object.class, command, props);
    }

    private Path socket() throws InterruptedException {
        Path socket = Paths.get(context.getProperty("revisor.control.socket"));
        RevisorTestSupport.await("the control socket " + socket, 10_000, () -> Files.exists(socket));
        return socket;
    }

    private static byte[] request(String line) {
        byte[] command = line.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(10 + command.length);
        b.put("RVSR".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 'X').putInt(command.length).put(command);
        return b.array();
    }

    private Reply send(byte[] request) throws IOException, InterruptedException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket()));
            channel.write(ByteBuffer.wrap(request));
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            while (true) {
                int type = in.readUnsignedByte();
                byte[] payload = new byte[in.readInt()];
                in.readFully(payload);
                if (type == 'O') {
                    out.write(payload);
                } else if (type == 'E') {
                    err.write(payload);
                } else if (type == 'R') {
                    return new Reply(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                            ByteBuffer.wrap(payload).getInt());
                } else {
                    throw new AssertionError("unknown frame type " + type);
                }
            }
        }
    }

    @Test
    public void lbAnswersThroughTheSocket() throws Exception {
        Reply r = send(request("lb"));
        assertEquals(r.toString(), 0, r.status);
        assertTrue(r.toString(), r.out.contains("Revisor audit") || r.out.contains("dev.revisor.audit"));
    }

    @Test
    public void felixCommandsTakeBundleIdsAndNamesHeadless() throws Exception {
        Bundle audit = RevisorTestSupport.bundleNamed(context, "dev.revisor.audit");
        Reply byId = send(request("headers " + audit.getBundleId()));
        assertEquals(byId.toString(), 0, byId.status);
        assertTrue(byId.toString(), byId.out.contains("Bundle-SymbolicName = dev.revisor.audit"));

        Reply byName = send(request("inspect cap osgi.wiring.package dev.revisor.audit"));
        assertEquals(byName.toString(), 0, byName.status);
        assertTrue(byName.toString(), byName.out.contains("dev.revisor.audit.api"));

        Reply unknown = send(request("headers no.such.bundle"));
        assertEquals(unknown.toString(), 1, unknown.status);
    }

    @Test
    public void auditJsonIsOneDocument() throws Exception {
        Reply r = send(request("audit:events -n 2 --json"));
        assertEquals(r.toString(), 0, r.status);
        assertEquals(r.toString(), 2, JsonParser.parseString(r.out).getAsJsonObject().getAsJsonArray("events").size());
    }

    @Test
    public void aFailingCommandExitsOneWithItsMessageOnStderr() throws Exception {
        Reply r = send(request("audit:events --since yesterday"));
        assertEquals(r.toString(), 1, r.status);
        assertTrue(r.toString(), r.err.contains("--since 'yesterday'"));

        r = send(request("nosuch:command"));
        assertEquals(r.toString(), 1, r.status);
        assertTrue(r.toString(), r.err.contains("nosuch:command"));
    }

    @Test
    public void theSocketDirectoryIsPrivate() throws Exception {
        Path dir = socket().getParent();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    public void garbageAndHangUpsDoNotDisturbTheRuntime() throws Exception {
        Bundle shell = RevisorTestSupport.bundleNamed(context, "dev.revisor.shell");
        Reply garbage = send("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(garbage.toString(), 1, garbage.status);
        assertTrue(garbage.toString(), garbage.err.contains("bad request"));

        // a client that sends a slow command and leaves at once
        org.osgi.framework.ServiceRegistration<?> pause = registerPause();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket()));
            channel.write(ByteBuffer.wrap(request("itest:pause 300")));
        }
        Thread.sleep(500); // the command ends after its client left
        pause.unregister();
        assertEquals(Bundle.ACTIVE, shell.getState());
        Reply after = send(request("lb"));
        assertEquals(after.toString(), 0, after.status);
    }

    @Test
    public void aSlowCommandDoesNotBlockOthers() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "itest-slow-client"));
        PauseCommand command = new PauseCommand();
        org.osgi.framework.ServiceRegistration<?> pause = registerPause(command);
        try {
            Future<Reply> slow = pool.submit(() -> send(request("itest:block")));
            assertTrue("the slow command runs", command.blocked.await(30, TimeUnit.SECONDS));
            // answered while the slow one is still blocked
            for (int i = 0; i < 3; i++) {
                Reply r = send(request("audit:events -n 1"));
                assertEquals(r.toString(), 0, r.status);
            }
            assertTrue("the slow command is still running", !slow.isDone());
            command.release.countDown();
            Reply slowReply = slow.get(30, TimeUnit.SECONDS);
            assertEquals(slowReply.toString(), 0, slowReply.status);
            assertTrue(slowReply.toString(), slowReply.out.contains("released"));
        } finally {
            pause.unregister();
            pool.shutdownNow();
        }
    }
}
