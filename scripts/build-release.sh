#!/usr/bin/env bash
# Builds the release flinkctl the way it ships and benchmarks measure it:
# Swift runtime and Foundation linked statically (SwiftPM's
# --static-swift-stdlib; Package.swift adds -no-pie), so a command does not
# bind thousands of symbols in shared libraries at every start.
# Builds flinkctl and flinkctl-container (what runs in containers); prints
# flinkctl's path.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib "$@" >&2
echo "$PWD/.build/release/flinkctl"
