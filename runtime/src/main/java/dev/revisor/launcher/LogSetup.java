package dev.revisor.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Points Logback, which runs inside the framework as a bundle, at {@code etc/logback.xml} and tells it where the home
 * is. Logback reads JVM system properties, not framework properties, so this sets {@code logback.configurationFile}
 * (unless the user gave one with {@code -D}) and {@code revisor.home} / {@code revisor.data}, before the framework
 * starts. It also refuses a {@code logback.xml} that is not well-formed XML, naming the file and line: Logback itself
 * would only say so on standard output and write no log at all. Runs on the launcher's main thread; stateless.
 */
final class LogSetup {
    static final String LOGBACK_XML = "logback.xml";
    /** The JVM system property Logback reads its configuration file from (a path or a URL). */
    static final String CONFIGURATION_FILE = "logback.configurationFile";

    private LogSetup() {
    }

    /**
     * Sets the system properties Logback reads.
     *
     * @return the configuration file Logback will read, or {@code null} when there is none (Logback then logs to
     *         standard output only)
     */
    static Path apply(Layout layout, Properties system) throws ConfigException {
        return apply(layout, system, LogSetup::checkWellFormed);
    }

    /** How {@link #apply} checks the file it will hand to Logback: {@link #checkWellFormed}, or its outcome. */
    interface WellFormedCheck {
        void check(Path file) throws ConfigException;
    }

    /** {@link #apply(Layout, Properties)} with the check done by {@code check} (the launcher's {@link EarlyWork}). */
    static Path apply(Layout layout, Properties system, WellFormedCheck check) throws ConfigException {
        system.setProperty(Layout.PROP_HOME, layout.home.toString());
        system.setProperty(Layout.PROP_DATA, layout.data().toString());
        String given = system.getProperty(CONFIGURATION_FILE);
        if (given != null && !given.isBlank()) {
            return given.contains(":/") ? null : Path.of(given);
        }
        Path file = BootPlan.etcFile(layout, LOGBACK_XML);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        check.check(file);
        system.setProperty(CONFIGURATION_FILE, file.toString());
        return file;
    }

    /**
     * The file {@link #apply} will check, found the same way but without setting anything: etc/logback.xml when no
     * {@code logback.configurationFile} is given and the file exists; else null.
     */
    static Path fileToCheck(Layout layout, Properties system) {
        String given = system.getProperty(CONFIGURATION_FILE);
        if (given != null && !given.isBlank()) {
            return null;
        }
        Path file = BootPlan.etcFile(layout, LOGBACK_XML);
        return Files.isRegularFile(file) ? file : null;
    }

    /** Parses the file without acting on it (no DTDs, no external entities). */
    static void checkWellFormed(Path file) throws ConfigException {
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.newSAXParser().parse(file.toFile(), new DefaultHandler());
        } catch (SAXParseException e) {
            throw new ConfigException(file + ": line " + e.getLineNumber() + ": not well-formed XML: " + e.getMessage()
                    + " (Logback reads this file for the log, data/log/revisor.log; docs/running.md)", e);
        } catch (SAXException | ParserConfigurationException e) {
            throw new ConfigException(file + ": cannot read it as XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read it: " + e.getMessage(), e);
        }
    }
}
