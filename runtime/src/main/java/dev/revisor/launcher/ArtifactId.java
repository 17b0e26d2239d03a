package dev.revisor.launcher;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A Maven artifact as a feature names it (OSGi Feature, 159.2.1): {@code groupId:artifactId[:type[:classifier]]:version},
 * type {@code jar} by default.
 * <p>
 * {@code equals} and {@code hashCode} are written out: a record's generated ones are {@code invokedynamic} call sites
 * whose first use bootstraps {@code java.lang.runtime.ObjectMethods} and spins method-handle classes, tens of
 * milliseconds of every start (the launcher compares ids while it reads the features).
 */
record ArtifactId(String groupId, String artifactId, String version, String type, String classifier) {

    /** Parses an id; the message of the exception says what is wrong with it. */
    static ArtifactId parse(String id) {
        String[] parts = id.split(":", -1);
        if (parts.length < 3 || parts.length > 5) {
            throw new IllegalArgumentException("'" + id
                    + "' is not a Maven id groupId:artifactId[:type[:classifier]]:version");
        }
        for (String part : parts) {
            if (part.isBlank() || !part.equals(part.trim()) || part.contains("/") || part.contains("\\")
                    || part.equals("..")) {
                throw new IllegalArgumentException("'" + id + "' has an empty or invalid part");
            }
        }
        String type = parts.length >= 4 ? parts[2] : "jar";
        String classifier = parts.length == 5 ? parts[3] : null;
        return new ArtifactId(parts[0], parts[1], parts[parts.length - 1], type, classifier);
    }

    /** The file of this artifact in a Maven-layout repository. */
    Path pathIn(Path repository) {
        Path dir = repository;
        for (String segment : groupId.split("\\.")) {
            dir = dir.resolve(segment);
        }
        String file = artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        return dir.resolve(artifactId).resolve(version).resolve(file);
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof ArtifactId)) {
            return false;
        }
        ArtifactId that = (ArtifactId) other;
        return groupId.equals(that.groupId) && artifactId.equals(that.artifactId) && version.equals(that.version)
                && type.equals(that.type) && Objects.equals(classifier, that.classifier);
    }

    @Override
    public int hashCode() {
        int hash = groupId.hashCode();
        hash = 31 * hash + artifactId.hashCode();
        hash = 31 * hash + version.hashCode();
        hash = 31 * hash + type.hashCode();
        return 31 * hash + Objects.hashCode(classifier);
    }

    @Override
    public String toString() {
        StringBuilder id = new StringBuilder(groupId).append(':').append(artifactId);
        if (!type.equals("jar") || classifier != null) {
            id.append(':').append(type);
            if (classifier != null) {
                id.append(':').append(classifier);
            }
        }
        return id.append(':').append(version).toString();
    }
}
