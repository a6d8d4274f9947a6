#!/usr/bin/env bash
# JobManager HA and durable state, each figure next to a baseline measured in
# the same run, on the embedded cluster with ZooKeeper beside it:
#   1. recovery: from kill -9 of the JobManager JVM until the job is RUNNING
#      again on a new attempt (restored from its latest checkpoint), against a
#      fresh `flinkctl submit --detached` of the same job until RUNNING
#      (target: recovery <= 1.0x of a fresh submit);
#   2. checkpoint duration (Flink's end-to-end average over the same number of
#      checkpoints) to webhdfs:// against file:// (target: <= 2x).
# The job keeps keyed state (a count per key), so checkpoints have bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CHECKPOINTS=${CHECKPOINTS:-20}

# The release build, as bench-submit.sh measures: on two cores a debug
# flinkctl polled ten times a second takes CPU from the JVMs being measured.
scripts/build-release.sh >/dev/null
BIN="$PWD/.build/release/flinkctl"
WORK=$(mktemp -d /tmp/flinkctl-bench-ha-XXXXXX)
cleanup() {
  "$BIN" local stop --dir "$WORK/yarn" >/dev/null 2>&1 || true
  # KEEP=1 keeps the containers' logs, for where the recovery's time goes.
  if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

cat > "$WORK/job.sql" <<'SQL'
CREATE TABLE events (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.k.min' = '1', 'fields.k.max' = '20000');
CREATE TABLE sink (k INT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT k, COUNT(*), SUM(v) FROM events GROUP BY k;
SQL

"$BIN" local start --dir "$WORK/yarn" --port 0 --memory-mb 8192 --zookeeper >/dev/null
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/yarn/cluster.json")
ZK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["zooKeeper"])' "$WORK/yarn/cluster.json")
WEBHDFS="${URL/http:/webhdfs:}"

now() { date +%s.%N; }
status() { "$BIN" status "$1" --rm "$URL" --output json 2>/dev/null || echo '{}'; }
field() { python3 -c 'import json,sys; s=json.load(sys.stdin); print(s.get(sys.argv[1]) or "")' "$1"; }
checkpoints() { # NAME → the job's /checkpoints statistics
  local s; s=$(status "$1")
  curl -fs -m 3 "$(echo "$s" | field rest)/jobs/$(echo "$s" | field job)/checkpoints" 2>/dev/null || echo '{}'
}
completed() { checkpoints "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("counts",{}).get("completed",0))'; }
jm_pid() {
  for p in $(pgrep -f StandaloneApplicationClusterEntryPoint); do
    case "$(readlink "/proc/$p/cwd")" in "$WORK/yarn/"*) echo "$p" ;; esac
  done
}
finish() { "$BIN" cancel "$1" --rm "$URL" >/dev/null 2>&1 || true; "$BIN" destroy "$1" --rm "$URL" --force >/dev/null 2>&1 || true; }
HA=(-D high-availability.type=zookeeper -D "high-availability.zookeeper.quorum=$ZK"
    -D "high-availability.storageDir=$WEBHDFS/bench/ha" -D yarn.application-attempts=3)

echo "== 1. recovery after kill -9 of the JobManager JVM, against a fresh submit ($RUNS runs)"
fresh=(); recovery=()
for i in $(seq 1 "$RUNS"); do
  name="ha-$i"
  t0=$(now)
  "$BIN" submit --rm "$URL" --sql "$WORK/job.sql" --name "$name" --detached -D execution.checkpointing.interval=1s \
    -D "execution.checkpointing.dir=$WEBHDFS/bench/checkpoints" "${HA[@]}" >/dev/null
  t1=$(now)
  for _ in $(seq 1 200); do [ "$(completed "$name")" -ge 2 ] && break; sleep 0.2; done
  pid=$(jm_pid)
  kill -9 "$pid"
  t2=$(now)
  # One process polls (a status every 0.1 s, parsed in place), not three
  # new ones a poll: the poller's own CPU would slow the recovery it times.
  t3=$(python3 - "$BIN" "$URL" "$name" <<'PY'
import json, subprocess, sys, time
bin, url, name = sys.argv[1:]
deadline = time.time() + 120
while time.time() < deadline:
    out = subprocess.run([bin, "status", name, "--rm", url, "--output", "json"], capture_output=True, text=True).stdout
    try:
        s = json.loads(out)
    except ValueError:
        s = {}
    if s.get("attempt") == 2 and s.get("jobState") == "RUNNING":
        break
    time.sleep(0.1)
print("%.6f" % time.time())
PY
)
  restored=$(checkpoints "$name" | python3 -c 'import json,sys; r=(json.load(sys.stdin).get("latest") or {}).get("restored"); print(r["id"] if r else "none")')
  f=$(echo "$t1 - $t0" | bc); r=$(echo "$t3 - $t2" | bc)
  fresh+=("$f"); recovery+=("$r")
  printf "  run %d: fresh submit %.2f s, recovery %.2f s (restored checkpoint %s)\n" "$i" "$f" "$r" "$restored"
  finish "$name"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mf=$(median "${fresh[@]}"); mr=$(median "${recovery[@]}")
printf "  median: fresh submit %.2f s, recovery %.2f s: %.2fx (target <= 1.0x)\n" "$mf" "$mr" "$(echo "$mr / $mf" | bc -l)"

echo "== 2. checkpoint duration, webhdfs:// against file:// ($CHECKPOINTS checkpoints each)"
avg_duration() { # NAME → Flink's average end-to-end checkpoint duration, ms
  checkpoints "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
d = s.get("end_to_end_duration") or s.get("e2e_duration") or {}
print(d.get("avg", 0))'
}
declare -A dur
for target in file webhdfs; do
  case $target in
    file) dir="file://$WORK/checkpoints" ;;
    webhdfs) dir="$WEBHDFS/bench/cp-duration" ;;
  esac
  name="cp-$target"
  "$BIN" submit --rm "$URL" --sql "$WORK/job.sql" --name "$name" --detached -D execution.checkpointing.interval=1s \
    -D "execution.checkpointing.dir=$dir" >/dev/null
  for _ in $(seq 1 600); do [ "$(completed "$name")" -ge "$CHECKPOINTS" ] && break; sleep 0.2; done
  dur[$target]=$(avg_duration "$name")
  size=$(checkpoints "$name" | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print((s.get("checkpointed_size") or s.get("state_size") or {}).get("avg", 0))')
  printf "  %-8s average %s ms over %s checkpoints (average size %s bytes)\n" "$target" "${dur[$target]}" "$(completed "$name")" "$size"
  finish "$name"
done
printf "  webhdfs/file: %.2fx (target <= 2x)\n" "$(echo "${dur[webhdfs]} / ${dur[file]}" | bc -l)"
