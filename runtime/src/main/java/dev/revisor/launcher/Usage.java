package dev.revisor.launcher;

import java.io.PrintStream;

/** The text of {@code bin/revisor --help}, and the one line printed after a bad command line. */
final class Usage {
    static final String SHORT = "usage: revisor [--home DIR] [run | start | stop | restart | status | exec 'COMMAND'"
            + " | log [-f] [-n N] | version | help]";

    private Usage() {
    }

    /** After a usage error: one line and where to find the rest. */
    static void printShort(PrintStream err) {
        err.println(SHORT);
        err.println("('revisor --help' explains every command and option)");
        err.flush();
    }

    static void print(PrintStream out) {
        out.print(""
                + "Usage: revisor [--home DIR] [run]\n"
                + "       revisor [--home DIR] start | restart [--timeout SECONDS]\n"
                + "       revisor [--home DIR] stop [--timeout SECONDS]\n"
                + "       revisor [--home DIR] status [--timeout SECONDS] [--wait SECONDS]\n"
                + "       revisor [--home DIR] exec [--timeout SECONDS] [--wait SECONDS] [--] 'COMMAND LINE'\n"
                + "       revisor [--home DIR] exec [--timeout SECONDS] [--wait SECONDS] [--keep-going] - | --file FILE\n"
                + "       revisor [--home DIR] log [-f] [-n LINES]\n"
                + "       revisor [--home DIR] fleet rollout | status | resume | abort ...\n"
                + "       revisor version | --version\n"
                + "       revisor help | -h | --help\n"
                + "\n"
                + "Commands:\n"
                + "  run      (the default) Start Revisor in the foreground. With a terminal on standard input and\n"
                + "           output, an interactive Gogo console (leave it with 'exit 0'); otherwise, or when started\n"
                + "           in the background of a terminal (revisor &), headless: standard input is never read,\n"
                + "           commands come through 'exec'. SIGTERM (and SIGINT when headless) stops it cleanly.\n"
                + "  start    Run the instance in the background, detached from the terminal, its output appended\n"
                + "           to data/log/console.out; return once it is ready (it answers 'exec'). Already\n"
                + "           running: says so, exit 0. --timeout: how long to wait for it (default 120).\n"
                + "  stop     Stop the running instance (SIGTERM) and wait until it has exited. None running:\n"
                + "           says so, exit 0. --timeout: how long to wait (default 60).\n"
                + "  restart  stop, then start.\n"
                + "  status   Print state, pid, home, uptime, version, features and the feature bundles' health.\n"
                + "           --timeout: how long to wait for the answer (default 10); --wait SECONDS: first wait\n"
                + "           until a starting instance is ready (for systemd's ExecStartPost).\n"
                + "  exec     Run one Gogo command line in the running instance through its control socket,\n"
                + "           e.g. revisor exec 'lb'. Its output goes to standard output, its errors to standard\n"
                + "           error. Quote the command line; several words are joined with single spaces.\n"
                + "           --timeout: how long to wait to connect and for each part of the answer; 0: no\n"
                + "           limit. Default: $REVISOR_EXEC_TIMEOUT, else 60. --wait SECONDS: first wait up to\n"
                + "           that long until an instance that is starting (or about to be) is ready, as 'start'\n"
                + "           means it, e.g. right after 'revisor run &'; without it, no instance: exit 2 at once.\n"
                + "           exec - (standard input) and exec --file FILE run many command lines, one per\n"
                + "           line, over one connection ('#' comments and blank lines are skipped); they stop\n"
                + "           at the first line that fails and exit with its status; --keep-going runs every\n"
                + "           line and exits with the status of the first that failed.\n"
                + "  log      Print the last LINES (-n, default 20) of data/log/revisor.log (else console.out);\n"
                + "           -f: keep printing what is appended, across rotations, until Ctrl-C.\n"
                + "  fleet    Fleet mode (feature revisor-fleet, docs/fleet.md): short for exec 'fleet:...'.\n"
                + "           fleet rollout [--canary N] [--waves 25,50,100] [--hold 30s] FILE.jar;\n"
                + "           fleet status [--json]; fleet resume PLUGIN; fleet abort PLUGIN.\n"
                + "  version  Print Revisor's version.\n"
                + "  help     Print this text.\n"
                + "\n"
                + "Options:\n"
                + "  --home DIR         The instance's home: etc/, deploy/ and data/ live there. Default:\n"
                + "                     $REVISOR_HOME, else the distribution directory. etc/ files missing from\n"
                + "                     DIR are copied from the distribution on the first run.\n"
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
                + "  data/                   bundle cache, revisor.lock, revisor.pid, instance.properties,\n"
                + "                          run/control.sock, log/\n"
                + "\n"
                + "Exit status:\n"
                + "  0   success; run: the framework stopped cleanly; start: ready (or already running);\n"
                + "      stop: stopped (or none was running); status: running and answering\n"
                + "  1   run: a startup failure (bad etc/ value, bad or missing feature, home in use);\n"
                + "      start: the instance could not start or did not become ready in time (the reason\n"
                + "      follows); exec: the command failed or was refused; stop: the instance did not exit\n"
                + "      in time; status: not running, but a stale pid file says it was killed\n"
                + "  2   exec: no instance runs in the home\n"
                + "  3   status: not running\n"
                + "  4   status: unknown (starting, not answering, permission denied, lock holder not named)\n"
                + "  64  bad command line (unknown option or command)\n"
                + "  66  exec - / exec --file: the command lines cannot be read (no such file, not UTF-8, ...)\n"
                + "  77  exec: permission denied (this user may not reach the control socket, or the instance\n"
                + "      refuses this user)\n"
                + "  124 exec: timed out (the instance does not answer, or the command ran past its limit)\n"
                + "\n"
                + "More: docs/running.md\n");
        out.flush();
    }
}
