package dev.revisor.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the launcher uses of one OSGi Feature descriptor (Compendium ch.159).
 *
 * @param file the descriptor, for messages
 * @param id its Maven id
 * @param bundles its bundles in the order of the file
 * @param configurations PID (or {@code factoryPid~name}) to properties, in the order of the file
 */
record Feature(Path file, ArtifactId id, String name, List<Bundle> bundles,
        Map<String, Map<String, Object>> configurations) {

    /** One entry of "bundles". */
    record Bundle(ArtifactId id, int startOrder) {
    }
}
