package dev.revisor.bench.configfixture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * The configuration benchmark's DS component (the same bundle in Revisor and in plain Felix): each time SCR activates
 * it or calls its modified method, it appends {@code <epoch micros> <value>} to {@code ${revisor.bench.dir}/config.log}.
 */
@Component(configurationPid = StampedComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = StampedComponent.class)
public class StampedComponent {
    public static final String PID = "bench.config";

    private final Path log;

    @Activate
    public StampedComponent(BundleContext context, Map<String, Object> props) {
        String dir = context.getProperty("revisor.bench.dir");
        this.log = dir == null ? null : Paths.get(dir, "config.log");
        stamp(props);
    }

    @Modified
    void modified(Map<String, Object> props) {
        stamp(props);
    }

    private void stamp(Map<String, Object> props) {
        if (log == null) {
            return;
        }
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        try {
            Files.writeString(log, micros + " " + props.get("value") + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the harness times out on the missing line and names the file
        }
    }
}
