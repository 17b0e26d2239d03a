package dev.revisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** The machine and its load, for the report header. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.replaceFirst("^[^:]*:\\s*", "")).findFirst().orElse("?");
        } catch (IOException e) {
            // not Linux: keep "?"
        }
        return "machine: " + Runtime.getRuntime().availableProcessors() + " CPUs (" + cpu + "), " + memTotal()
                + "; Java " + System.getProperty("java.vm.version") + " (" + System.getProperty("java.vm.name") + "); "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + "\nload before the run: " + load();
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0] + " "
                    + Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[1] + " "
                    + Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[2] + " (1, 5, 15 min)";
        } catch (IOException e) {
            return "?";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.replaceAll("\\D+", "")).map(kb -> (Long.parseLong(kb) / 1024 / 1024) + " GiB RAM")
                    .collect(Collectors.joining());
        } catch (IOException e) {
            return "? RAM";
        }
    }
}
