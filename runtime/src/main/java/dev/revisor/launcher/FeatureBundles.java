package dev.revisor.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.CRC32;
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
 * <li>wanted and installed, and its system/ jar is newer than the installed bundle, or its content differs from the
 * jar it was installed from (size and CRC-32 recorded in {@code data/feature-bundles.properties}; reproducible builds give
 * every jar the same timestamp, so the time alone misses a rebuilt SNAPSHOT): updated from the jar;</li>
 * <li>wanted and not installed: installed from its system/ jar;</li>
 * <li>every wanted bundle gets its feature's start order as start level and is marked to start.</li>
 * </ul>
 * A missing or broken jar is reported on standard error, naming the feature and the file, and the other bundles go on.
 */
final class FeatureBundles {
    static final String LOCATION_PREFIX = "revisor:feature:";

    private final BundleContext context;
    private final Path system;
    private final Path stateFile;
    private final Properties installedDigests = new Properties();
    private final PrintStream out;
    private final PrintStream err;
    private final List<String> problems = new ArrayList<>();

    FeatureBundles(BundleContext context, Path system, Path stateFile, PrintStream out, PrintStream err) {
        this.context = context;
        this.system = system;
        this.stateFile = stateFile;
        this.out = out;
        this.err = err;
    }

    /** Reconciles; returns the wanted bundles that are installed afterwards, by location. */
    Map<String, Bundle> reconcile(List<BootPlan.WantedBundle> wanted) {
        readState();
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
                installedDigests.remove(location);
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
        writeState(result.keySet());
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
            String digest = digest(jar);
            if (existing == null) {
                Bundle installed;
                try (InputStream in = Files.newInputStream(jar)) {
                    installed = context.installBundle(want.location(), in);
                }
                installedDigests.setProperty(want.location(), digest);
                return installed;
            }
            boolean newer = Files.getLastModifiedTime(jar).toMillis() > existing.getLastModified();
            boolean changed = !digest.equals(installedDigests.getProperty(want.location()));
            if (newer || changed) {
                try (InputStream in = Files.newInputStream(jar)) {
                    existing.update(in);
                }
                installedDigests.setProperty(want.location(), digest);
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

    private void readState() {
        if (!Files.isRegularFile(stateFile)) {
            return;
        }
        try (InputStream in = Files.newInputStream(stateFile)) {
            installedDigests.load(in);
        } catch (IOException | IllegalArgumentException e) {
            err.println("revisor: WARNING: cannot read " + stateFile + " (" + e.getMessage()
                    + "); feature bundles are updated from system/ once");
        }
    }

    private void writeState(java.util.Set<String> installed) {
        installedDigests.keySet().retainAll(installed);
        Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        try {
            Files.createDirectories(stateFile.getParent());
            try (java.io.OutputStream stream = Files.newOutputStream(tmp)) {
                installedDigests.store(stream, "size:CRC-32 of the system/ jar each feature bundle was installed from;"
                        + " written by the Revisor launcher");
            }
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            err.println("revisor: WARNING: cannot write " + stateFile + ": " + e.getMessage());
        }
    }

    /**
     * A fingerprint of the jar's content: its size and CRC-32 (a hardware intrinsic: about 8 ms for all of system/,
     * against 60 ms for SHA-256 at JVM start-up). It only has to tell a rebuilt jar from the one installed.
     */
    static String digest(Path file) throws IOException {
        CRC32 crc = new CRC32();
        long size = 0;
        byte[] buffer = new byte[65536];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                crc.update(buffer, 0, n);
                size += n;
            }
        }
        return size + ":" + Long.toHexString(crc.getValue());
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
