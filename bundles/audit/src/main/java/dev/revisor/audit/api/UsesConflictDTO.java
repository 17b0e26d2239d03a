package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One package that a bundle would see from two exporters at once: through its own imports and through the
 * {@code uses} directives of packages it imports. The resolver refuses such a class space, because a class of that
 * package passed between the two would fail at run time (a {@code LinkageError} or {@code ClassCastException}).
 */
public class UsesConflictDTO extends DTO {
    /** The package seen twice. */
    public String packageName;
    /** How the bundle reaches the first exporter. */
    public UsesChainDTO first;
    /** How the bundle reaches the second exporter. */
    public UsesChainDTO second;
    /** The conflict in plain words. */
    public String explanation;
    /** Concrete ways out, the least disruptive first. */
    public List<String> fixes;
}
