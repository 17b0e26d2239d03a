package dev.revisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Revisor as a user runs it: {@code bin/revisor --home HOME run}, headless, in the bench copy of the distribution. */
final class RevisorInstance extends Instance {
    private final Path dist;
    private final String features;
    private final Map<String, String> config;

    /**
     * @param features value of {@code revisor.features} (the probe's feature included)
     * @param config overrides of {@code etc/config.properties}
     */
    RevisorInstance(String name, Path dist, Path home, List<String> jvmOptions, String features, Map<String, String> config) {
        super(name, home, jvmOptions);
        this.dist = dist;
        this.features = features;
        this.config = config;
    }

    @Override
    void prepare() throws IOException {
        Path etc = home.resolve("etc");
        Files.createDirectories(etc);
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(etc.resolve("revisor.properties"), Props.override(
                Files.readString(dist.resolve("etc/revisor.properties")),
                Map.of("revisor.features", features, "revisor.console", "off")));
        Files.writeString(etc.resolve("config.properties"),
                Props.override(Files.readString(dist.resolve("etc/config.properties")), config));
    }

    @Override
    ProcessBuilder command() {
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/revisor").toString(), "--home", home.toString(), "run");
        List<String> opts = new ArrayList<>(jvmOptions);
        opts.add("-D" + dev.revisor.bench.probe.ProbeActivator.DIR_PROPERTY + "=" + benchDir);
        pb.environment().put("REVISOR_OPTS", String.join(" ", opts));
        pb.directory(home.toFile());
        return pb;
    }

    @Override
    Path deployDir() {
        return home.resolve("deploy");
    }

    Path socket() {
        return home.resolve("data/run/control.sock");
    }

    /** The result of one {@code bin/revisor exec}. */
    record Exec(int status, String output, double millis) {
    }

    /** Starts {@code bin/revisor exec --wait SECONDS} without waiting for it; its output is discarded. */
    Process execWaiting(int seconds, String commandLine) throws IOException {
        return new ProcessBuilder(dist.resolve("bin/revisor").toString(), "--home", home.toString(), "exec", "--wait",
                String.valueOf(seconds), "--", commandLine).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    Exec exec(String commandLine) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/revisor").toString(), "--home", home.toString(), "exec",
                "--", commandLine);
        pb.redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            out = buffer.toByteArray();
        }
        int status;
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("exec '" + commandLine + "' hung");
            }
            status = p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new Exec(status, new String(out, StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1e6);
    }
}
