#!/usr/bin/env bash
# The main job, end to end on this machine: starts the embedded YARN cluster,
# generates vehicle passes at road checkpoints (seeded), submits the
# traffic-flow SQL job with `flinkctl submit`, then prints the flow table and
# the verifier's verdict, computed independently from the input. Safe to run
# twice.
#
#   deploy/demo.sh                 # defaults: seed 7, 30 minutes of traffic
#   SEED=11 MINUTES=60 deploy/demo.sh
#   deploy/demo.sh --ha            # JobManager HA: ZooKeeper beside the cluster,
#                                  # checkpoints and HA metadata in its HDFS, and
#                                  # a kill -9 of the JobManager mid-run
set -euo pipefail
cd "$(dirname "$0")/.."

HA=false
case "${1:-}" in
  --ha) HA=true ;;
  "") ;;
  *) echo "usage: deploy/demo.sh [--ha]" >&2; exit 2 ;;
esac

# The first run installs packages, Flink 2.3.0 and Hadoop's client jars and
# builds (several minutes): setup says each step and its time. Later runs
# have nothing to do and say next to nothing.
scripts/setup.sh
BIN="$PWD/.build/debug/flinkctl"
DIR="${FLINKCTL_DEMO_DIR:-$PWD/.flinkctl-demo}"
WORK="$DIR/traffic"

"$BIN" local stop --dir "$DIR/yarn" >/dev/null 2>&1 || true
trap '"$BIN" local stop --dir "$DIR/yarn" >/dev/null 2>&1 || true' EXIT
rm -rf "$WORK"; mkdir -p "$WORK"

ZK=()
$HA && ZK=(--zookeeper)
echo "\$ flinkctl local start --dir $DIR/yarn --port 0 ${ZK[*]}"
"$BIN" local start --dir "$DIR/yarn" --port 0 --memory-mb 8192 --vcores 8 "${ZK[@]}"
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$DIR/yarn/cluster.json")

MINUTES="${MINUTES:-30}"
RATE=()
if $HA; then MINUTES="${MINUTES_HA:-60}"; RATE=(--rate 300); fi  # long enough to be killed mid-run
echo
echo "\$ deploy/traffic/generate.py --out $WORK/in --seed ${SEED:-7} --minutes $MINUTES ${RATE[*]}"
python3 deploy/traffic/generate.py --out "$WORK/in" --seed "${SEED:-7}" --minutes "$MINUTES" "${RATE[@]}"

if $HA; then
  QUORUM=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["zooKeeper"])' "$DIR/yarn/cluster.json")
  WEBHDFS="${URL/http:/webhdfs:}"
  echo
  echo "\$ flinkctl submit --sql deploy/traffic/traffic.sql --name traffic --detached -D high-availability.type=zookeeper … -- …"
  "$BIN" submit --rm "$URL" --sql deploy/traffic/traffic.sql --name traffic --taskmanagers 1 --slots 4 \
    --tm-memory 1728m --detached -D execution.checkpointing.interval=1s \
    -D "execution.checkpointing.dir=$WEBHDFS/flink/checkpoints" \
    -D high-availability.type=zookeeper -D "high-availability.zookeeper.quorum=$QUORUM" \
    -D "high-availability.storageDir=$WEBHDFS/flink/ha" -D yarn.application-attempts=3 \
    -- "TRAFFIC_INPUT=$WORK/in" "TRAFFIC_OUTPUT=$WORK/out"
  # The JobManager JVM of this cluster (its working directory is under DIR).
  jm() { for p in $(pgrep -f StandaloneApplicationClusterEntryPoint); do
           case "$(readlink "/proc/$p/cwd")" in "$DIR/yarn/"*) echo "$p" ;; esac; done; }
  state() { "$BIN" status traffic --rm "$URL" --output json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s.get("jobState") or "-", s.get("attempt") or 1)'; }
  echo
  echo "waiting for a completed checkpoint in $WEBHDFS/flink/checkpoints …"
  for _ in $(seq 1 120); do
    "$BIN" status traffic --rm "$URL" --output json | python3 -c '
import json, sys, urllib.request
s = json.load(sys.stdin)
c = json.load(urllib.request.urlopen(s["rest"] + "/jobs/" + s["job"] + "/checkpoints", timeout=3))
sys.exit(0 if c["counts"]["completed"] > 0 else 1)' 2>/dev/null && break
    sleep 0.5
  done
  echo "\$ kill -9 $(jm)    # the JobManager JVM"
  kill -9 $(jm)
  t0=$(date +%s)
  for _ in $(seq 1 240); do [ "$(state)" = "RUNNING 2" ] && break; sleep 0.5; done
  echo "attempt 2 is $(state | cut -d' ' -f1) $(( $(date +%s) - t0 )) s after the kill:"
  "$BIN" status traffic --rm "$URL"
  for _ in $(seq 1 300); do
    case "$(state | cut -d' ' -f1)" in FINISHED|FAILED|CANCELED) break ;; esac
    sleep 1
  done
  "$BIN" status traffic --rm "$URL"
  echo
  echo "\$ deploy/traffic/verify.py --input $WORK/in --output $WORK/out"
  python3 deploy/traffic/verify.py --input "$WORK/in" --output "$WORK/out"
  exit
fi

echo
echo "\$ flinkctl submit --sql deploy/traffic/traffic.sql --name traffic --taskmanagers 1 --slots 4 -- TRAFFIC_INPUT=… TRAFFIC_OUTPUT=…"
"$BIN" submit --rm "$URL" --sql deploy/traffic/traffic.sql --name traffic --taskmanagers 1 --slots 4 \
  --tm-memory 1728m -D execution.checkpointing.interval=2s \
  -- "TRAFFIC_INPUT=$WORK/in" "TRAFFIC_OUTPUT=$WORK/out"

echo
echo "\$ deploy/traffic/verify.py --input $WORK/in --output $WORK/out"
python3 deploy/traffic/verify.py --input "$WORK/in" --output "$WORK/out"
