#!/usr/bin/env bash
# Compiles SqlRunner.java against a Flink distribution's lib/ into a jar.
#
#   deploy/sql-runner/build.sh [FLINK_HOME] [OUTPUT.jar]
#
# FLINK_HOME defaults to $FLINK_HOME, else the project's PyPI Flink
# (.venv/lib/python3.*/site-packages/pyflink); OUTPUT defaults to
# .build/sql-runner/sql-runner.jar in the repository. Rebuilds only when the
# source or this script is newer than the jar. Prints the jar's absolute path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

flink_home="${1:-${FLINK_HOME:-}}"
if [[ -z "$flink_home" ]]; then
  for d in "$repo"/.venv/lib/python3.*/site-packages/pyflink /work/main/.venv/lib/python3.*/site-packages/pyflink; do
    [[ -d "$d/lib" ]] && { flink_home="$d"; break; }
  done
fi
if [[ -z "$flink_home" || ! -d "$flink_home/lib" ]]; then
  echo "build.sh: no Flink distribution: pass FLINK_HOME (a directory with lib/*.jar) or set \$FLINK_HOME" >&2
  exit 2
fi
jar_out="${2:-$repo/.build/sql-runner/sql-runner.jar}"
mkdir -p "$(dirname "$jar_out")"
jar_out="$(cd "$(dirname "$jar_out")" && pwd)/$(basename "$jar_out")"

command -v javac >/dev/null || { echo "build.sh: javac not found (Debian: openjdk-17-jdk-headless)" >&2; exit 2; }

if [[ -f "$jar_out" && "$jar_out" -nt "$here/SqlRunner.java" && "$jar_out" -nt "$here/build.sh" ]]; then
  echo "$jar_out"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# --release 11: the jar runs on Java 11 and 17, the versions Flink 2.x supports.
javac --release 11 -nowarn -encoding UTF-8 -d "$work/classes" \
  -cp "$flink_home/lib/*" "$here/SqlRunner.java" >&2
jar --create --file "$work/sql-runner.jar" --main-class org.flinkctl.sql.SqlRunner -C "$work/classes" .
mv -f "$work/sql-runner.jar" "$jar_out"
echo "$jar_out"
