package dev.revisor.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Revisor's version, from {@code version.properties} (filtered by the build) beside this class. */
final class Version {
    private Version() {
    }

    static String get() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String version = p.getProperty("version", "").trim();
                if (!version.isEmpty() && !version.startsWith("$")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        String fromManifest = Version.class.getPackage().getImplementationVersion();
        return fromManifest == null ? "unknown" : fromManifest;
    }
}
