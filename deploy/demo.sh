#!/usr/bin/env bash
# The main job, end to end on this machine: starts the embedded YARN cluster,
# generates vehicle passes at road checkpoints (seeded), submits the
# traffic-flow SQL job with `flinkctl submit`, then prints the flow table and
# the verifier's verdict, computed independently from the input. Safe to run
# twice.
#
#   deploy/demo.sh                 # defaults: seed 7, 30 minutes of traffic
#   SEED=11 MINUTES=60 deploy/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh >/dev/null 2>&1 || scripts/setup.sh
BIN="$PWD/.build/debug/flinkctl"
DIR="${FLINKCTL_DEMO_DIR:-$PWD/.flinkctl-demo}"
WORK="$DIR/traffic"

"$BIN" local stop --dir "$DIR/yarn" >/dev/null 2>&1 || true
trap '"$BIN" local stop --dir "$DIR/yarn" >/dev/null 2>&1 || true' EXIT
rm -rf "$WORK"; mkdir -p "$WORK"

echo "\$ flinkctl local start --dir $DIR/yarn --port 0"
"$BIN" local start --dir "$DIR/yarn" --port 0 --memory-mb 6144 --vcores 8
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$DIR/yarn/cluster.json")

echo
echo "\$ deploy/traffic/generate.py --out $WORK/in --seed ${SEED:-7} --minutes ${MINUTES:-30}"
python3 deploy/traffic/generate.py --out "$WORK/in" --seed "${SEED:-7}" --minutes "${MINUTES:-30}"

echo
echo "\$ flinkctl submit --sql deploy/traffic/traffic.sql --name traffic --taskmanagers 1 --slots 4 -- TRAFFIC_INPUT=… TRAFFIC_OUTPUT=…"
"$BIN" submit --rm "$URL" --sql deploy/traffic/traffic.sql --name traffic --taskmanagers 1 --slots 4 \
  --tm-memory 1728m -D execution.checkpointing.interval=2s \
  -- "TRAFFIC_INPUT=$WORK/in" "TRAFFIC_OUTPUT=$WORK/out"

echo
echo "\$ deploy/traffic/verify.py --input $WORK/in --output $WORK/out"
python3 deploy/traffic/verify.py --input "$WORK/in" --output "$WORK/out"
