#!/usr/bin/env bash
# Benchmark of `flinkctl doctor NAME` on a healthy job: its wall time next to
# the --sample it was given (target: within the sample plus 2 s), for a few
# sample lengths, RUNS times each; and `flinkctl doctor` without a name (the
# environment checks) next to a bare curl of the ResourceManager's
# /ws/v1/cluster/info, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SAMPLES=${SAMPLES:-"1 3 10"}

swift build >/dev/null
BIN="$PWD/.build/debug/flinkctl"
WORK=$(mktemp -d /tmp/flinkctl-bench-doctor-XXXXXX)
cleanup() {
  "$BIN" local stop --dir "$WORK/yarn" >/dev/null 2>&1 || true
  pkill -f "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/job.sql" <<'SQL'
SET 'table.exec.resource.default-parallelism' = '2';
CREATE TABLE passes (n BIGINT, ts AS LOCALTIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'datagen', 'rows-per-second' = '200', 'fields.n.min' = '0', 'fields.n.max' = '1000');
CREATE TEMPORARY VIEW keyed AS SELECT MOD(n, 16) AS k, n, ts FROM passes;
CREATE TABLE flow (k BIGINT, window_start TIMESTAMP(3), passes BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO flow SELECT k, window_start, COUNT(*)
  FROM TABLE(TUMBLE(TABLE keyed, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end;
SQL

"$BIN" local start --dir "$WORK/yarn" --port 0 --memory-mb 8192 >/dev/null
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/yarn/cluster.json")
"$BIN" submit --rm "$URL" --sql "$WORK/job.sql" --name steady --detached --taskmanagers 1 --slots 2 \
  -D execution.checkpointing.interval=1s >/dev/null
sleep 5

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "doctor NAME on a healthy job (RUNS=$RUNS):"
printf "  %-8s %-10s %-10s %s\n" "sample" "median" "overhead" "verdicts"
for s in $SAMPLES; do
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(now)
    out=$("$BIN" doctor steady --rm "$URL" --sample "$s" --output json) || true
    t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  m=$(printf "%s\n" "${times[@]}" | median)
  verdicts=$(echo "$out" | python3 -c 'import json,sys; print(" ".join(c["name"]+"="+c["verdict"] for c in json.load(sys.stdin)["checks"]))')
  printf "  %-8s %-10s %-10s %s\n" "${s} s" "$(printf %.2f "$m") s" "$(printf %.2f "$(echo "$m - $s" | bc)") s" "$verdicts"
done

echo "doctor without a name, against curl of /ws/v1/cluster/info (RUNS=$RUNS):"
d=(); c=()
for _ in $(seq "$RUNS"); do
  t0=$(now); "$BIN" doctor --rm "$URL" >/dev/null || true; t1=$(now); d+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); curl -fs "$URL/ws/v1/cluster/info" >/dev/null; t1=$(now); c+=("$(echo "$t1 - $t0" | bc)")
done
dm=$(printf "%s\n" "${d[@]}" | median); cm=$(printf "%s\n" "${c[@]}" | median)
printf "  doctor %.3f s, curl %.3f s, ratio %.1fx (nine checks; no path names HDFS here, so no probe application)\n" "$dm" "$cm" "$(echo "$dm / $cm" | bc -l)"
