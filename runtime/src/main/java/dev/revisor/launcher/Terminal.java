package dev.revisor.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process may read its terminal: it must be in the terminal's foreground process group, else the
 * first read stops it (SIGTTIN), as {@code bin/revisor &} from an interactive shell would. Linux: fields 5 (pgrp)
 * and 8 (tpgid) of {@code /proc/self/stat}; elsewhere, or when that cannot be read, the answer is "yes".
 */
final class Terminal {
    private Terminal() {
    }

    static boolean inForeground() {
        try {
            return inForeground(new String(Files.readAllBytes(Path.of("/proc/self/stat")), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * @param stat a {@code /proc/PID/stat} line: {@code pid (comm) state ppid pgrp session tty_nr tpgid ...}; comm
     *     may hold blanks and parentheses, so fields are counted after its last ')'
     */
    static boolean inForeground(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        // fields[0] state, [1] ppid, [2] pgrp, [3] session, [4] tty_nr, [5] tpgid
        long pgrp = Long.parseLong(fields[2]);
        long tpgid = Long.parseLong(fields[5]);
        return tpgid <= 0 || tpgid == pgrp;
    }
}
