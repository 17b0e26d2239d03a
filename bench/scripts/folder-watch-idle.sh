#!/usr/bin/env bash
# Evidence for docs/benchmarks.md (deploy folder watch mode): the CPU time an idle Revisor uses in 60 s with N jars
# in deploy/, FileInstall polling the folder (felix.fileinstall.disableNio2=true, as shipped) against its NIO2
# WatchService (disableNio2=false, FileInstall's own default). Both modes of one round run side by side.
# Usage: bench/scripts/folder-watch-idle.sh [DIST] [RUNS] [COUNTS...]
#   DIST   the distribution (default runtime/target/revisor, after mvn package)
#   RUNS   rounds per file count (default 3); COUNTS default: 0 50 500
# Each jar is a bundle of its own (generated here: a manifest and one resource, a unique symbolic name), deployed
# and Active before the measurement: 10 s settle, then utime+stime of the java process (/proc/PID/stat) over 60 s.
# Prints one line per instance and the medians per (count, mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
dist="$(cd "${1:-runtime/target/revisor}" && pwd)"
runs="${2:-3}"
shift $(( $# > 2 ? 2 : $# )) || true
counts=("${@:-}")
[ -z "${counts[0]}" ] && counts=(0 50 500)
work="$(mktemp -d /tmp/revisor-watch.XXXXXX)"
tick="$(getconf CLK_TCK)"

make_jars() { # $1 = count, $2 = dir
  local i d
  mkdir -p "$2"
  for ((i = 0; i < $1; i++)); do
    d="$work/src/$i"; mkdir -p "$d/META-INF"
    printf 'Manifest-Version: 1.0\nBundle-ManifestVersion: 2\nBundle-SymbolicName: bench.watch.b%d\nBundle-Version: 1.0.0\n' "$i" >"$d/m.mf"
    echo "$i" >"$d/data.txt"
    (cd "$d" && jar --create --file "$2/b$i.jar" --manifest m.mf data.txt)
  done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start() { # $1 = home, $2 = disableNio2 -> prints the pid
  REVISOR_OPTS="-Xms16m -Xmx512m -XX:+UseSerialGC -Dfelix.fileinstall.disableNio2=$2" \
    "$dist/bin/revisor" --home "$1" run </dev/null >"$1/run.log" 2>&1 &
  echo $!
}

deployed() { # $1 = home -> number of files deployed and Active
  "$dist/bin/revisor" --home "$1" exec 'audit:deploys --json' 2>/dev/null \
    | jq '[.files[] | select(.state == "deployed" and .bundleState == "ACTIVE")] | length' 2>/dev/null || echo -1
}

results="$work/results.txt"
for n in "${counts[@]}"; do
  rm -rf "$work/jars"; make_jars "$n" "$work/jars"
  for ((r = 1; r <= runs; r++)); do
    declare -A pid=()
    for mode in true false; do
      home="$work/home-$n-$r-$mode"; mkdir -p "$home/deploy" "$home/etc"; chmod 755 "$home" "$home/deploy"
      cp "$dist"/etc/*.properties "$home/etc/"
      sed -i 's/^revisor.console.*/revisor.console = off/' "$home/etc/revisor.properties"
      [ "$n" -gt 0 ] && cp "$work"/jars/*.jar "$home/deploy/"
      pid[$mode]="$(start "$home" "$mode")"
    done
    for mode in true false; do
      home="$work/home-$n-$r-$mode"
      for ((w = 0; w < 600; w++)); do [ "$(deployed "$home")" -ge "$n" ] && break; sleep 1; done
    done
    sleep 10
    declare -A t0=()
    for mode in true false; do t0[$mode]="$(cpu_ticks "${pid[$mode]}")"; done
    sleep 60
    for mode in true false; do
      ms=$(( ($(cpu_ticks "${pid[$mode]}") - t0[$mode]) * 1000 / tick ))
      label=$([ "$mode" = true ] && echo polling || echo nio2)
      echo "files=$n run=$r mode=$label cpu_ms_per_60s=$ms" | tee -a "$results"
      kill "${pid[$mode]}"
    done
    for mode in true false; do wait "${pid[$mode]}" 2>/dev/null || true; done
  done
done
echo "medians (CPU ms of the java process in 60 s idle):"
for n in "${counts[@]}"; do
  for label in polling nio2; do
    grep "files=$n .*mode=$label " "$results" | sed 's/.*=//' | sort -n | awk -v n="$n" -v l="$label" \
      '{a[NR]=$1} END {printf "files=%s mode=%s median=%s runs=%s (", n, l, a[int((NR+1)/2)], NR; for (i=1;i<=NR;i++) printf "%s%s", a[i], (i<NR?" ":""); print ")"}'
  done
done
rm -rf "$work"
