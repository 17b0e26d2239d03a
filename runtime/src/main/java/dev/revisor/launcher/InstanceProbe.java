package dev.revisor.launcher;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One look at a home for {@code start} and {@code status}: the {@link HomeState}, the instance's
 * {@link InstanceInfo} once it is ready, and, through the control socket ({@code lb -l}), the state of every feature
 * bundle (installed with a {@code revisor:feature:} location). Runs on the caller's thread; every wait is bounded by
 * the timeout given.
 */
final class InstanceProbe {
    enum Readiness {
        /** No instance runs. */
        STOPPED,
        /** The process holds the lock but has not reached its start level yet. */
        STARTING,
        /** Ready: reached its start level, and the control socket answers (if the booted features have one). */
        READY,
        /** Ready once, but the control socket does not answer now (suspended, wedged, or its shell is gone). */
        NOT_ANSWERING,
        /** The lock's holder cannot be named, or this user may not ask it. */
        UNKNOWN
    }

    static final String FEATURE_LOCATION = "revisor:feature:";

    final HomeState home;
    final Readiness readiness;
    /** READY and NOT_ANSWERING: what the instance wrote once ready. */
    final InstanceInfo info;
    /** READY with a socket: the feature bundles that are not Active, as "artifactId:version (State)". */
    final List<String> inactive = new ArrayList<>();
    /** READY with a socket: how many feature bundles are Active, and how many are installed. */
    int active;
    int present;
    /** Why it is NOT_ANSWERING or UNKNOWN, or null. */
    final String problem;

    private InstanceProbe(HomeState home, Readiness readiness, InstanceInfo info, String problem) {
        this.home = home;
        this.readiness = readiness;
        this.info = info;
        this.problem = problem;
    }

    /**
     * Whether the instance has announced itself: the lock's holder runs and {@code data/instance.properties} names it,
     * written once it reached its start level (what {@code start} and {@code exec --wait} wait for; {@link #look} then
     * also asks the control socket).
     */
    static boolean announced(HomeState home, InstanceInfo info) {
        return home.kind == HomeState.Kind.RUNNING && info != null && info.pid == home.pid;
    }

    static InstanceProbe look(Layout layout, long answerTimeoutMillis) {
        HomeState home = HomeState.of(layout);
        if (home.kind == HomeState.Kind.STOPPED) {
            return new InstanceProbe(home, Readiness.STOPPED, null, null);
        }
        if (home.kind == HomeState.Kind.UNKNOWN) {
            return new InstanceProbe(home, Readiness.UNKNOWN, null, home.detail);
        }
        InstanceInfo info = InstanceInfo.read(InstanceInfo.file(layout));
        if (!announced(home, info)) {
            return new InstanceProbe(home, Readiness.STARTING, null, null);
        }
        if (!info.controlSocket) {
            return new InstanceProbe(home, Readiness.READY, info, null);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new ExecClient(layout.controlSocket(), layout.home, out, err, answerTimeoutMillis)
                .execute("lb -l");
        String why = err.toString(StandardCharsets.UTF_8).trim().replaceFirst("^revisor: ", "");
        if (status == ExitCodes.PERMISSION_DENIED) {
            return new InstanceProbe(home, Readiness.UNKNOWN, info, why);
        }
        if (status != ExitCodes.OK) {
            return new InstanceProbe(home, Readiness.NOT_ANSWERING, info,
                    why.isEmpty() ? "'lb -l' through the control socket exited " + status : why);
        }
        InstanceProbe probe = new InstanceProbe(home, Readiness.READY, info, null);
        probe.countFeatureBundles(out.toString(StandardCharsets.UTF_8));
        return probe;
    }

    /** Reads Gogo's {@code lb -l} table: {@code ID|State|Level|Location|Version}. */
    void countFeatureBundles(String table) {
        for (String line : table.split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 4 || !cells[3].trim().startsWith(FEATURE_LOCATION)) {
                continue;
            }
            present++;
            String state = cells[1].trim();
            if (state.equals("Active")) {
                active++;
            } else {
                String id = cells[3].trim().substring(FEATURE_LOCATION.length());
                int colon = id.indexOf(':');
                inactive.add((colon >= 0 ? id.substring(colon + 1) : id) + " (" + state + ")");
            }
        }
    }

    /** Feature bundles the features name that are not installed at all. */
    int missing() {
        return info == null ? 0 : Math.max(0, info.featureBundles - present);
    }
}
