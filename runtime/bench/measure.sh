#!/usr/bin/env bash
# Measures the assembled distribution (not a test: timings belong in benchmarks):
#   1. time from starting 'bin/revisor run' to the first 'bin/revisor exec lb' that answers (that exec included),
#      with a warm bundle cache (restart) and with an empty one (first run);
#   2. resident memory (VmRSS) of the idle instance, 10 s after it answered;
#   3. round trip of one 'bin/revisor exec lb' (client JVM start + request + answer + exit).
# Usage: runtime/bench/measure.sh [DIST]    (DIST defaults to runtime/target/revisor; RUNS=7, EXECS=20)
set -u
dist="$(cd "${1:-runtime/target/revisor}" && pwd)"
runs="${RUNS:-7}"
execs="${EXECS:-20}"
home="$(mktemp -d /tmp/revisor-bench.XXXXXX)"
revisor() { "$dist/bin/revisor" --home "$home" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
stats() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
  printf "median %s, min %s, max %s (n=%d)\n", m, v[1], v[NR], NR }'; }

one_start() { # $1 = cold|warm; prints "startup_ms rss_kb"
  [ "$1" = cold ] && rm -rf "$home/data"
  local t0 t1 pid
  t0=$(now_ms)
  revisor run </dev/null >"$home/run.log" 2>&1 &
  until [ -S "$home/data/run/control.sock" ]; do sleep 0.005; done
  until revisor exec lb >/dev/null 2>&1; do sleep 0.005; done
  t1=$(now_ms)
  pid=$(cat "$home/data/revisor.pid")
  sleep 10
  echo "$((t1 - t0)) $(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")"
  if [ "$1" = warm ] && [ ! -f "$home/exec.done" ]; then
    for _ in $(seq "$execs"); do
      local a b; a=$(now_ms); revisor exec lb >/dev/null; b=$(now_ms); echo $((b - a)) >>"$home/exec.ms"
    done
    touch "$home/exec.done"
  fi
  revisor stop >/dev/null
  wait
}

revisor run </dev/null >/dev/null 2>&1 & # populate the cache once
until revisor exec lb >/dev/null 2>&1; do sleep 0.05; done
revisor stop >/dev/null; wait
for kind in warm cold; do
  for _ in $(seq "$runs"); do one_start "$kind"; done >"$home/$kind.txt"
done
echo "java: $(java -version 2>&1 | head -1); cpus: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "start -> first exec lb answered, warm cache (ms): $(cut -d' ' -f1 "$home/warm.txt" | stats)"
echo "start -> first exec lb answered, empty cache (ms): $(cut -d' ' -f1 "$home/cold.txt" | stats)"
echo "idle RSS after 10 s (MiB): $(cut -d' ' -f2 "$home/warm.txt" | awk '{ printf "%d\n", $1 / 1024 }' | stats)"
echo "exec lb round trip (ms): $(stats <"$home/exec.ms")"
rm -rf "$home"
