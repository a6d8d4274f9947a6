#!/usr/bin/env bash
# Same-run comparison: the previous main's cluster and this one's, served
# alternately to wrk (2 threads x 32 connections, 5 s each, 3 rounds).
set -euo pipefail
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
# OLD: a release flinkctl of the build to compare with (e.g. the previous main,
# built with scripts/build-release.sh in a clone); NEW: this checkout's.
OLD=${OLD:?give OLD=path/to/previous/release/flinkctl}
NEW=${NEW:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/flinkctl}
start() { local d=$(mktemp -d /tmp/wrkcmp-XXXX); "$1" local start --dir "$d" --port 0 >/dev/null; echo "$d"; }
url() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$1/cluster.json"; }
DO=$(start $OLD); DN=$(start $NEW)
UO=$(url $DO); UN=$(url $DN)
app() { python3 - "$1" <<'PY'
import json, sys, urllib.request
u = sys.argv[1]
r = urllib.request.urlopen(urllib.request.Request(u + "/ws/v1/cluster/apps/new-application?user.name=bench", method="POST"))
app = json.load(r)["application-id"]
body = json.dumps({"application-id": app, "application-name": "b", "am-container-spec": {"commands": {"command": "true"}}, "resource": {"memory": 64, "vCores": 1}}).encode()
urllib.request.urlopen(urllib.request.Request(u + "/ws/v1/cluster/apps?user.name=bench", data=body, method="POST", headers={"Content-Type": "application/json"}))
print(app)
PY
}
AO=$(app $UO); AN=$(app $UN)
rate() { wrk -t2 -c32 -d5s "$1" | awk '/Requests\/sec/ {print $2}'; }
for round in 1 2 3; do
  echo "round $round: isActive old $(rate $UO/isActive) new $(rate $UN/isActive); app report old $(rate $UO/ws/v1/cluster/apps/$AO) new $(rate $UN/ws/v1/cluster/apps/$AN)"
done
$OLD local stop --dir $DO >/dev/null; $NEW local stop --dir $DN >/dev/null; rm -rf $DO $DN
