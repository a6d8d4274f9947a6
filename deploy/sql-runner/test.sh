#!/usr/bin/env bash
# Tests of the SQL runner: the splitter (no Flink job), a statement Flink
# rejects (exit 2, Flink's message, no stack trace), and a two-INSERT script
# with SET and ${NAME} that runs as one job on a local mini-cluster (exit 0).
#
#   deploy/sql-runner/test.sh [FLINK_HOME]      # about 15 s
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
jar="$("$here/build.sh" "${1:-}" "$work/sql-runner.jar")"
flink_home="${1:-${FLINK_HOME:-}}"
if [[ -z "$flink_home" ]]; then
  for d in "$here"/../../.venv/lib/python3.*/site-packages/pyflink /work/main/.venv/lib/python3.*/site-packages/pyflink; do
    [[ -d "$d/lib" ]] && { flink_home="$d"; break; }
  done
fi
java17_opts=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  --add-exports=java.base/sun.net.util=ALL-UNNAMED)
runner=(java "${java17_opts[@]}" -cp "$flink_home/lib/*:$jar" org.flinkctl.sql.SqlRunner)
failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

"${runner[@]}" --split "$here/testdata/tricky.sql" > "$work/split.out"
check "splitter: quotes, comments, empty statements, no final semicolon" \
  'diff -u "$here/testdata/tricky.expected" "$work/split.out"'

status=0
"${runner[@]}" "$here/testdata/bad-column.sql" > "$work/bad.out" 2> "$work/bad.err" || status=$?
check "rejected statement: exit 2 (got $status)" '[[ $status -eq 2 ]]'
check "rejected statement: where and Flink's message" \
  'grep -q "statement 3 (line 4) was rejected by Flink" "$work/bad.err" && grep -q "Column .b. not found" "$work/bad.err"'
check "rejected statement: no stack trace" '! grep -q "^[[:space:]]*at [a-z]" "$work/bad.err"'

status=0
"${runner[@]}" "$here/testdata/ok.sql" ROWS=5 > "$work/ok.out" 2> "$work/ok.err" || status=$?
check "two INSERTs, one job: exit 0 (got $status)" '[[ $status -eq 0 ]]'
check "two INSERTs, one job: one submission" 'grep -q "submitted with 2 INSERT(s)" "$work/ok.out" && grep -q "finished" "$work/ok.out"'

status=0
"${runner[@]}" "$here/testdata/ok.sql" > "$work/novar.out" 2> "$work/novar.err" || status=$?
check "missing \${ROWS}: exit 2 and says which" '[[ $status -eq 2 ]] && grep -q "no value for \${ROWS}" "$work/novar.err"'

[[ $failures -eq 0 ]] && echo "all passed" || { echo "$failures failed"; exit 1; }
