#!/usr/bin/env bash
# Figures for docs/fleet.md: (1) time from 'fleet rollout' to the rollout's end (the last member's new revision
# Active, held and checked) for 3 members on this machine, canary 1 then the other two, with --hold 0s and 2s;
# (2) idle CPU of a member with fleet mode on, side by side with a runtime of the same deploy folder without it.
# Needs a ZooKeeper server (any; e.g. Curator's TestingServer) and a built distribution (runtime/target/revisor) and
# example jar (bundles/examples/leak-free/target).
# Usage: bench/scripts/fleet.sh ZK_CONNECT [RUNS]     (default 5 rollouts per hold value, 5 idle windows of 30 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
zk="$1"; runs="${2:-5}"
dist="$PWD/runtime/target/revisor"
jar="$(ls "$PWD"/bundles/examples/leak-free/target/example-leak-free-*.jar | head -1)"
work="$(mktemp -d /tmp/revisor-fleet-bench.XXXXXX)"
root="/bench-$(date +%s)"
homes=()
for m in m0 m1 m2 m3; do
  h="$work/$m"; mkdir -p "$h/etc" "$h/deploy"; homes+=("$h")
  cp "$dist"/etc/*.properties "$dist"/etc/logback.xml "$h/etc/"
  cp "$jar" "$h/deploy/leak-free.jar"
  if [ "$m" != m0 ]; then # m0: the same runtime without fleet mode
    sed -i 's/^revisor.features = revisor-core$/revisor.features = revisor-core revisor-fleet/' "$h/etc/revisor.properties"
    printf '\nrevisor.fleet.zookeeper = %s\nrevisor.fleet.root = %s\nrevisor.fleet.store = %s\nrevisor.fleet.member = %s\n' \
      "$zk" "$root" "$work/store" "$m" >> "$h/etc/config.properties"
  fi
  "$dist/bin/revisor" --home "$h" start >/dev/null
done
trap 'for h in "${homes[@]}"; do "$dist/bin/revisor" --home "$h" stop >/dev/null || true; done; rm -rf "$work"' EXIT
m1="$work/m1"
# a jar of the same plugin with another Bundle-Version (python3: rewrite the manifest)
bump() { python3 - "$jar" "$1" "$2" <<'PY'
import sys, zipfile
src, dst, ver = sys.argv[1:4]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zo:
    for item in zi.infolist():
        data = zi.read(item.filename)
        if item.filename == 'META-INF/MANIFEST.MF':
            data = '\r\n'.join('Bundle-Version: ' + ver if l.startswith('Bundle-Version:') else l
                               for l in data.decode().split('\r\n')).encode()
        zo.writestr(item, data)
PY
}
n=10
for hold in 0s 2s; do
  times=()
  for ((i = 0; i < runs; i++)); do
    n=$((n + 1)); bump "$work/lf-$n.jar" "0.$n.0"
    t0=$(date +%s%N)
    "$dist/bin/revisor" --home "$m1" fleet rollout --canary 1 --waves 100 --hold "$hold" "$work/lf-$n.jar" >/dev/null
    until "$dist/bin/revisor" --home "$m1" fleet status | grep -q "state succeeded\|state halted"; do sleep 0.1; done
    "$dist/bin/revisor" --home "$m1" fleet status | grep -q "state succeeded" || { echo "rollout $n halted"; exit 1; }
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  echo "rollout to 3 members, --hold $hold: median ${sorted[$((runs / 2))]} ms (runs: ${times[*]})"
done
ticks() { awk '{print $14 + $15}' "/proc/$(cat "$1/data/revisor.pid")/stat"; }   # utime + stime, 1/100 s each
sleep 10
off=(); on=()
for ((i = 0; i < runs; i++)); do
  a0=$(ticks "$work/m0"); b0=$(ticks "$m1"); sleep 30; a1=$(ticks "$work/m0"); b1=$(ticks "$m1")
  off+=($(( (a1 - a0) * 10 / 30 ))); on+=($(( (b1 - b0) * 10 / 30 )))
done
so=($(printf '%s\n' "${off[@]}" | sort -n)); sn=($(printf '%s\n' "${on[@]}" | sort -n))
echo "idle CPU, ms per second (30 s windows): without fleet median ${so[$((runs / 2))]} (${off[*]}), member with fleet median ${sn[$((runs / 2))]} (${on[*]})"
