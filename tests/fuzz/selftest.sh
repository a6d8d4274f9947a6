#!/usr/bin/env bash
# The fuzz campaign's own test: runs tests/fuzz/run.sh against
# vulnerable_cluster.py, a stand-in with the embedded cluster's old bugs (path
# traversal through %2F, 500 on big bodies, the lifetime overflow crash, the
# {{VAR}} loop, the daemon's environment in {{VAR}}), and expects the campaign
# to fail on each of them.  Usage: tests/fuzz/selftest.sh [DURATION_SECONDS]  (default 90)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
FLINKCTL_BIN="$here/vulnerable_cluster.py" FUZZ_SEED="${FUZZ_SEED:-1}" "$here/run.sh" "${1:-90}" > "$out" 2>&1 || rc=$?
grep -E '^fuzz: (PASS|FAIL|[0-9]+ passed)|^fuzz_paths: [0-9]+ failures' "$out" | cut -c1-200
passed=0
failed=0
expect() {
  if grep -qF "fuzz: FAIL $1" "$out"; then
    passed=$((passed + 1)); echo "selftest: ok, the campaign caught: $1"
  else
    failed=$((failed + 1)); echo "selftest: MISSED: $1"
  fi
}
if [ "$rc" -ne 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "selftest: MISSED: run.sh exited 0"; fi
expect "no 5xx answer (path/JSON fuzzer)"
expect "server never died or hung (path/JSON fuzzer)"
expect "no read outside the store (path fuzzer)"
expect "secret canary file in no response body"
expect "daemon's environment secret in no file under DIR/logs"
expect "no write outside the store (path fuzzer)"
echo "selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
