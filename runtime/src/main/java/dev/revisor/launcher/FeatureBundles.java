package dev.revisor.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;

/**
 * Brings the installed feature bundles in line with the wanted ones, before the framework starts. Feature bundles are
 * recognised by their location, {@code revisor:feature:<groupId>:<artifactId>:<version>}; any other bundle (one that
 * FileInstall installed from deploy/, or one installed from the shell) is left alone.
 * <ul>
 * <li>installed but no longer wanted (a console bundle after an interactive run, an old version): uninstalled;</li>
 * <li>wanted and installed, and its system/ jar is newer than the installed bundle: updated from the jar;</li>
 * <li>wanted and not installed: installed from its system/ jar;</li>
 * <li>every wanted bundle gets its feature's start order as start level and is marked to start.</li>
 * </ul>
 * A missing or broken jar is reported on standard error, naming the feature and the file, and the other bundles go on.
 */
final class FeatureBundles {
    static final String LOCATION_PREFIX = "revisor:feature:";

    private final BundleContext context;
    private final Path system;
    private final PrintStream out;
    private final PrintStream err;
    private final List<String> problems = new ArrayList<>();

    FeatureBundles(BundleContext context, Path system, PrintStream out, PrintStream err) {
        this.context = context;
        this.system = system;
        this.out = out;
        this.err = err;
    }

    /** Reconciles; returns the wanted bundles that are installed afterwards, by location. */
    Map<String, Bundle> reconcile(List<BootPlan.WantedBundle> wanted) {
        Map<String, BootPlan.WantedBundle> byLocation = new LinkedHashMap<>();
        for (BootPlan.WantedBundle bundle : wanted) {
            byLocation.put(bundle.location(), bundle);
        }
        Map<String, Bundle> installed = new LinkedHashMap<>();
        for (Bundle bundle : context.getBundles()) {
            String location = bundle.getLocation();
            if (!location.startsWith(LOCATION_PREFIX)) {
                continue;
            }
            if (byLocation.containsKey(location)) {
                installed.put(location, bundle);
                continue;
            }
            try {
                bundle.uninstall();
                out.println("revisor: uninstalled " + name(bundle) + ": no booted feature wants it any more");
            } catch (BundleException | IllegalStateException e) {
                problem("cannot uninstall " + name(bundle) + " (" + location + "): " + e.getMessage());
            }
        }
        Map<String, Bundle> result = new LinkedHashMap<>();
        for (BootPlan.WantedBundle want : wanted) {
            Bundle bundle = installOrUpdate(want, installed.get(want.location()));
            if (bundle == null) {
                continue;
            }
            result.put(want.location(), bundle);
            try {
                bundle.adapt(BundleStartLevel.class).setStartLevel(want.startOrder());
                if (!isFragment(bundle)) {
                    bundle.start();
                }
            } catch (BundleException | IllegalStateException | IllegalArgumentException e) {
                problem(want.feature() + ": " + want.id() + ": cannot mark " + name(bundle) + " to start at level "
                        + want.startOrder() + ": " + e.getMessage());
            }
        }
        return result;
    }

    /** The problems reported so far. */
    List<String> problems() {
        return problems;
    }

    private Bundle installOrUpdate(BootPlan.WantedBundle want, Bundle existing) {
        Path jar = want.id().pathIn(system);
        if (!Files.isRegularFile(jar)) {
            if (existing != null) {
                problem(want.feature() + ": bundle " + want.id() + ": " + jar
                        + " does not exist; keeping the copy installed earlier");
                return existing;
            }
            problem(want.feature() + ": bundle " + want.id() + ": " + jar + " does not exist; not installed");
            return null;
        }
        try {
            if (existing == null) {
                try (InputStream in = Files.newInputStream(jar)) {
                    return context.installBundle(want.location(), in);
                }
            }
            if (Files.getLastModifiedTime(jar).toMillis() > existing.getLastModified()) {
                try (InputStream in = Files.newInputStream(jar)) {
                    existing.update(in);
                }
                out.println("revisor: updated " + name(existing) + " from " + jar);
            }
            return existing;
        } catch (BundleException e) {
            problem(want.feature() + ": bundle " + want.id() + ": cannot " + (existing == null ? "install " : "update ")
                    + jar + ": " + e.getMessage());
        } catch (IOException e) {
            problem(want.feature() + ": bundle " + want.id() + ": cannot read " + jar + ": " + e.getMessage());
        }
        return existing;
    }

    private void problem(String message) {
        problems.add(message);
        err.println("revisor: ERROR: " + message);
    }

    static boolean isFragment(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    static String name(Bundle bundle) {
        String symbolicName = bundle.getSymbolicName();
        if (symbolicName == null) {
            return bundle.getLocation() + " [" + bundle.getBundleId() + "]";
        }
        return symbolicName + " " + bundle.getVersion() + " [" + bundle.getBundleId() + "]";
    }
}
