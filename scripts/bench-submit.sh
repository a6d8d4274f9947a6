#!/usr/bin/env bash
# Benchmarks of flinkctl's Flink operations, each next to a baseline measured
# in the same run:
#   1. flinkctl submit --detached until the job is RUNNING, against starting
#      the same JobManager and TaskManager JVMs by hand, in parallel, until the
#      same job is RUNNING (target: within 1.2x); also staged in HDFS over
#      WebHDFS, first (uploading the shared files) and later (from the cache),
#      after part 2, once no job runs;
#   2. flinkctl list and status against a bare curl of the same REST resource
#      (target: within 2x) and against Flink's own JVM CLI `flink list`;
#   3. the appmaster's resident memory while the job runs (target: < 20 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}

command -v hyperfine >/dev/null || { echo "installing hyperfine"; apt-get install -y -qq hyperfine >/dev/null; }
scripts/build-release.sh >/dev/null
BIN="$PWD/.build/release/flinkctl"
FLINK=$(cat "$HOME/.flinkctl/flink-home")
RUNNER="$HOME/.flinkctl/flinkctl-sql-runner.jar"
WORK=$(mktemp -d /tmp/flinkctl-bench-submit-XXXXXX)
cleanup() {
  "$BIN" local stop --dir "$WORK/yarn" >/dev/null 2>&1 || true
  pkill -f "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/job.sql" <<SQL
CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '10');
CREATE TABLE sink (n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT n FROM numbers;
SQL

"$BIN" local start --dir "$WORK/yarn" --port 0 --memory-mb 8192 >/dev/null
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/yarn/cluster.json")

now() { date +%s.%N; }
running_at() { # REST URL → waits until a job is RUNNING
  until curl -fs "$1/jobs/overview" 2>/dev/null | grep -q '"state":"RUNNING"'; do sleep 0.05; done
}

# --- 1. submit to RUNNING ---------------------------------------------------
SUBMIT_TIMES=()
for i in $(seq "$RUNS"); do
  t0=$(now)
  "$BIN" submit --rm "$URL" --sql "$WORK/job.sql" --name "bench-$i" --detached >/dev/null
  t1=$(now)
  SUBMIT_TIMES+=("$(echo "$t1 - $t0" | bc)")
  if [ "$i" = 1 ]; then
    AM_PID=$(pgrep -f "flinkctl(-container)? appmaster --staging .*bench-1-" | head -1)
    AM_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$AM_PID/status")
  fi
  "$BIN" cancel "bench-$i" --rm "$URL" >/dev/null
done

# By hand: the same JVMs, flags from Flink's own BashJavaUtils, started together.
CONF="$WORK/conf"; mkdir -p "$CONF" "$WORK/logs"
JAVA_OPTS=$(python3 - <<'PY'
print(" ".join(["--add-exports=java.base/sun.net.util=ALL-UNNAMED","--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED","--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED","--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
  "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED","--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED"]
  + ["--add-opens=java.base/%s=ALL-UNNAMED" % p for p in ["java.lang","java.net","java.io","java.nio","sun.nio.ch","java.lang.reflect",
  "java.text","java.time","java.util","java.util.concurrent","java.util.concurrent.atomic","java.util.concurrent.locks"]]))
PY
)
HAND_TIMES=()
for i in $(seq "$RUNS"); do
  RPC=$((20000 + RANDOM % 20000)); REST=$((RPC + 1))
  cat > "$CONF/config.yaml" <<YAML
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC
jobmanager.bind-host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1024m
taskmanager.numberOfTaskSlots: 1
YAML
  cp "$WORK/yarn/containers/"*/*/conf/log4j.properties "$CONF/" 2>/dev/null || true
  BJU="java -cp $FLINK/bin/bash-java-utils.jar:$FLINK/lib/* org.apache.flink.runtime.util.bash.BashJavaUtils"
  JM=$($BJU GET_JM_RESOURCE_PARAMS --configDir "$CONF" 2>/dev/null | grep BASH_JAVA_UTILS_EXEC_RESULT | sed 's/BASH_JAVA_UTILS_EXEC_RESULT://')
  TM=$($BJU GET_TM_RESOURCE_PARAMS --configDir "$CONF" 2>/dev/null | grep BASH_JAVA_UTILS_EXEC_RESULT | sed 's/BASH_JAVA_UTILS_EXEC_RESULT://')
  JM_JVM=$(echo "$JM" | sed -n 1p); JM_DYN=$(echo "$JM" | sed -n 2p)
  TM_JVM=$(echo "$TM" | sed -n 1p); TM_DYN=$(echo "$TM" | sed -n 2p)
  CP="$(ls "$FLINK"/lib/*.jar | tr '\n' ':')$RUNNER"
  t0=$(now)
  # shellcheck disable=SC2086
  java $JM_JVM $JAVA_OPTS -Dlog.file="$WORK/logs/jm.log" -Dlog4j.configurationFile="file:$CONF/log4j.properties" -classpath "$CP" \
    org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint --configDir "$CONF" $JM_DYN \
    --job-classname org.flinkctl.sql.SqlRunner "$WORK/job.sql" >/dev/null 2>&1 &
  JMP=$!
  # shellcheck disable=SC2086
  java $TM_JVM $JAVA_OPTS -Dlog.file="$WORK/logs/tm.log" -Dlog4j.configurationFile="file:$CONF/log4j.properties" -classpath "$CP" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$CONF" $TM_DYN >/dev/null 2>&1 &
  TMP=$!
  running_at "http://127.0.0.1:$REST"
  t1=$(now)
  HAND_TIMES+=("$(echo "$t1 - $t0" | bc)")
  kill "$JMP" "$TMP"; wait "$JMP" "$TMP" 2>/dev/null || true
done

# --- 2. list and status -----------------------------------------------------
"$BIN" submit --rm "$URL" --sql "$WORK/job.sql" --name bench-status --detached >/dev/null
JM_REST=$("$BIN" status bench-status --rm "$URL" --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rest"])')
# Measure in steady state: the job RUNNING and its JVMs past their start-up
# (JIT, class loading), which otherwise take both cores from whatever runs.
running_at "$JM_REST"
sleep 8
export FLINK_CONF_DIR="$CONF"
sed -i "s/^rest.port: .*/rest.port: ${JM_REST##*:}/; s/^rest.address: .*/rest.address: 127.0.0.1/" "$CONF/config.yaml"
# Five rounds of ten runs each, the commands taking turns, so that a machine
# still settling (JIT and GC in the JVMs beside) weighs on all of them alike.
for round in 1 2 3 4 5; do
  hyperfine -N --warmup 2 --runs 10 --export-json "$WORK/cli-$round.json" \
    "$BIN list --rm $URL" \
    "curl -s $URL/app/v1/services" \
    "$BIN status bench-status --rm $URL" \
    "curl -s $URL/app/v1/services/bench-status" \
    "curl -s $JM_REST/jobs" >/dev/null
done
hyperfine -N --warmup 1 --runs 5 --export-json "$WORK/flink.json" \
  "java $JAVA_OPTS -cp $(ls "$FLINK"/lib/*.jar | tr '\n' ':') org.apache.flink.client.cli.CliFrontend list -m ${JM_REST#http://}" >/dev/null
"$BIN" cancel bench-status --rm "$URL" >/dev/null

# The same, staged in the cluster's HDFS over WebHDFS: the first submit
# uploads the container program and runner into the cache, later ones only
# their own files.
HDFS_ROOT="${URL/http:/webhdfs:}/user/bench/.flinkctl"
HDFS_TIMES=()
for i in $(seq $((RUNS + 1))); do
  t0=$(now)
  "$BIN" submit --rm "$URL" --user bench --staging "$HDFS_ROOT" --sql "$WORK/job.sql" --name "hdfs-$i" --detached >/dev/null
  t1=$(now)
  HDFS_TIMES+=("$(echo "$t1 - $t0" | bc)")
  "$BIN" cancel "hdfs-$i" --rm "$URL" --user bench >/dev/null
done
# With the Flink distribution shipped too (--ship-flink): the first submit
# packs and uploads it, the second names the cached archive.
SHIP_TIMES=()
for i in 1 2; do
  t0=$(now)
  "$BIN" submit --rm "$URL" --user bench --staging "$HDFS_ROOT" --ship-flink --sql "$WORK/job.sql" --name "ship-$i" --detached >/dev/null
  t1=$(now)
  SHIP_TIMES+=("$(echo "$t1 - $t0" | bc)")
  "$BIN" cancel "ship-$i" --rm "$URL" --user bench >/dev/null
done
# list once more, with these stopped deployments in HDFS among the others:
# it reads each one's result over WebHDFS.
hyperfine -N --warmup 2 --runs 20 --export-json "$WORK/list-hdfs.json" \
  "$BIN list --rm $URL --user bench" \
  "curl -s $URL/app/v1/services" >/dev/null

python3 - "$WORK" "$WORK/flink.json" "$AM_RSS" "${SUBMIT_TIMES[*]}" "${HAND_TIMES[*]}" "${HDFS_TIMES[*]}" "${SHIP_TIMES[*]}" <<'PY'
import json, statistics, sys
rounds = [json.load(open(f"{sys.argv[1]}/cli-{i}.json"))["results"] for i in range(1, 6)]
times = [sum((r[k]["times"] for r in rounds), []) for k in range(5)]
flink_list = statistics.median(json.load(open(sys.argv[2]))["results"][0]["times"])
am_rss = float(sys.argv[3]) / 1024
submit = [float(x) for x in sys.argv[4].split()]
hand = [float(x) for x in sys.argv[5].split()]
hdfs = [float(x) for x in sys.argv[6].split()]
ship = [float(x) for x in sys.argv[7].split()]
list_hdfs = [statistics.median(r["times"]) for r in json.load(open(f"{sys.argv[1]}/list-hdfs.json"))["results"]]
m = [statistics.median(t) for t in times]
ls, curl_ls, st, curl_st, curl_jm = m
print()
print(f"submit → RUNNING (median of {len(submit)}):  {statistics.median(submit):.2f} s   ({statistics.median(submit) / statistics.median(hand):.2f}x of JVMs by hand in parallel: {statistics.median(hand):.2f} s; target <= 1.2x)")
local = statistics.median(submit)
later = statistics.median(hdfs[1:])
print(f"  staged in HDFS (WebHDFS): first {hdfs[0]:.2f} s ({hdfs[0] / local:.2f}x of local staging; uploads the shared files), "
      f"later {later:.2f} s ({later / local:.2f}x of local staging, {later / statistics.median(hand):.2f}x of by hand)")
print(f"  and with --ship-flink: first {ship[0]:.2f} s (packs and uploads the distribution; {ship[0] / local:.2f}x of local staging), "
      f"then {ship[1]:.2f} s ({ship[1] / local:.2f}x of local staging)")
print(f"flinkctl list (median of 50):   {ls * 1000:.1f} ms  ({ls / curl_ls:.2f}x of curl {curl_ls * 1000:.1f} ms; target <= 2x)  ({flink_list / ls:.0f}x faster than `flink list`: {flink_list * 1000:.0f} ms)")
print(f"  and with {len(hdfs) + len(ship)} more stopped ones staged in HDFS (each one's result read over WebHDFS): "
      f"{list_hdfs[0] * 1000:.1f} ms ({list_hdfs[0] / list_hdfs[1]:.2f}x of curl {list_hdfs[1] * 1000:.1f} ms)")
print(f"flinkctl status:                {st * 1000:.1f} ms  ({st / curl_st:.2f}x of curl {curl_st * 1000:.1f} ms; target <= 2x)")
print(f"  both also ask the JobManager for its job; curl of its /jobs alone: {curl_jm * 1000:.1f} ms,")
print(f"  so list is {ls / (curl_ls + curl_jm):.2f}x and status {st / (curl_st + curl_jm):.2f}x of the two curls together")
print(f"appmaster resident memory:      {am_rss:.1f} MB  (target < 20 MB)")
PY
