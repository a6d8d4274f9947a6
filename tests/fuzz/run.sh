#!/usr/bin/env bash
# Bounded fuzz campaign against flinkctl's embedded YARN cluster.
#
#   FLINKCTL_BIN=/path/to/flinkctl tests/fuzz/run.sh [DURATION_SECONDS]   (default 120)
#
# Starts a fresh cluster in a temporary directory (127.0.0.1, --port 0, 2048 MB,
# 2 vcores) with a secret canary in its environment (FLINKCTL_FUZZ_SECRET), a
# secret canary file (0600) and plain canary files beside it, then runs
#   (a) tests/fuzz/fuzz_paths.py: raw-path fuzzing of every WebHDFS op, and
#       mutated JSON bodies to every ResourceManager and Services route;
#   (b) schemathesis against docs/openapi.yaml (not_a_server_error);
# each bounded in time and requests, the whole within DURATION_SECONDS. Then it
# checks: no 5xx answer, no hang or crash, the server answers
# GET /ws/v1/cluster/info within 1 s, the canaries are unchanged and nothing new
# appeared beside DIR or in DIR outside the cluster's own subtrees, and neither
# secret shows in any answer body or any file under DIR/logs. It stops the
# cluster, removes the temporary directory and ends with
# "fuzz: N passed, M failed"; exit status 1 when a check failed.
#
# Environment: VENV (default: the repo's .venv, with schemathesis installed by
# scripts/setup.sh), FUZZ_SEED (replay), FUZZ_MAX_REQUESTS (path/JSON fuzzer,
# default 8000), FUZZ_ST_MAX_EXAMPLES (per operation, default 25),
# FUZZ_MEMORY_LIMIT_MB (the cluster process is killed past it, default 3072),
# FUZZ_ARTIFACTS (a directory to copy the records to before cleanup).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
duration="${1:-120}"
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 30 ]; then
  echo "usage: FLINKCTL_BIN=… $0 [DURATION_SECONDS >= 30]" >&2
  exit 2
fi
venv="${VENV:-$here/../../.venv}"
py="$venv/bin/python"
st="$venv/bin/schemathesis"
: "${FLINKCTL_BIN:?set FLINKCTL_BIN to the flinkctl binary}"
[ -x "$FLINKCTL_BIN" ] || { echo "fuzz: FLINKCTL_BIN=$FLINKCTL_BIN is not executable" >&2; exit 2; }
[ -x "$py" ] || { echo "fuzz: no python at $py (run scripts/setup.sh, or set VENV)" >&2; exit 2; }
[ -x "$st" ] || { echo "fuzz: no schemathesis in $venv (run scripts/setup.sh)" >&2; exit 2; }
export FLINKCTL_BIN FUZZ_PYTHON="$py"

t0=$SECONDS
deadline=$((t0 + duration))
# What the end needs: the liveness check, stopping the cluster, the report.
tail_reserve=$((duration / 6)); [ "$tail_reserve" -gt 15 ] && tail_reserve=15
seed="${FUZZ_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 2147483647 + 1 ))}"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "fuzz: PASS $*"; }
fail() { failed=$((failed + 1)); echo "fuzz: FAIL $*"; }
consume_checks() {
  local line
  while IFS= read -r line; do
    case "$line" in
      "CHECK PASS "*) pass "${line#CHECK PASS }" ;;
      "CHECK FAIL "*) fail "${line#CHECK FAIL }" ;;
      *) echo "$line" ;;
    esac
  done
}

top="$(mktemp -d "${TMPDIR:-/tmp}/flinkctl-fuzz.XXXXXX")"
top="$(cd "$top" && pwd -P)"
root="$top/root"     # the cluster's parent: DIR, canaries, the secret file
work="$top/work"     # the harness's records, out of reach of the guarded writes
dir="$root/cluster"
mkdir -p "$root" "$work"
wd_pid=""

cleanup() {
  local rc=$?
  set +e
  touch "$work/watchdog.stop" 2>/dev/null
  [ -n "$wd_pid" ] && kill "$wd_pid" 2>/dev/null && wait "$wd_pid" 2>/dev/null
  "$here/cluster.sh" stop "$dir" "$work" >/dev/null 2>&1
  "$py" "$here/checks.py" reap "$root" >/dev/null 2>&1
  if [ -n "${FUZZ_ARTIFACTS:-}" ]; then
    mkdir -p "$FUZZ_ARTIFACTS" && cp -r "$work/." "$FUZZ_ARTIFACTS/" 2>/dev/null
    cp "$dir/logs/cluster.log" "$FUZZ_ARTIFACTS/cluster.log" 2>/dev/null
  fi
  case "$top" in */flinkctl-fuzz.*) rm -rf "$top" ;; esac
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

finish() {
  echo "fuzz: campaign took $((SECONDS - t0)) s (bound ${duration} s), seed $seed (FUZZ_SEED=$seed replays it)"
  echo "fuzz: $passed passed, $failed failed"
  if [ "$failed" -eq 0 ]; then exit 0; fi
  exit 1
}

echo "fuzz: ${duration} s campaign, seed $seed, temporary directory $top"
"$py" "$here/checks.py" setup "$root" "$dir" "$work"

# ------------------------------------------------------------------ the cluster
if url="$("$here/cluster.sh" start "$dir" "$work")"; then
  pass "cluster starts ($url)"
else
  fail "cluster starts"
  finish
fi
"$py" "$here/checks.py" snapshot "$root" "$dir" "$work/baseline.json"
"$py" "$here/checks.py" watchdog "$work" "${FUZZ_MEMORY_LIMIT_MB:-3072}" &
wd_pid=$!

# ------------------------------------------------------------------ (a) paths and JSON bodies
left=$((deadline - SECONDS - tail_reserve))
fp_duration=$((left / 2 - 12)); [ "$fp_duration" -lt 8 ] && fp_duration=8
restart_cmd="$(printf '%q ' "$here/cluster.sh" restart "$dir" "$work")"
echo "fuzz: (a) fuzz_paths.py for ${fp_duration} s"
fp_rc=0
timeout -k 5 $((fp_duration + 60)) "$py" "$here/fuzz_paths.py" --url "$url" --manifest "$work/manifest.json" \
  --out "$work" --seed "$seed" --duration "$fp_duration" --max-requests "${FUZZ_MAX_REQUESTS:-8000}" \
  --request-timeout 10 --restart-cmd "$restart_cmd" --max-restarts 6 || fp_rc=$?
if [ "$fp_rc" -eq 124 ] || [ "$fp_rc" -eq 137 ]; then echo "fuzz: fuzz_paths.py overran its time and was stopped"; fi
url="$(cat "$work/url")"
if "$py" "$here/checks.py" alive "$url" 3; then
  pass "server answers after the path/JSON fuzzer"
else
  fail "server answers after the path/JSON fuzzer (restarting it for schemathesis)"
  url="$("$here/cluster.sh" restart "$dir" "$work")" || true
fi

# ------------------------------------------------------------------ (b) schemathesis
st_left=$((deadline - SECONDS - tail_reserve))
st_rc=skipped
if [ "$st_left" -ge 15 ] && [ -n "$url" ]; then
  st_time=$((st_left - 8))
  echo "fuzz: (b) schemathesis $("$st" --version | awk '{print $NF}') for at most ${st_time} s against $url"
  st_rc=0
  (
    cd "$work"
    FUZZ_SEED="$seed" FUZZ_MANIFEST="$work/manifest.json" FUZZ_ST_RECORD_DIR="$work" SCHEMATHESIS_HOOKS="$here/st_hooks.py" \
      timeout -k 5 $((st_time + 30)) "$st" run "$repo/docs/openapi.yaml" --url "$url" \
      --checks not_a_server_error --max-examples "${FUZZ_ST_MAX_EXAMPLES:-25}" --max-time "$st_time" \
      --request-timeout 10 --workers 1 --seed "$seed" --generation-database none \
      --suppress-health-check all --output-sanitize false --no-color \
      --report junit --report-dir "$work/st-report"
  ) > "$work/schemathesis.log" 2>&1 || st_rc=$?
  # Its failures and errors, then its last line, indented (the campaign's
  # closing line is the one CI reads).
  sed -n '/^=* \(ERRORS\|FAILURES\) =*$/,/^=* \(WARNINGS\|SUMMARY\) =*$/p' "$work/schemathesis.log" \
    | head -n 80 | sed 's/^/  schemathesis| /' || true
  grep -E "^ *(Test cases:|[0-9]+ generated)" "$work/schemathesis.log" | sed 's/^/  schemathesis| /' || true
  tail -n 1 "$work/schemathesis.log" | sed 's/^/  schemathesis| /'
else
  echo "fuzz: (b) schemathesis skipped: ${st_left} s left"
fi

# ------------------------------------------------------------------ checks
url="$(cat "$work/url")"
if "$py" "$here/checks.py" alive "$url" 1; then
  pass "server answers GET /ws/v1/cluster/info within 1 s"
else
  fail "server answers GET /ws/v1/cluster/info within 1 s"
fi
touch "$work/watchdog.stop"
wait "$wd_pid" 2>/dev/null || true
wd_pid=""
if "$here/cluster.sh" stop "$dir" "$work"; then
  pass "cluster stops on local stop"
else
  fail "cluster stops on local stop (it had to be killed)"
fi
"$py" "$here/checks.py" reap "$root" || true
consume_checks < <("$py" "$here/checks.py" report "$work" "$root" "$dir" "$st_rc")
finish
