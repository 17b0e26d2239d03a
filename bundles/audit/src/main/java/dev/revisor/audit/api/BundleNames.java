package dev.revisor.audit.api;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;

/**
 * Finds the one bundle a person or a script names: by id ({@code 12}), by symbolic name
 * ({@code org.example.utils}) or by symbolic name and version ({@code org.example.utils/2.0.0}, or with a colon).
 * A name that matches no bundle, or several, is an {@link IllegalArgumentException} whose message says which
 * bundles exist and how to name one of them.
 */
public final class BundleNames {

    private BundleNames() {
    }

    /**
     * @param context a bundle context
     * @param name    an id, a symbolic name, or {@code symbolicName/version}
     * @return the one bundle so named
     * @throws IllegalArgumentException when the name is empty, malformed, or matches none or several bundles
     */
    public static Bundle find(BundleContext context, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a bundle name is needed: an id, a symbolic name, or symbolicName/version");
        }
        String spec = name.trim();
        Bundle[] all = context.getBundles();
        if (spec.chars().allMatch(Character::isDigit)) {
            long id;
            try {
                id = Long.parseLong(spec);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bundle id '" + spec + "' is out of range");
            }
            Bundle bundle = context.getBundle(id);
            if (bundle == null) {
                throw new IllegalArgumentException("no bundle has id " + id + " (ids in use: " + idRange(all) + ")");
            }
            return bundle;
        }
        String symbolicName = spec;
        Version version = null;
        int sep = Math.max(spec.lastIndexOf('/'), spec.lastIndexOf(':'));
        if (sep > 0) {
            symbolicName = spec.substring(0, sep);
            String v = spec.substring(sep + 1);
            try {
                version = Version.parseVersion(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + v + "' in bundle name '" + spec + "' is not a version (" + e.getMessage() + ")");
            }
        }
        List<Bundle> named = new ArrayList<>();
        for (Bundle b : all) {
            if (symbolicName.equals(b.getSymbolicName())) {
                named.add(b);
            }
        }
        if (named.isEmpty()) {
            List<String> similar = new ArrayList<>();
            String lower = symbolicName.toLowerCase();
            for (Bundle b : all) {
                String bsn = b.getSymbolicName();
                if (bsn != null && (bsn.toLowerCase().contains(lower) || lower.contains(bsn.toLowerCase()))) {
                    similar.add(describe(b));
                }
            }
            throw new IllegalArgumentException("no bundle is named '" + symbolicName + "'"
                    + (similar.isEmpty() ? "" : "; similar names: " + String.join(", ", similar)));
        }
        if (version != null) {
            Version wanted = version;
            List<Bundle> exact = named.stream().filter(b -> b.getVersion().equals(wanted)).collect(Collectors.toList());
            if (exact.isEmpty()) {
                throw new IllegalArgumentException("no bundle '" + symbolicName + "' has version " + wanted
                        + "; installed: " + named.stream().map(BundleNames::describe).collect(Collectors.joining(", ")));
            }
            named = exact;
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException("'" + spec + "' matches " + named.size() + " bundles: "
                    + named.stream().map(BundleNames::describe).collect(Collectors.joining(", "))
                    + "; name one by id or as symbolicName/version");
        }
        return named.get(0);
    }

    private static String describe(Bundle b) {
        return b.getBundleId() + " " + b.getSymbolicName() + "/" + b.getVersion();
    }

    private static String idRange(Bundle[] all) {
        if (all.length == 0) {
            return "none";
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Bundle b : all) {
            min = Math.min(min, b.getBundleId());
            max = Math.max(max, b.getBundleId());
        }
        return min + ".." + max;
    }
}
