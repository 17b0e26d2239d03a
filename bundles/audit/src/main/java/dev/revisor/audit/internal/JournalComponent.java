package dev.revisor.audit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.internal.operations.OperationLog;

/**
 * The journal service: JSON Lines in {@code ${revisor.data}/audit/} (or the configured folder), written by
 * {@link JournalWriter}'s thread. Concurrent Semantics: thread safe.
 */
@Component(configurationPid = JournalComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {Journal.class, OperationLog.class})
@Designate(ocd = JournalComponent.Config.class)
public final class JournalComponent implements Journal, OperationLog {
    static final String PID = "dev.revisor.audit.journal";
    private static final String OPERATION_LINES = JournalCodec.typeMarker("operation.");

    @ObjectClassDefinition(name = "Revisor journal", description = "Where and how the audit journal is written")
    public @interface Config {
        @AttributeDefinition(description = "Folder of the journal files; empty: ${revisor.data}/audit, "
                + "or the bundle's data area when the launcher did not set revisor.data")
        String directory() default "";

        @AttributeDefinition(description = "Rotate journal.jsonl when it grows past this many bytes")
        long max_file_bytes() default 16L * 1024 * 1024;

        @AttributeDefinition(description = "How many journal files to keep, the current one included")
        int max_files() default 8;

        @AttributeDefinition(description = "The longest line one event may have, in bytes; a longer event is written shortened"
                + " (long strings and lists cut, details.truncated = the length it would have had); at most max.file.bytes / 4")
        int max_event_bytes() default EventCap.DEFAULT_MAX_EVENT_BYTES;

        @AttributeDefinition(description = "How long sync() waits for the disk, in milliseconds")
        long sync_timeout_ms() default 5000;
    }

    private final JournalFiles files;
    private final JournalWriter writer;
    private final Logger logger;
    private final long syncTimeout;

    @Activate
    public JournalComponent(BundleContext context, Config config,
            @Reference LoggerFactory loggers) throws IOException {
        this.logger = loggers.getLogger(JournalComponent.class);
        this.syncTimeout = config.sync_timeout_ms();
        JournalCodec codec = new JournalCodec();
        this.files = new JournalFiles(directoryOf(context, config), codec);
        this.writer = new JournalWriter(files, codec, config.max_file_bytes(), config.max_files(),
                config.max_event_bytes(), logger::error);
        logger.info("journal at {} continues after event {}", files.directory(), writer.lastSeq());
    }

    static Path directoryOf(BundleContext context, Config config) {
        if (!config.directory().isBlank()) {
            return Paths.get(config.directory());
        }
        String data = context.getProperty("revisor.data");
        if (data != null && !data.isBlank()) {
            return Paths.get(data, "audit");
        }
        return context.getDataFile("audit").toPath();
    }

    @Deactivate
    void deactivate() {
        writer.close();
    }

    @Override
    public AuditEventDTO record(String type, String operation, Bundle bundle, Map<String, Object> details) {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("an event needs a type");
        }
        AuditEventDTO event = new AuditEventDTO();
        event.type = type;
        event.operation = operation;
        event.bundle = bundle == null ? null : BundleRefDTO.of(bundle);
        event.details = details == null ? new LinkedHashMap<>() : details;
        return writer.append(event);
    }

    @Override
    public AuditEventDTO recordOperationStart(Bundle bundle, Map<String, Object> details) {
        AuditEventDTO event = new AuditEventDTO();
        event.type = OperationLog.STARTED;
        event.bundle = bundle == null ? null : BundleRefDTO.of(bundle);
        event.details = details == null ? new LinkedHashMap<>() : details;
        return writer.append(event, OperationLog.ID_PREFIX);
    }

    @Override
    public List<AuditEventDTO> operationEvents(int lastEvents) {
        try {
            return files.tail(lastEvents, OPERATION_LINES);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal in " + files.directory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long lastSeq() {
        return writer.lastSeq();
    }

    /** Appends an event that a listener has already filled in (its seq and time are set here). */
    AuditEventDTO append(AuditEventDTO event) {
        return writer.append(event);
    }

    @Override
    public List<AuditEventDTO> events(EventQuery query) {
        // what was recorded before this call is read too (events are written on the writer's thread, in batches): a
        // caller that sees a marker or a state the journal was told about first finds that event
        if (!writer.written(syncTimeout)) {
            logger.warn("journal: events recorded just before this read were not written within {} ms; they may be "
                    + "missing from it", syncTimeout);
        }
        try {
            return files.read(query);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the journal in " + files.directory() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void sync() {
        if (!writer.sync(syncTimeout)) {
            logger.warn("journal: the disk did not confirm the write within {} ms", syncTimeout);
        }
    }

    @Override
    public Path directory() {
        return files.directory();
    }

    @Override
    public Subscription follow(Consumer<AuditEventDTO> listener) {
        Objects.requireNonNull(listener, "listener");
        Runnable end = writer.follow(listener);
        return end::run;
    }
}
