#!/usr/bin/env bash
# Evidence for docs/benchmarks.md (audit overhead): system calls made by Revisor during N install/start/stop/uninstall
# cycles with the audit on, then the same with the audit bundle stopped. Needs strace, and a previous harness run
# (bench/run audit) for the bench copy of the distribution (bench/target/work/dist, with the probe) and the cycle jar.
# Usage: bench/scripts/audit-syscalls.sh [N]     (default 500). strace slows the process: compare counts, not times.
# DIST=DIR and JAR=FILE use another bench copy (e.g. of an older commit, to compare two builds); ONLY=on skips "off".
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-500}"
dist="${DIST:-$PWD/bench/target/work/dist}"
jar="${JAR:-$(ls "$PWD"/bench/target/work/homes/*audit-jars/cycle.jar | head -1)}"
one() { # $1 = on|off
  local home; home="$(mktemp -d /tmp/revisor-syscalls.XXXXXX)"
  mkdir -p "$home/etc" "$home/bench/tasks"
  cp "$dist"/etc/*.properties "$home/etc/"
  sed -i 's/^revisor.console.*/revisor.console = off/; s/^revisor.features *=.*/revisor.features = revisor-core bench-probe/' "$home/etc/revisor.properties"
  REVISOR_OPTS="-Xms16m -Xmx512m -XX:+UseSerialGC -Drevisor.bench.dir=$home/bench" "$dist/bin/revisor" --home "$home" run >"$home/run.log" 2>&1 &
  until grep -q READY "$home/bench/events.log" 2>/dev/null; do sleep 0.1; done
  task() { echo "$2" >"$home/bench/tasks/$1.tmp"; mv "$home/bench/tasks/$1.tmp" "$home/bench/tasks/$1.task"
    until [ -f "$home/bench/tasks/$1.result" ]; do sleep 0.1; done; }
  task warm "cycles $jar 200 2 dev.revisor.audit"
  [ "$1" = off ] && { task off "gogo 1 stop dev.revisor.audit"; sleep 1; }
  local pid; pid="$(cat "$home/data/revisor.pid")"
  strace -f -c -o "$home/strace.txt" -p "$pid" 2>/dev/null & local sp=$!
  sleep 1
  task cycles "cycles $jar $n 1 -"
  kill -INT "$sp"; wait "$sp" 2>/dev/null || true
  "$dist/bin/revisor" --home "$home" stop >/dev/null
  echo "audit $1: $n cycles; $(awk '$NF=="futex"||$NF=="write"||$NF=="fdatasync"||$NF=="fsync"||$NF=="total"{printf "%s %s calls, ", $NF, $4}' "$home/strace.txt")"
  rm -rf "$home"
}
one on
[ "${ONLY:-}" = on ] || one off
