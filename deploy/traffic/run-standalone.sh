#!/usr/bin/env bash
# The traffic-flow job end to end with plain `java` commands, no YARN, no
# flinkctl: builds the SQL runner, generates the input, writes a Flink config
# dir, starts a JobManager in application mode (job class: the SQL runner, job
# argument: traffic.sql) and one TaskManager side by side, waits for the job to
# end (the JobManager then exits by itself), runs verify.py, stops everything.
#
#   deploy/traffic/run-standalone.sh [WORK_DIR]
#
# WORK_DIR (default: a new /tmp/flinkctl-traffic.XXXXXX) receives in/, out/,
# conf/, log/, checkpoints/. Environment: FLINK_HOME (default: the project's
# PyPI Flink), SEED (7), RATE (passes per checkpoint-minute, 90), MINUTES (30),
# CHECKPOINT_INTERVAL ("2 s"; "0" turns checkpointing off), TIMEOUT (180 s),
# KILL_TM=1: SIGKILL the TaskManager once the job has completed a checkpoint,
# start a new one, and let the job restore (use a larger input, e.g. RATE=300
# MINUTES=60, so that the job is still running then).
# Exit status: verify.py's (0 EXACT, 1 MISMATCH), 3 if Flink did not finish.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
t0=$(date +%s.%N)
since() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)"; }
say() { echo "[$(since) s] $*"; }

flink_home="${FLINK_HOME:-}"
if [[ -z "$flink_home" ]]; then
  for d in "$repo"/.venv/lib/python3.*/site-packages/pyflink /work/main/.venv/lib/python3.*/site-packages/pyflink; do
    [[ -d "$d/lib" ]] && { flink_home="$d"; break; }
  done
fi
[[ -d "${flink_home:-}/lib" ]] || { echo "run-standalone.sh: no Flink distribution; set FLINK_HOME" >&2; exit 2; }
command -v java >/dev/null || { echo "run-standalone.sh: java not found" >&2; exit 2; }

work="${1:-$(mktemp -d /tmp/flinkctl-traffic.XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
rm -rf "$work/in" "$work/out" "$work/conf" "$work/log" "$work/checkpoints" "$work/tmp"
mkdir -p "$work/conf" "$work/log" "$work/tmp"

jm_pid="" tm_pid=""
stop() {
  for pid in $jm_pid $tm_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $jm_pid $tm_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap stop EXIT INT TERM

say "Flink: $flink_home"
runner_jar="$("$repo/deploy/sql-runner/build.sh" "$flink_home" "$work/sql-runner.jar")"
say "SQL runner: $runner_jar"
python3 "$here/generate.py" --out "$work/in" --seed "${SEED:-7}" --rate "${RATE:-90}" \
  --minutes "${MINUTES:-30}" | sed 's/^/  /'

read -r rpc_port rest_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# Java 17 needs these. Flink ships them in config.yaml as env.java.opts.all,
# but only Flink's shell scripts and its own YARN client read that key; a plain
# `java` command must carry them itself.
java17_opts=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

interval="${CHECKPOINT_INTERVAL:-2 s}"
# Flat `key: value` lines are valid YAML; Flink 2.x reads conf/config.yaml only.
# A bounded restart strategy: with checkpointing on, Flink 2.3's default
# restarts a failing job forever (a malformed CSV line would never end the run).
# cluster.registration.error-delay: a TaskManager that starts before the
# JobManager listens waits this long between attempts to reach it (default
# 10 s, which cost ~9 s here when both start side by side).
cat > "$work/conf/config.yaml" <<EOF
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
rest.address: localhost
rest.bind-address: localhost
rest.port: $rest_port
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: 4
taskmanager.memory.process.size: 1728m
parallelism.default: 1
io.tmp.dirs: $work/tmp
execution.checkpointing.interval: $interval
cluster.registration.error-delay: 500 ms
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 3
restart-strategy.fixed-delay.delay: 1 s
state.checkpoints.dir: file://$work/checkpoints
env.java.opts.all: ${java17_opts[*]}
EOF
if [[ -n "${KILL_TM:-}" ]]; then
  # Notice the dead TaskManager in seconds, not after the 50 s default.
  printf 'heartbeat.interval: 1 s\nheartbeat.timeout: 5 s\n' >> "$work/conf/config.yaml"
fi

cat > "$work/conf/log4j.properties" <<'EOF'
# One log file per process, named by -Dlog.file (Flink's web UI reads it too).
# append = true: with false, the log of a TaskManager that failed at start-up
# held only its last line (log4j appears to reopen the file during shutdown).
monitorInterval = 0
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
logger.netty.name = org.apache.flink.shaded.netty4.io.netty
logger.netty.level = WARN
EOF

# TaskManager memory flags from Flink's own calculator (the Swift side computes
# these itself; see DESIGN.md). Last two lines: JVM options, then -D settings.
tm_params="$(java -classpath "$flink_home/lib/*:$flink_home/bin/bash-java-utils.jar" \
  org.apache.flink.runtime.util.bash.BashJavaUtils GET_TM_RESOURCE_PARAMS --configDir "$work/conf" 2>/dev/null \
  | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p')"
read -r -a tm_jvm <<<"$(sed -n 1p <<<"$tm_params")"
read -r -a tm_dyn <<<"$(sed -n 2p <<<"$tm_params")"
[[ ${#tm_jvm[@]} -gt 0 && ${#tm_dyn[@]} -gt 0 ]] || { echo "run-standalone.sh: BashJavaUtils gave no TaskManager parameters" >&2; exit 3; }
say "TaskManager memory: ${tm_jvm[*]}"

# JobManager heap and metaspace for jobmanager.memory.process.size 1024m, as
# `BashJavaUtils GET_JM_RESOURCE_PARAMS` prints them (the JobManager itself
# does not check them, unlike the TaskManager).
jm_cmd=(java "${java17_opts[@]}" -Xmx469762048 -Xms469762048 -XX:MaxMetaspaceSize=268435456
  -Dlog.file="$work/log/jobmanager.log" -Dlog4j.configurationFile="file:$work/conf/log4j.properties"
  -classpath "$flink_home/lib/*:$runner_jar"
  org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint
  --configDir "$work/conf" --job-classname org.flinkctl.sql.SqlRunner
  "$here/traffic.sql" TRAFFIC_INPUT="$work/in" TRAFFIC_OUTPUT="$work/out")
tm_cmd=(java "${java17_opts[@]}" "${tm_jvm[@]}"
  -Dlog.file="$work/log/taskmanager.log" -Dlog4j.configurationFile="file:$work/conf/log4j.properties"
  -classpath "$flink_home/lib/*"
  org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$work/conf" "${tm_dyn[@]}")
printf '%q ' "${jm_cmd[@]}" > "$work/log/jobmanager.cmd"
printf '%q ' "${tm_cmd[@]}" > "$work/log/taskmanager.cmd"

t_launch=$(since)
"${jm_cmd[@]}" > "$work/log/jobmanager.out" 2> "$work/log/jobmanager.err" &
jm_pid=$!
"${tm_cmd[@]}" > "$work/log/taskmanager.out" 2> "$work/log/taskmanager.err" &
tm_pid=$!
say "JobManager pid $jm_pid (REST http://localhost:$rest_port), TaskManager pid $tm_pid; logs in $work/log"

rest="http://localhost:$rest_port"
deadline=$(( $(date +%s) + ${TIMEOUT:-180} ))
seen_rest="" seen_tm="" seen_running="" job=""
while kill -0 "$jm_pid" 2>/dev/null; do
  if [[ $(date +%s) -gt $deadline ]]; then
    say "timeout: the job did not finish in ${TIMEOUT:-180} s"; exit 3
  fi
  if [[ -z "$seen_rest" ]] && curl -fs "$rest/config" >/dev/null 2>&1; then
    seen_rest=1; say "JobManager REST answers"
  fi
  if [[ -n "$seen_rest" && -z "$seen_tm" ]] \
     && curl -fs "$rest/taskmanagers" 2>/dev/null | grep -q '"slotsNumber"'; then
    seen_tm=1; say "TaskManager registered"
  fi
  if [[ -n "$seen_rest" && -z "$seen_running" ]]; then
    overview="$(curl -fs "$rest/jobs/overview" 2>/dev/null || true)"
    if grep -q '"state":"RUNNING"' <<<"$overview"; then
      job="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["jid"])' <<<"$overview")"
      seen_running=1; say "job $job RUNNING"
      curl -fs "$rest/jobs/$job" > "$work/log/job.json" 2>/dev/null || true
    fi
  fi
  if [[ -n "${KILL_TM:-}" && -n "$job" && -z "${killed:-}" ]] \
     && curl -fs "$rest/jobs/$job/checkpoints" 2>/dev/null \
        | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["counts"]["completed"] < 1)' 2>/dev/null; then
    kill -9 "$tm_pid"; killed=1
    say "checkpoint completed: SIGKILL TaskManager $tm_pid, starting a new one"
    "${tm_cmd[@]/taskmanager.log/taskmanager-2.log}" > "$work/log/taskmanager-2.out" 2> "$work/log/taskmanager-2.err" &
    tm_pid=$!
  fi
  sleep 0.2
done
jm_status=0
wait "$jm_pid" || jm_status=$?
jm_pid=""
say "JobManager exited with status $jm_status (job ran $( [[ -n $seen_running ]] && echo to the end || echo '?'))"
grep -h '^sql-runner:' "$work/log/jobmanager.out" "$work/log/jobmanager.err" 2>/dev/null | grep -v ' ok: ' | sed 's/^/  /' || true
stop; tm_pid=""

if [[ $jm_status -ne 0 ]]; then
  say "Flink failed; the end of $work/log/jobmanager.err:"
  tail -20 "$work/log/jobmanager.err" >&2
  exit 3
fi

verify_status=0
python3 "$here/verify.py" --input "$work/in" --output "$work/out" || verify_status=$?
say "done: JVMs launched at $t_launch s, records $(cat "$work"/in/*.csv | wc -l), work dir $work"
exit $verify_status
