#!/usr/bin/env bash
# Benchmarks of the embedded YARN cluster, each printed with a baseline measured
# in the same run (these machines are noisy):
#   1. app-report requests/s with 1,000 applications held, against the cluster's
#      cheapest endpoint (/isActive, no work) as the server's floor;
#   2. time to launch 200 small containers, against a shell starting 200 new
#      sessions of the same command;
#   3. the cluster's idle resident memory, against `flinkctl --version`'s peak.
# Targets (issue 2): >= 5,000 app-report requests/s on 2 cores, 200 containers
# within 5 s, idle RSS under 30 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
scripts/build-release.sh >/dev/null
BIN="$PWD/.build/release/flinkctl"
DIR=$(mktemp -d /tmp/flinkctl-bench-XXXXXX)
cleanup() { "$BIN" local stop --dir "$DIR" >/dev/null 2>&1 || true; pkill -f "sleep 611.5" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

# The idle figure is mostly the binary's pages the start touched, and the
# kernel maps more of them at each fault when the file is in the page cache
# (fault-around): just after a link it reads ~2 MB higher than a cold start,
# as a deployed cluster starts. Dropped first where permitted, and said.
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then CACHE="page cache dropped first"; else CACHE="page cache as it was"; fi
"$BIN" local start --dir "$DIR" --port 0 --memory-mb 65536 --vcores 512 >/dev/null
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$DIR/cluster.json")
PID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$DIR/cluster.json")
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

sleep 1
IDLE=$(rss_kb "$PID")
FLOOR=$(python3 - "$BIN" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)

echo "seeding 1,000 applications (each an AM container running 'true')..."
SEED_START=$(date +%s.%N)
APP=$(python3 - "$URL" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
def call(method, path, body=None):
    req = urllib.request.Request(url + path + "?user.name=bench", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        data = r.read()
        return json.loads(data) if data else None
last = None
for i in range(1000):
    app = call("POST", "/ws/v1/cluster/apps/new-application")["application-id"]
    call("POST", "/ws/v1/cluster/apps", {
        "application-id": app, "application-name": f"bench-{i}", "application-type": "BENCH",
        "am-container-spec": {"commands": {"command": "true"}},
        "resource": {"memory": 16, "vCores": 1}, "max-app-attempts": 1})
    last = app
print(last)
PY
)
SEED_END=$(date +%s.%N)
for _ in $(seq 300); do
  [ "$(curl -s "$URL/ws/v1/cluster/metrics" | python3 -c 'import json,sys; m=json.load(sys.stdin)["clusterMetrics"]; print(m["appsCompleted"])')" = 1000 ] && break
  sleep 0.1
done

wrk_rps() { wrk -t2 -c32 -d5s "$1" | awk '/Requests\/sec/ {print $2}'; }
BASE_RPS=$(wrk_rps "$URL/isActive")
APP_RPS=$(wrk_rps "$URL/ws/v1/cluster/apps/$APP")
HELD_RSS=$(rss_kb "$PID")

echo "launching 200 containers..."
curl -fsS -X POST -H 'Content-Type: application/json' "$URL/app/v1/services?user.name=bench" -d '{
  "name": "wide", "version": "1", "components": [{"name": "tm", "number_of_containers": 0,
  "launch_command": "exec sleep 611.5", "resource": {"cpus": 1, "memory": "16"}}]}' >/dev/null
LAUNCH=$(python3 - "$URL" <<'PY'
import json, os, sys, time, urllib.request
url = sys.argv[1]
def ready():
    with urllib.request.urlopen(url + "/app/v1/services/wide") as r:
        s = json.load(r)
    return sum(1 for c in s["components"][0].get("containers", []) if c["state"] == "READY")
def running():
    n = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if open(f"/proc/{p}/cmdline", "rb").read() == b"sleep\x00611.5\x00": n += 1
            except OSError:
                pass
    return n
t0 = time.monotonic()
req = urllib.request.Request(url + "/app/v1/services/wide/components/tm?user.name=bench", method="PUT",
                             data=b'{"number_of_containers":200}', headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
while not (running() >= 200 and ready() >= 200):
    if time.monotonic() - t0 > 60: break
    time.sleep(0.02)
print("%.3f" % (time.monotonic() - t0))
PY
)
FULL_RSS=$(rss_kb "$PID")
curl -fsS -X DELETE "$URL/app/v1/services/wide?user.name=bench" >/dev/null

SHELL_LAUNCH=$(python3 - <<'PY'
import os, subprocess, time
t0 = time.monotonic()
subprocess.run(["bash", "-c", "for i in $(seq 200); do setsid bash -c 'exec sleep 611.7' </dev/null >/dev/null 2>&1 & done"])
def running():
    n = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if open(f"/proc/{p}/cmdline", "rb").read() == b"sleep\x00611.7\x00": n += 1
            except OSError:
                pass
    return n
while running() < 200:
    time.sleep(0.02)
print("%.3f" % (time.monotonic() - t0))
subprocess.run(["pkill", "-f", "sleep 611.7"])
PY
)

python3 - "$BASE_RPS" "$APP_RPS" "$LAUNCH" "$SHELL_LAUNCH" "$IDLE" "$FLOOR" "$HELD_RSS" "$FULL_RSS" "$SEED_START" "$SEED_END" "$CACHE" <<'PY'
import sys
base, app, launch, shell, idle, floor, held, full, s0, s1 = map(float, sys.argv[1:11])
print()
print(f"machine: {__import__('os').cpu_count()} cores; release build")
print(f"seeding 1,000 applications over REST:   {s1 - s0:.1f} s")
print(f"app report, 1,000 apps held:            {app:,.0f} req/s   ({app / base:.2f}x of /isActive at {base:,.0f} req/s; target >= 5,000)")
print(f"200 containers launched and READY:      {launch:.2f} s     ({launch / shell:.2f}x of a shell starting 200 sessions in {shell:.2f} s; target <= 5 s)")
print(f"idle cluster RSS:                       {idle / 1024:.1f} MB   ({idle / floor:.2f}x of `flinkctl --version` at {floor / 1024:.1f} MB; target < 30 MB)")
print(f"                                        ({sys.argv[11]})")
print(f"RSS holding 1,000 apps:                 {held / 1024:.1f} MB; with 200 containers running too: {full / 1024:.1f} MB")
PY
