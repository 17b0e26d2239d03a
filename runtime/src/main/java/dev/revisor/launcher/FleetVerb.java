package dev.revisor.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code revisor [--home DIR] [--timeout S] fleet SUBCOMMAND ARGS...}: a short form of
 * {@code revisor exec 'fleet:SUBCOMMAND ARGS...'}, the fleet bundle's Gogo commands (docs/fleet.md). The only thing it
 * adds is that the jar of {@code fleet rollout} may be given relative to the caller's directory: the running instance
 * gets it as an absolute path. The launcher knows no fleet code: the instance answers, or says fleet mode is off.
 */
final class FleetVerb {
    static final String WORD = "fleet";
    static final Set<String> SUBCOMMANDS = Set.of("rollout", "status", "resume", "abort");
    /** Options of {@code fleet rollout} that take a value. */
    private static final Set<String> VALUED = Set.of("-c", "--canary", "-w", "--waves", "-h", "--hold", "-t",
            "--wave-timeout");

    private FleetVerb() {
    }

    /**
     * @return {@code args} rewritten as an {@code exec} command line when they name the {@code fleet} verb, else
     *         {@code args} itself
     * @throws UsageException when the subcommand is missing or unknown
     */
    static String[] rewrite(String[] args, Path cwd) throws UsageException {
        int i = 0;
        List<String> launcherOptions = new ArrayList<>();
        while (i < args.length && (args[i].equals("--home") || args[i].equals("--timeout"))) {
            launcherOptions.add(args[i]);
            if (i + 1 < args.length) {
                launcherOptions.add(args[i + 1]);
            }
            i += 2;
        }
        while (i < args.length && (args[i].startsWith("--home=") || args[i].startsWith("--timeout="))) {
            launcherOptions.add(args[i++]);
        }
        if (i >= args.length || !args[i].equals(WORD)) {
            return args;
        }
        i++;
        if (i >= args.length || !SUBCOMMANDS.contains(args[i])) {
            throw new UsageException("fleet needs one of rollout, status, resume, abort"
                    + (i < args.length ? ", not '" + args[i] + "'" : "") + " (docs/fleet.md)");
        }
        String sub = args[i++];
        StringBuilder line = new StringBuilder("fleet:").append(sub);
        boolean valueNext = false;
        for (; i < args.length; i++) {
            String word = args[i];
            if (sub.equals("rollout") && !valueNext && !word.startsWith("-")) {
                word = cwd.resolve(word).toAbsolutePath().normalize().toString();
            }
            valueNext = !valueNext && VALUED.contains(word);
            line.append(' ').append(quote(word));
        }
        List<String> rewritten = new ArrayList<>(launcherOptions);
        rewritten.add("exec");
        rewritten.add("--");
        rewritten.add(line.toString());
        return rewritten.toArray(new String[0]);
    }

    /** Quotes a word for Gogo when it holds anything but plain characters. */
    static String quote(String word) {
        if (word.matches("[A-Za-z0-9_./,:=+@%-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
