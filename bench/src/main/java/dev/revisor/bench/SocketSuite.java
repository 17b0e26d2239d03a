package dev.revisor.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * (socket) {@code bin/revisor exec lb} latency with no other client and with 16 abusive clients, side by side in one
 * runtime (issue 19): 6 clients that send {@code cat} of a 2 MB file and never read, 5 that connect and send
 * nothing, 5 that send a 128 KiB line of {@code ;}. Each abuser reconnects as soon as the server drops it, so all 16
 * press on the slots for the whole leg. Legs alternate quiet, abused, abused, quiet, ... (ABBA); each leg is
 * {@code bench.socket.rounds} execs (default 10), four legs per state.
 */
final class SocketSuite {
    private static final int NON_READERS = 6;
    private static final int IDLE = 5;
    private static final int SEMICOLONS = 5;
    private final Context ctx;

    SocketSuite(Context ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        int rounds = Integer.getInteger("bench.socket.rounds", 10);
        List<Double> quiet = new ArrayList<>();
        List<Double> abused = new ArrayList<>();
        int failures = 0;
        try (RevisorInstance r = ctx.revisor("socket", "", Map.of())) {
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            Path big = r.home.resolve("big.txt");
            Files.writeString(big, ("z".repeat(99) + "\n").repeat(20_000));
            for (int i = 0; i < 5; i++) {
                r.exec("lb"); // warm-up
            }
            boolean[] order = {false, true, true, false, false, true, true, false};
            for (boolean abuse : order) {
                Abusers abusers = abuse ? new Abusers(r.socket(), big) : null;
                try {
                    if (abusers != null) {
                        abusers.start();
                        Thread.sleep(500); // let them take every slot
                    }
                    for (int i = 0; i < rounds; i++) {
                        RevisorInstance.Exec e = r.exec("lb");
                        if (e.status() != 0) {
                            failures++;
                        }
                        (abuse ? abused : quiet).add(e.millis());
                    }
                } finally {
                    if (abusers != null) {
                        abusers.stop();
                        ctx.report.note("socket leg with abusers: " + abusers.connections + " abusive connections made, "
                                + abusers.dropped + " dropped by the server");
                    }
                }
            }
            r.stop();
        }
        ctx.report.row("control socket", "bin/revisor exec lb, 16 abusive clients vs none", "ms", Stats.of(abused),
                Stats.of(quiet), "no other client", Double.NaN, "",
                "bench/run socket (java -jar bench/target/revisor-bench.jar socket)");
        if (failures > 0) {
            ctx.report.note("socket: " + failures + " execs did not exit 0");
        }
    }

    /** 16 abusive connections kept open by one named thread; each is reopened as soon as the server drops it. */
    private static final class Abusers implements Runnable {
        private final Path socket;
        private final byte[] catRequest;
        private final byte[] semicolonRequest;
        private final SocketChannel[] channels = new SocketChannel[NON_READERS + IDLE + SEMICOLONS];
        private final Thread thread = new Thread(this, "bench-socket-abusers");
        private volatile boolean stopping;
        int connections;
        int dropped;

        Abusers(Path socket, Path big) {
            this.socket = socket;
            this.catRequest = request("cat " + big);
            this.semicolonRequest = request(";".repeat(128 * 1024));
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.interrupt();
            thread.join(10_000);
        }

        @Override
        public void run() {
            try {
                while (!stopping) {
                    for (int i = 0; i < channels.length; i++) {
                        tend(i);
                    }
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                // stop()
            } finally {
                for (SocketChannel c : channels) {
                    close(c);
                }
            }
        }

        private void tend(int i) {
            SocketChannel c = channels[i];
            try {
                if (c != null && c.isOpen()) {
                    // a dropped connection shows as end of stream (idle, semicolons) or a failed write (non-readers,
                    // which never read: they probe with one byte that the server ignores after the request)
                    if (i < NON_READERS ? c.write(ByteBuffer.wrap(new byte[] {0})) < 0 : read(c) < 0) {
                        throw new IOException("dropped");
                    }
                    return;
                }
                c = SocketChannel.open(StandardProtocolFamily.UNIX);
                channels[i] = c;
                c.configureBlocking(false);
                if (!c.connect(UnixDomainSocketAddress.of(socket))) {
                    c.finishConnect();
                }
                connections++;
                if (i < NON_READERS) {
                    c.write(ByteBuffer.wrap(catRequest));
                } else if (i >= NON_READERS + IDLE) {
                    c.write(ByteBuffer.wrap(semicolonRequest)); // as much as the socket takes; the rest is abandoned
                }
            } catch (IOException e) {
                if (c != null && c.isOpen()) {
                    dropped++;
                }
                close(c);
                channels[i] = null;
            }
        }

        private static int read(SocketChannel c) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(4096);
            int n;
            while ((n = c.read(b.clear())) > 0) {
                // discard the refusal
            }
            return n;
        }

        private static void close(SocketChannel c) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // gone
                }
            }
        }

        private static byte[] request(String line) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(10 + bytes.length).put(new byte[] {'R', 'V', 'S', 'R', 1, 'X'})
                    .putInt(bytes.length).put(bytes).array();
        }
    }
}
