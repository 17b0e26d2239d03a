package dev.revisor.deploy.api;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * What a change of one PID would do to the DS components that take it ({@code audit:plan --config}).
 *
 * @since 1.2
 */
public class ConfigPlanDTO extends DTO {
    /** The PID asked about. */
    public String pid;
    /** Whether a configuration with this PID exists now. */
    public boolean exists;
    /** Whether a Metatype description checks its values. */
    public boolean described;
    /** One entry per component that takes the PID. */
    public List<Entry> components;

    /** One component and what a change would do to it. */
    public static class Entry extends DTO {
        /** The component name. */
        public String component;
        /** Its bundle, {@code symbolicName/version [id]}. */
        public String bundle;
        /** Its state now: {@code ACTIVE}, {@code SATISFIED}, {@code UNSATISFIED_CONFIGURATION}, ... */
        public String state;
        /** On a change: {@code modified}, {@code reactivated}, {@code activated}, {@code none}. */
        public String onChange;
        /** On a deletion: {@code modified}, {@code reactivated}, {@code deactivated}, {@code none}. */
        public String onDelete;
        /** Why, in plain words. */
        public String why;
    }
}
