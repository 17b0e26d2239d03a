package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The baseline: Apache Felix's own launcher ({@code org.apache.felix.main}, {@code java -jar felix.jar}) with the
 * same third-party bundles as Revisor's core feature, at the same start levels, from the same files, the probe
 * at start level 1, and FileInstall configured like Revisor's (except the poll interval when a benchmark says so).
 */
final class PlainFelixInstance extends Instance {
    private final Path felixMain;
    private final List<Feature.Entry> bundles;
    private final Path repository;
    private final Path probe;
    private final List<Path> extraBundles;
    private final int extraStartLevel;
    private final Map<String, String> config;

    PlainFelixInstance(String name, Path felixMain, Path home, List<String> jvmOptions, Path repository,
            List<Feature.Entry> bundles, Path probe, List<Path> extraBundles, int extraStartLevel, Map<String, String> config) {
        super(name, home, jvmOptions);
        this.felixMain = felixMain;
        this.repository = repository;
        this.bundles = bundles;
        this.probe = probe;
        this.extraBundles = extraBundles;
        this.extraStartLevel = extraStartLevel;
        this.config = config;
    }

    @Override
    void prepare() throws IOException {
        Files.createDirectories(deployDir());
        Map<Integer, List<String>> byLevel = new TreeMap<>();
        byLevel.computeIfAbsent(1, l -> new ArrayList<>()).add(probe.toUri().toString());
        for (Feature.Entry e : bundles) {
            byLevel.computeIfAbsent(e.startOrder(), l -> new ArrayList<>()).add(e.in(repository).toUri().toString());
        }
        for (Path p : extraBundles) {
            byLevel.computeIfAbsent(extraStartLevel, l -> new ArrayList<>()).add(p.toUri().toString());
        }
        StringBuilder c = new StringBuilder("# written by the Revisor benchmark harness\n");
        c.append("org.osgi.framework.storage=").append(home.resolve("cache")).append('\n');
        c.append("org.osgi.framework.storage.clean=onFirstInit\n");
        c.append("org.osgi.framework.startlevel.beginning=").append(((TreeMap<Integer, List<String>>) byLevel).lastKey()).append('\n');
        c.append("felix.log.level=0\n");
        byLevel.forEach((level, urls) -> c.append("felix.auto.start.").append(level).append('=')
                .append(String.join(" \\\n  ", urls)).append('\n'));
        c.append("felix.fileinstall.dir=").append(deployDir()).append('\n');
        c.append("felix.fileinstall.noInitialDelay=true\n");
        c.append("felix.fileinstall.start.level=5\n");
        c.append("felix.fileinstall.bundles.new.start=true\n");
        c.append("felix.fileinstall.log.level=2\n");
        c.append("felix.fileinstall.tmpdir=").append(home.resolve("tmp")).append('\n');
        config.forEach((k, v) -> c.append(k).append('=').append(v).append('\n'));
        Files.writeString(home.resolve("config.properties"), c);
    }

    @Override
    ProcessBuilder command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-D" + dev.revisor.bench.probe.ProbeActivator.DIR_PROPERTY + "=" + benchDir);
        cmd.add("-Dfelix.config.properties=" + home.resolve("config.properties").toUri());
        cmd.add("-jar");
        cmd.add(felixMain.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(home.toFile());
        return pb;
    }

    @Override
    Path deployDir() {
        return home.resolve("deploy");
    }
}
