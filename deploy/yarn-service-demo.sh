#!/usr/bin/env bash
# Starts the embedded YARN cluster and runs a sample two-component service on
# it (a "jobmanager" and "taskmanager"s, the shape every Flink deployment has),
# flexes it, shows its containers and logs, then cleans up. Safe to run twice.
#
#   deploy/yarn-service-demo.sh   # uses ./.flinkctl-demo as the cluster directory
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
BIN="$PWD/.build/debug/flinkctl"
DIR="${FLINKCTL_DEMO_DIR:-$PWD/.flinkctl-demo}"

"$BIN" local stop --dir "$DIR" >/dev/null 2>&1 || true
trap '"$BIN" local stop --dir "$DIR" >/dev/null 2>&1 || true' EXIT

echo "\$ flinkctl local start --dir $DIR --port 0"
"$BIN" local start --dir "$DIR" --port 0 --memory-mb 4096 --vcores 8
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$DIR/cluster.json")
SVC="$URL/app/v1/services"
USER_Q="user.name=${USER:-demo}"

curl -fsS -X DELETE "$SVC/demo-flow?$USER_Q" >/dev/null 2>&1 || true
echo
echo "\$ curl -X POST $SVC   (a service with a jobmanager and two taskmanagers)"
curl -fsS -X POST -H 'Content-Type: application/json' "$SVC?$USER_Q" -d @- <<'JSON'
{
  "name": "demo-flow", "version": "1.0",
  "components": [
    {"name": "jobmanager", "number_of_containers": 1, "restart_policy": "ALWAYS",
     "resource": {"cpus": 1, "memory": "256"},
     "launch_command": "echo \"jobmanager $COMPONENT_INSTANCE_NAME in $CONTAINER_ID\"; exec sleep 3600"},
    {"name": "taskmanager", "number_of_containers": 2, "restart_policy": "ALWAYS",
     "resource": {"cpus": 1, "memory": "512"},
     "launch_command": "echo \"taskmanager $COMPONENT_INSTANCE_NAME on $NM_HOST\"; exec sleep 3600"}
  ]
}
JSON
echo

show() {
  curl -fsS "$SVC/demo-flow" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("service %s: %s, %d containers running, application %s"
      % (s["name"], s["state"], s["number_of_running_containers"], s["id"]))
for c in s["components"]:
    for k in c.get("containers", []):
        print("  %-15s %s  %s  %s MB" % (k["component_instance_name"], k["id"], k["state"], k["resource"]["memory"]))'
}
wait_stable() {
  for _ in $(seq 100); do
    curl -fsS "$SVC/demo-flow" | grep -q '"state":"STABLE"' && return 0
    sleep 0.1
  done
  echo "the service did not become STABLE" >&2; return 1
}
wait_stable; show

echo
echo "\$ curl -X PUT $SVC/demo-flow/components/taskmanager -d '{\"number_of_containers\":3}'"
curl -fsS -X PUT -H 'Content-Type: application/json' "$SVC/demo-flow/components/taskmanager?$USER_Q" -d '{"number_of_containers":3}'
echo
wait_stable; show

echo
echo "\$ flinkctl yarn apps"
"$BIN" yarn apps --rm "$URL"
echo
echo "\$ flinkctl yarn cluster"
"$BIN" yarn cluster --rm "$URL"
echo
echo "\$ flinkctl logs demo-flow --file stdout"
"$BIN" logs demo-flow --rm "$URL" --file stdout

echo
echo "\$ curl -X DELETE $SVC/demo-flow"
curl -fsS -X DELETE "$SVC/demo-flow?$USER_Q"
echo
echo "\$ flinkctl local stop"
"$BIN" local stop --dir "$DIR"
trap - EXIT
