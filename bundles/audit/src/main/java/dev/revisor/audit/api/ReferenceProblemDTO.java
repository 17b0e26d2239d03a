package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/**
 * A component reference that is not satisfied.
 */
public class ReferenceProblemDTO extends DTO {
    /** The reference name. */
    public String name;
    /** The service interface it needs. */
    public String interfaceName;
    /** Its target filter, or {@code null}. */
    public String target;
    /** Its cardinality, e.g. {@code 1..1}. */
    public String cardinality;
    /** How many services of the interface are registered (in any class space). */
    public int registered;
    /** How many of those match the target filter. */
    public int matchingTarget;
    /** In plain words. */
    public String reason;
}
