package dev.revisor.launcher;

import java.io.PrintStream;

/** The text of {@code bin/revisor --help}. */
final class Usage {
    private Usage() {
    }

    static void print(PrintStream out) {
        out.print(""
                + "Usage: revisor [--home DIR] [run]\n"
                + "       revisor [--home DIR] exec [--timeout SECONDS] [--] 'COMMAND LINE'\n"
                + "       revisor [--home DIR] stop [--timeout SECONDS]\n"
                + "       revisor help | -h | --help\n"
                + "\n"
                + "Commands:\n"
                + "  run      (the default) Start Revisor in the foreground. With a terminal on standard input and\n"
                + "           output, an interactive Gogo console (leave it with 'exit 0'); otherwise headless:\n"
                + "           standard input is never read, commands come through 'exec'. SIGTERM (and SIGINT when\n"
                + "           headless) stops the framework cleanly.\n"
                + "  exec     Run one Gogo command line in the running instance through its control socket,\n"
                + "           e.g. revisor exec 'lb'. Its output goes to standard output, its errors to standard\n"
                + "           error. Quote the command line; several words are joined with single spaces.\n"
                + "  stop     Stop the running instance (SIGTERM) and wait until it has exited.\n"
                + "  help     Print this text.\n"
                + "\n"
                + "Options:\n"
                + "  --home DIR         The instance's home: etc/, deploy/ and data/ live there. Default:\n"
                + "                     $REVISOR_HOME, else the distribution directory. etc/ files missing from\n"
                + "                     DIR are copied from the distribution on the first run.\n"
                + "  --timeout SECONDS  (stop) How long to wait for the instance to exit. Default: 60.\n"
                + "                     (exec) How long to wait to connect and for each part of the answer;\n"
                + "                     0: no limit. Default: $REVISOR_EXEC_TIMEOUT, else 60.\n"
                + "\n"
                + "Environment:\n"
                + "  REVISOR_HOME   The home, when --home is not given.\n"
                + "  REVISOR_OPTS   JVM options for 'run' (default: -Xms16m -Xmx512m -XX:+UseSerialGC), after\n"
                + "                 the --add-opens options the leak checks need, which are always given.\n"
                + "                 -Dkey=value there overrides the same key of etc/config.properties or\n"
                + "                 etc/revisor.properties.\n"
                + "  REVISOR_EXEC_TIMEOUT  exec's --timeout when it is not given (seconds; 0: no limit).\n"
                + "  JAVA_HOME      The Java 17+ installation to use; else 'java' on the PATH.\n"
                + "\n"
                + "Files (in the home):\n"
                + "  etc/revisor.properties  which features boot (revisor.features, revisor.features.console)\n"
                + "  etc/config.properties   framework properties (bundle cache, FileInstall, ...)\n"
                + "  deploy/                 drop bundle jars here to install, update or (by deleting) uninstall\n"
                + "  data/                   bundle cache, revisor.lock, revisor.pid, run/control.sock\n"
                + "\n"
                + "Exit status:\n"
                + "  0   success; for run: the framework stopped cleanly\n"
                + "  1   run: a startup failure (bad etc/ value, bad or missing feature, home in use);\n"
                + "      exec: the command failed or was refused; stop: the instance did not exit in time\n"
                + "  2   exec, stop: no instance runs in the home\n"
                + "  77  exec: permission denied (this user may not reach the control socket, or the instance\n"
                + "      refuses this user)\n"
                + "  124 exec: timed out (the instance does not answer, or the command ran past its limit)\n"
                + "  64  bad command line (unknown option or command)\n"
                + "\n"
                + "More: docs/running.md\n");
        out.flush();
    }
}
