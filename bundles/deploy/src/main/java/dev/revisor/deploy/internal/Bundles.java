package dev.revisor.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;

/**
 * Facts about installed bundles that the deploy core needs, read through the framework API only: fragment, lazy,
 * singleton, the location a file gets, the bytes a bundle runs (as a jar, and whether they are a given jar's). Stateless.
 * <p>
 * Concurrent Semantics: thread safe (no state).
 */
final class Bundles {
    private Bundles() {
    }

    static boolean isFragment(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        return rev != null && (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    static boolean isLazy(Bundle b) {
        Object policy = b.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return policy != null && String.valueOf(policy).trim().startsWith(Constants.ACTIVATION_LAZY);
    }

    static boolean isSingleton(Bundle b) {
        BundleRevision rev = b.adapt(BundleRevision.class);
        if (rev == null) {
            return false;
        }
        return rev.getDeclaredCapabilities(IdentityNamespace.IDENTITY_NAMESPACE).stream()
                .anyMatch(c -> "true".equals(c.getDirectives().get(IdentityNamespace.CAPABILITY_SINGLETON_DIRECTIVE)));
    }

    /** @return whether the bundle is active, or starting (a lazy bundle waiting for its first class load included) */
    static boolean isRunning(Bundle b) {
        return b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING;
    }

    /**
     * @return whether the bundle's start level is reached: a bundle above the framework's active start level is meant
     *         to run (persistently started) but the framework does not start it yet
     */
    static boolean startLevelMet(BundleContext context, Bundle b) {
        try {
            BundleStartLevel level = b.adapt(BundleStartLevel.class);
            Bundle system = context.getBundle(0);
            FrameworkStartLevel framework = system == null ? null : system.adapt(FrameworkStartLevel.class);
            return level == null || framework == null || level.getStartLevel() <= framework.getStartLevel();
        } catch (IllegalArgumentException | IllegalStateException e) { // uninstalled meanwhile
            return false;
        }
    }

    /** @return whether the framework means the bundle to run (its persistent autostart setting), whatever its state now */
    static boolean persistentlyStarted(Bundle b) {
        try {
            BundleStartLevel level = b.adapt(BundleStartLevel.class);
            return level != null && level.isPersistentlyStarted();
        } catch (IllegalArgumentException | IllegalStateException e) { // uninstalled meanwhile
            return false;
        }
    }

    /** @return the bundle location of a file: its normalized URI, as FileInstall makes it */
    static String location(Path file) {
        return file.toFile().toURI().normalize().toString(); // file:/dir/NAME.jar, exactly FileInstall's form
    }

    /**
     * @return the paths of the bundle's own entries (not those of attached fragments), files only, sorted; read with
     *         {@code getEntryPaths}, which never resolves the bundle
     */
    static List<String> entryPaths(Bundle bundle) {
        List<String> files = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        dirs.add("/");
        while (!dirs.isEmpty()) {
            Enumeration<String> paths = bundle.getEntryPaths(dirs.remove(dirs.size() - 1));
            while (paths != null && paths.hasMoreElements()) {
                String p = paths.nextElement();
                if (p.endsWith("/")) {
                    dirs.add(p);
                } else {
                    files.add(p.startsWith("/") ? p.substring(1) : p);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /**
     * @return whether the bundle's own entries hold the content of the jar: every file entry of the jar is an entry of
     *         the bundle with the same bytes (read with {@code getEntry}, which never resolves the bundle). Recovery
     *         compares a bundle with the staged and the kept bytes this way to know which of them it runs after a crash.
     */
    static boolean holdsContentOf(Bundle bundle, Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (e.isDirectory()) {
                    continue;
                }
                URL url = bundle.getEntry(e.getName());
                if (url == null) {
                    return false;
                }
                try (InputStream a = zip.getInputStream(e); InputStream b = url.openStream()) {
                    if (!Arrays.equals(a.readAllBytes(), b.readAllBytes())) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /**
     * Writes the bytes of an installed revision into a jar, manifest first: the "previous bytes" of a bundle that was
     * installed before Revisor kept them (by plain FileInstall, or before an upgrade). Only the bundle's own entries:
     * an attached fragment's are not its bytes.
     */
    static void snapshot(Bundle bundle, Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".snapshot");
        try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jar = new JarOutputStream(out)) {
            List<String> names = entryPaths(bundle);
            names.sort((a, b) -> a.equals(JarInspector.MANIFEST) ? -1 : b.equals(JarInspector.MANIFEST) ? 1 : a.compareTo(b));
            for (String name : names) {
                URL url = bundle.getEntry(name);
                if (url == null) {
                    continue;
                }
                jar.putNextEntry(new ZipEntry(name));
                try (InputStream in = url.openStream()) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
}
