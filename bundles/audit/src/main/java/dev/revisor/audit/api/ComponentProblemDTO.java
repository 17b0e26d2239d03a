package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * A Declarative Services component of a bundle that provides nothing yet.
 */
public class ComponentProblemDTO extends DTO {
    /** The component name. */
    public String name;
    /** {@code disabled}, {@code unsatisfied-configuration}, {@code unsatisfied-reference} or {@code failed-activation}. */
    public String state;
    /** In plain words. */
    public String reason;
    /** The references that are not satisfied. */
    public List<ReferenceProblemDTO> references;
    /** For {@code failed-activation}: what the runtime reports of the exception. */
    public String failure;
}
