package dev.revisor.deploy.internal.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;


/**
 * Reads one configuration file: its PID from the name (FileInstall's rules: {@code pid.cfg}, {@code factoryPid~name.cfg},
 * {@code factoryPid-name.cfg}) and its values from the content: {@code .cfg} as Java properties (strings, with
 * {@code ${name}} replaced by a framework property, a system property or {@code ${env:NAME}}), {@code .config} in
 * Felix Configuration Admin's typed format ({@code key=I"8080"}, {@code list=["a","b"]}). Stateless.
 */
public final class ConfigFile {
    /** The PID of a file name: {@code pid} for a factory configuration is {@code factoryPid~name}. */
    public record Pid(String pid, String factoryPid, String name) {
    }

    /** The file could not be read as a configuration; the message names the problem. */
    public static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super(message);
        }
    }

    private ConfigFile() {
    }

    /** @return whether FileInstall would offer the file as a configuration ({@code .cfg}, {@code .config}) */
    public static boolean isConfiguration(String name) {
        return name.endsWith(".cfg") || name.endsWith(".config");
    }

    /**
     * @param fileName {@code NAME.cfg} or {@code NAME.config}
     * @return its PID
     * @throws ParseException when the name gives no PID
     */
    public static Pid pid(String fileName) throws ParseException {
        String base = fileName.endsWith(".cfg") ? fileName.substring(0, fileName.length() - 4)
                : fileName.endsWith(".config") ? fileName.substring(0, fileName.length() - 7) : null;
        if (base == null || base.isEmpty() || base.startsWith(".")) {
            throw new ParseException("the file name gives no PID: name a configuration PID.cfg, PID.config,"
                    + " FACTORYPID~NAME.cfg or FACTORYPID-NAME.cfg");
        }
        int tilde = base.indexOf('~');
        int dash = base.indexOf('-');
        int split = tilde > 0 ? tilde : dash > 0 ? dash : -1;
        if (split < 0) {
            return new Pid(base, null, null);
        }
        String factory = base.substring(0, split);
        String name = base.substring(split + 1);
        if (name.isEmpty()) {
            throw new ParseException("the file name '" + fileName + "' has a factory PID but no name after '"
                    + base.charAt(split) + "'");
        }
        return new Pid(factory + "~" + name, factory, name);
    }

    /**
     * @param pid a PID as a user types it: {@code pid}, or {@code factoryPid~name}
     * @return it parsed
     */
    public static Pid parsePid(String pid) {
        if (pid == null || pid.isBlank() || pid.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + pid + "' is not a PID: a PID has no blanks, e.g. org.example.server or"
                    + " org.example.pool~main");
        }
        int tilde = pid.indexOf('~');
        if (tilde < 0) {
            return new Pid(pid, null, null);
        }
        if (tilde == 0 || tilde == pid.length() - 1) {
            throw new IllegalArgumentException("'" + pid + "' is not a factory configuration PID: FACTORYPID~NAME");
        }
        return new Pid(pid, pid.substring(0, tilde), pid.substring(tilde + 1));
    }

    /**
     * @param bytes    the file's content
     * @param fileName its name ({@code .cfg} or {@code .config})
     * @param encoding the encoding of {@code .cfg} files
     * @param lookup   {@code ${name}} to its value, or {@code null} when unknown
     * @return key to value, in file order
     */
    public static Map<String, Object> values(byte[] bytes, String fileName, Charset encoding, UnaryOperator<String> lookup)
            throws ParseException {
        if (fileName.endsWith(".config")) {
            return typed(bytes);
        }
        Properties p = new Properties();
        try {
            if (bytes.length > 0 && bytes[0] == '<') {
                p.loadFromXML(new ByteArrayInputStream(bytes));
            } else {
                try (Reader r = new InputStreamReader(new ByteArrayInputStream(bytes), encoding)) {
                    p.load(r);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ParseException("not a properties file: " + e.getMessage());
        }
        Map<String, Object> values = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            values.put(key, substitute(p.getProperty(key), key, lookup));
        }
        return values;
    }

    private static Map<String, Object> typed(byte[] bytes) throws ParseException {
        return TypedFormat.read(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Replaces {@code ${name}}; an unknown name is an error naming the key. */
    static String substitute(String value, String key, UnaryOperator<String> lookup) throws ParseException {
        if (value.indexOf("${") < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                out.append(value, i, value.length());
                break;
            }
            int end = value.indexOf('}', start);
            if (end < 0) {
                throw new ParseException("key '" + key + "': '${' without '}' in '" + value + "'");
            }
            out.append(value, i, start);
            String name = value.substring(start + 2, end);
            String v = lookup.apply(name);
            if (v == null) {
                throw new ParseException("key '" + key + "': ${" + name + "} is neither a framework property, a system"
                        + " property nor (as ${env:NAME}) an environment variable");
            }
            out.append(v);
            i = end + 1;
        }
        return out.toString();
    }

    /** @return the file's bytes and their SHA-256 */
    static byte[] read(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether a key's name looks secret: its value is masked in the journal and the shell */
    public static boolean secret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("key")
                || k.contains("credential");
    }
}
