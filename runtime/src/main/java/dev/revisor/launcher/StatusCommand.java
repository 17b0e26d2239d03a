package dev.revisor.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * {@code bin/revisor status}: prints whether an instance runs in the home, its pid, uptime, version, features and the
 * health of its feature bundles, and exits as LSB init scripts' {@code status} does: 0 running (and answering), 1 not
 * running but a stale pid file is left (the instance was killed), 3 not running, 4 unknown (starting, not answering,
 * permission denied, or the lock's holder cannot be named). With {@code --wait SECONDS} it first waits until the
 * instance is ready (for systemd's ExecStartPost).
 */
final class StatusCommand {
    /** LSB: program is dead and the pid file exists. */
    static final int DEAD_WITH_PID_FILE = 1;
    /** LSB: program is not running. */
    static final int NOT_RUNNING = 3;
    /** LSB: program or service status is unknown. */
    static final int UNKNOWN = 4;

    private final Layout layout;
    private final PrintStream out;
    private final PrintStream err;

    StatusCommand(Layout layout, PrintStream out, PrintStream err) {
        this.layout = layout;
        this.out = out;
        this.err = err;
    }

    int status(long answerTimeoutSeconds, long waitSeconds) {
        long answerMillis = answerTimeoutSeconds * 1000;
        InstanceProbe probe = InstanceProbe.look(layout, answerMillis);
        if (waitSeconds > 0) {
            long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
            while (probe.readiness != InstanceProbe.Readiness.READY && System.nanoTime() < deadline) {
                if (!sleep(200)) {
                    break;
                }
                probe = InstanceProbe.look(layout, answerMillis);
            }
        }
        return print(probe);
    }

    private int print(InstanceProbe probe) {
        switch (probe.readiness) {
            case STOPPED:
                out.println("state:    stopped");
                out.println("home:     " + layout.home);
                if (probe.home.detail != null) {
                    out.println("note:     " + probe.home.detail);
                    return probe.home.pid > 0 ? DEAD_WITH_PID_FILE : NOT_RUNNING;
                }
                return NOT_RUNNING;
            case UNKNOWN:
                out.println("state:    unknown");
                out.println("home:     " + layout.home);
                err.println("revisor: " + probe.problem);
                return UNKNOWN;
            case STARTING:
                out.println("state:    starting");
                process(probe);
                return UNKNOWN;
            case NOT_ANSWERING:
                out.println("state:    not answering");
                process(probe);
                err.println("revisor: " + probe.problem);
                return UNKNOWN;
            default:
                out.println("state:    running");
                process(probe);
                out.println("version:  " + probe.info.version);
                out.println("features: " + String.join(", ", probe.info.features));
                out.println("health:   " + health(probe));
                return ExitCodes.OK;
        }
    }

    private void process(InstanceProbe probe) {
        out.println("pid:      " + probe.home.pid);
        out.println("home:     " + layout.home);
        Optional<Instant> since = probe.home.process().flatMap(p -> p.info().startInstant());
        if (since.isPresent()) {
            Instant start = since.get().truncatedTo(ChronoUnit.SECONDS);
            out.println("uptime:   " + duration(Duration.between(start, Instant.now())) + " (since " + start + ")");
        }
    }

    private static String health(InstanceProbe probe) {
        if (!probe.info.controlSocket) {
            return "unknown: the booted features have no control socket to ask ("
                    + probe.info.featureBundles + " feature bundles)";
        }
        StringBuilder text = new StringBuilder();
        text.append(probe.active).append(" of ").append(probe.info.featureBundles).append(" feature bundles active");
        if (!probe.inactive.isEmpty()) {
            text.append("; not active: ").append(String.join(", ", probe.inactive));
        }
        if (probe.missing() > 0) {
            text.append("; ").append(probe.missing()).append(" not installed");
        }
        return text.toString();
    }

    static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        long days = s / 86400;
        long hours = s / 3600 % 24;
        long minutes = s / 60 % 60;
        long seconds = s % 60;
        if (days > 0) {
            return days + "d " + hours + "h " + minutes + "m";
        }
        if (hours > 0) {
            return hours + "h " + minutes + "m " + seconds + "s";
        }
        return minutes > 0 ? minutes + "m " + seconds + "s" : seconds + "s";
    }

    static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
