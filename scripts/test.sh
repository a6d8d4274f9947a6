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

# Every Flink JVM the tests start (through the embedded cluster's node, as
# yarn.nodemanager.admin-env would) compiles with C1 only and collects with
# the serial collector: on two cores C2's compiler threads and the parallel
# collector compete with the jobs themselves, and the suite's Flink tests took
# a third longer (209 s against 139 s for SubmitEndToEndTests, measured here).
export FLINK_ENV_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

status=0
# Suites that start no cluster, KDC or Flink (unit tests, loopback stubs,
# keytool and openssl) run in parallel; those that start clusters, KDCs and
# Flink JVMs run one at a time: on two cores, several side by side made
# timing-sensitive tests flaky.
unit='^(ClusterCoreTests|DeployTests|CLITests|FlinkctlBaseTests|HTTPTransportTests|HadoopTests|SecurityTests)\.'
echo "== swift test: unit suites, in parallel"
start=$(date +%s)
swift test --skip-build --filter "$unit" 2>&1 | tee .build/swift-test-unit.log || status=$?
echo "unit suites: $(( $(date +%s) - start )) s"
echo "== swift test: process-level suites, one at a time"
start=$(date +%s)
swift test --skip-build --no-parallel --skip "$unit" 2>&1 | tee .build/swift-test.log || status=$?
echo "process-level suites: $(( $(date +%s) - start )) s"
# Swift Testing prints its summary even when XCTest has nothing to run.
grep -hE "^(✔|✘) Test run with" .build/swift-test-unit.log .build/swift-test.log || true

echo "== SQL runner (statement splitting, Flink's messages, one job for several INSERTs)"
deploy/sql-runner/test.sh "$(cat "$HOME/.flinkctl/flink-home")" || status=$?

echo "== fuzz campaign: random paths and JSON against every route, 120 s (tests/fuzz/README.md)"
FLINKCTL_BIN="$PWD/.build/debug/flinkctl" tests/fuzz/run.sh 120 || status=$?

echo "== python peers (yarn-api-client, curl, requests-gssapi, HdfsCLI)"
FLINKCTL_BIN="$PWD/.build/debug/flinkctl" .venv/bin/pytest -q tests/python || status=$?

exit $status
