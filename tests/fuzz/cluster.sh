#!/usr/bin/env bash
# The fuzz campaign's cluster: tests/fuzz/cluster.sh start|stop|kill|restart DIR WORK
#
# start    `$FLINKCTL_BIN local start --dir DIR --port 0` (2048 MB, 2 vcores) with
#          FLINKCTL_FUZZ_SECRET (from WORK/env-secret) in the daemon's environment;
#          records WORK/daemon.pid and WORK/url and prints the URL (loopback only).
# stop     `local stop --dir DIR`, then SIGKILL by pid if it is still there.
# kill     SIGKILL by pid (a hung or dead cluster), and its leftover containers.
# restart  kill, move DIR/state aside to WORK (a state that crashed the cluster
#          would crash it again), start; prints the new URL.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|kill|restart DIR WORK}
dir=${2:?DIR}
work=${3:?WORK}
: "${FLINKCTL_BIN:?set FLINKCTL_BIN}"
here="$(cd "$(dirname "$0")" && pwd)"
py="${FUZZ_PYTHON:-python3}"

pid_of() { cat "$work/daemon.pid" 2>/dev/null || true; }

wait_gone() {  # pid seconds
  local i=0
  while kill -0 "$1" 2>/dev/null && [ "$i" -lt $(($2 * 10)) ]; do
    # A zombie (its parent has not reaped it) counts as gone.
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = "Z" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = "Z" ]
}

start() {
  local out url pid
  if ! out=$(FLINKCTL_FUZZ_SECRET="$(cat "$work/env-secret")" \
      "$FLINKCTL_BIN" local start --dir "$dir" --port 0 --memory-mb 2048 --vcores 2 --start-timeout 20 2>&1); then
    echo "cluster.sh: local start failed: $out" >&2
    return 1
  fi
  url=$(printf '%s\n' "$out" | sed -n 's/^Embedded YARN cluster running at \([^ ]*\) (pid \([0-9]*\).*/\1/p' | head -n 1)
  pid=$(printf '%s\n' "$out" | sed -n 's/^Embedded YARN cluster running at \([^ ]*\) (pid \([0-9]*\).*/\2/p' | head -n 1)
  if [ -z "$url" ] || [ -z "$pid" ]; then
    echo "cluster.sh: cannot read the URL from: $out" >&2
    return 1
  fi
  echo "$pid" > "$work/daemon.pid"
  case "$url" in
    http://127.0.0.1:*|http://localhost:*|'http://[::1]:'*) ;;
    *) echo "cluster.sh: refusing a cluster that is not on loopback: $url" >&2; kill -KILL "$pid" 2>/dev/null || true; return 1 ;;
  esac
  echo "$url" > "$work/url"
  echo "$url"
}

stop() {
  local pid
  pid=$(pid_of)
  timeout 40 "$FLINKCTL_BIN" local stop --dir "$dir" --timeout 15 >/dev/null 2>&1 || true
  if [ -n "$pid" ] && ! wait_gone "$pid" 2; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
    return 1
  fi
}

hard_kill() {
  local pid
  pid=$(pid_of)
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
  fi
  "$py" "$here/checks.py" reap "$dir/containers" || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  kill) hard_kill ;;
  restart)
    hard_kill
    n=$(find "$work" -maxdepth 1 -name 'state-before-restart-*' | wc -l)
    [ -d "$dir/state" ] && mv "$dir/state" "$work/state-before-restart-$((n + 1))"
    start ;;
  *) echo "cluster.sh: unknown command $cmd" >&2; exit 2 ;;
esac
