package dev.revisor.audit.api;

import org.osgi.dto.DTO;

/** One reference of a {@link LeakChainDTO}: {@code from} refers to {@code to} through {@code edge}. */
public class ChainHopDTO extends DTO {
    /**
     * {@code field} (an instance field), {@code static} (a static field), {@code array} (an array slot),
     * {@code class} (an object to its class), {@code loader} (a class to its defining class loader),
     * {@code superclass}, {@code protection-domain}.
     */
    public String kind;
    /** The field ({@code Registry.LISTENERS}), the slot ({@code [3]}) or {@code <instance-of>}, {@code <defining-class-loader>}. */
    public String edge;
    /** The referring object: a class name, {@code class X} for a class, with the thread name for threads. */
    public String from;
    /** The referred object. */
    public String to;
    /** The bundle whose class loader defined the referring object's class, or {@code null} (JDK, framework, launcher). */
    public BundleRefDTO bundle;
}
