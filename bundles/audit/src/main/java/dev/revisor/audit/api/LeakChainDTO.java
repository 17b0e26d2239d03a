package dev.revisor.audit.api;

import java.util.List;

import org.osgi.dto.DTO;

/** The explanation of a zombie revision: the shortest strong reference chain from a GC root to its class loader. */
public class LeakChainDTO extends DTO {
    /**
     * {@code found}; {@code no-strong-path} (only weak, soft or phantom references hold it: it will go);
     * {@code collected} (it went before the heap dump); {@code timeout}; {@code failed}; {@code unavailable}
     * (no analyzer installed).
     */
    public String status;
    /** The GC root, e.g. {@code thread 'leaky-thread-poller'} or {@code system class}. */
    public String root;
    /** The hops from the root object to the class loader, in order. */
    public List<ChainHopDTO> hops;
    /** The whole chain on one line, for people. */
    public String text;
    /** Why there is no chain, in plain words, when there is none. */
    public String message;
    /** The heap dump, when it was kept; otherwise {@code null} (it is deleted after the analysis). */
    public String dumpFile;
    /** How long the dump and its analysis took, in milliseconds. */
    public long millis;
}
