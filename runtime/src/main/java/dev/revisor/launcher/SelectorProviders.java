package dev.revisor.launcher;

/**
 * Names the JDK's own {@link java.nio.channels.spi.SelectorProvider} on Linux before the first channel is opened.
 * Unnamed, the JDK looks for one with a {@link java.util.ServiceLoader} scan of the class path, which opens every jar
 * on it (the launcher jar's manifest adds the framework and Gson): about 10 ms of CPU in the client's run of
 * {@code exec} (docs/benchmarks.md, "Start-up: the third pass"), for the provider the JDK would choose anyway.
 * Elsewhere, or when the property is set already, nothing changes.
 */
final class SelectorProviders {
    static final String PROPERTY = "java.nio.channels.spi.SelectorProvider";
    /** The JDK's default provider on Linux (OpenJDK and its builds). */
    static final String LINUX_DEFAULT = "sun.nio.ch.EPollSelectorProvider";

    private SelectorProviders() {
    }

    /** Before the first channel of this JVM; later calls change nothing the JDK has not chosen already. */
    static void preferTheDefault() {
        if (System.getProperty(PROPERTY) != null || !"Linux".equals(System.getProperty("os.name"))) {
            return;
        }
        try {
            Class.forName(LINUX_DEFAULT, false, null); // the JDK's class: loaded later in any case, not initialised here
            System.setProperty(PROPERTY, LINUX_DEFAULT);
        } catch (ClassNotFoundException | LinkageError e) {
            // another JDK: let it choose
        }
    }
}
