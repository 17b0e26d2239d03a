package dev.revisor.audit.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.revisor.audit.api.AuditEventDTO;

/**
 * The child JVM of {@link JournalCrashTest}: opens an operation in the journal and writes its events, big ones, as
 * fast as the writer keeps up, until it is killed.
 */
public final class JournalCrashChild {
    private JournalCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        JournalCodec codec = new JournalCodec();
        JournalWriter writer = new JournalWriter(new JournalFiles(dir, codec), codec, 512 * 1024, 1000, System.err::println);
        AuditEventDTO start = new AuditEventDTO();
        start.type = "operation.started";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", "update");
        d.put("trigger", "api:crash-test");
        d.put("implicit", false);
        start.details = d;
        String op = writer.append(start, "op-").operation;
        System.out.println("operation " + op);
        System.out.flush();
        String padding = "x".repeat(6000);
        for (long i = 0;; i++) {
            AuditEventDTO e = new AuditEventDTO();
            e.type = "bundle.updated";
            e.operation = op;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("i", i);
            details.put("padding", padding);
            e.details = details;
            writer.append(e);
            if (i % 32 == 0) {
                Thread.sleep(1); // let the writer keep up: no event is dropped, so seqs stay contiguous
            }
        }
    }
}
