#!/usr/bin/env bash
# The whole test suite: installs and builds what it needs (scripts/setup.sh),
# then runs the Swift tests (unit and integration, each starting its own
# embedded cluster on an ephemeral port) and the Python peer tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Deployments the tests submit stage into a directory of this run's own
# (checkpoints, job archives), removed at the end, not into ~/.flinkctl.
FLINKCTL_STAGING_ROOT=$(mktemp -d /tmp/flinkctl-test-staging-XXXXXX)
export FLINKCTL_STAGING_ROOT
trap 'rm -rf "$FLINKCTL_STAGING_ROOT"' EXIT

status=0
echo "== swift test"
# One test at a time: on two cores, Flink JVMs, a KDC and embedded clusters
# running side by side made timing-sensitive tests flaky.
swift test --skip-build --no-parallel 2>&1 | tee .build/swift-test.log || status=$?
# Swift Testing prints its summary even when XCTest has nothing to run.
grep -E "^(✔|✘) Test run with" .build/swift-test.log || true

echo "== SQL runner (statement splitting, Flink's messages, one job for several INSERTs)"
deploy/sql-runner/test.sh "$(cat "$HOME/.flinkctl/flink-home")" || status=$?

echo "== fuzz campaign: random paths and JSON against every route, 120 s (tests/fuzz/README.md)"
FLINKCTL_BIN="$PWD/.build/debug/flinkctl" tests/fuzz/run.sh 120 || status=$?

echo "== python peers (yarn-api-client, curl, requests-gssapi, HdfsCLI)"
FLINKCTL_BIN="$PWD/.build/debug/flinkctl" .venv/bin/pytest -q tests/python || status=$?

exit $status
