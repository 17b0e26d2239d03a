package dev.revisor.deploy.api;

import java.util.List;
import java.util.Map;

import org.osgi.dto.DTO;

/**
 * A configuration in force, as {@code audit:config} shows it.
 *
 * @since 1.2
 */
public class ConfigEntryDTO extends DTO {
    /** The PID ({@code factoryPid~name} for a factory configuration). */
    public String pid;
    /** The factory PID, or {@code null}. */
    public String factoryPid;
    /** Where its values came from: {@code deploy/NAME.cfg}, {@code etc/NAME.cfg}, {@code shell}, or {@code other}. */
    public String source;
    /** The values, secret-looking keys masked as {@code ********}; Configuration Admin's own keys left out. */
    public Map<String, Object> values;
    /** The DS components that take this PID: {@code name [bundle id] STATE}. */
    public List<String> components;
}
