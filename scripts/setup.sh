#!/usr/bin/env bash
# Installs what flinkctl needs to build and test on Debian 12 with the Swift
# toolchain, then builds it. Safe to run again: it installs only what is missing.
#
# Each step that has work to do says so, with its time; a run with nothing
# left to do prints nothing but the build's one line.
set -euo pipefail
cd "$(dirname "$0")/.."

# step "what": announce a step; done_step: say it ended and how long it took.
step() { STEP_WHAT="$1"; STEP_START=$(date +%s); echo "setup: $1…"; }
done_step() { echo "setup: $STEP_WHAT: done in $(( $(date +%s) - STEP_START )) s"; }
# pip's download progress on a terminal; quiet in logs.
PIP_PROGRESS=(-q); [ -t 1 ] && PIP_PROGRESS=(--progress-bar on)

APT_PACKAGES=(
  pkg-config libcurl4-openssl-dev libkrb5-dev   # linked: libcurl (SPNEGO), MIT krb5
  curl tar procps python3 python3-venv          # container launch scripts, tests
  openssl openjdk-17-jdk-headless               # independent peers for PKCS#12 (openssl, keytool); Flink's JVMs
  unzip                                         # reading a job jar's manifest
  krb5-kdc krb5-admin-server krb5-user          # a real MIT KDC for the Kerberos tests; kinit/klist as peers
  gcc python3-dev                               # builds the gssapi wheel for requests-gssapi
  zookeeper                                     # JobManager HA: local start --zookeeper, the HA tests
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${#missing[@]} Debian packages (${missing[*]})"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  done_step
fi

# Python peers for the tests: pytest, yarn-api-client, requests-gssapi and
# HdfsCLI (WebHDFS); schemathesis for the fuzz campaign; in a private venv.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import yarn_api_client, pytest, requests_gssapi, hdfs, schemathesis" 2>/dev/null; then
  step "creating .venv with pytest, yarn-api-client, requests-gssapi, hdfs and schemathesis"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check pytest==9.0.3 yarn-api-client==1.0.3 requests-gssapi==1.4.0 hdfs==2.7.3 schemathesis==4.32.5
  done_step
fi

# Flink 2.3.0 from PyPI (its wheel carries the distribution's lib/, opt/ and
# plugins/), installed once per user under ~/.flinkctl/ so that it outlives
# this checkout; recorded in ~/.flinkctl/flink-home, where flinkctl looks when
# neither --flink-dist nor FLINK_HOME is given.
FLINK_TARGET="$HOME/.flinkctl/flink-2.3.0"
FLINK_DIST="$FLINK_TARGET/pyflink"
if ! ls "$FLINK_DIST"/lib/flink-dist-2.3.0.jar >/dev/null 2>&1; then
  step "downloading Flink 2.3.0 (apache-flink-libraries, about 300 MB) into $FLINK_TARGET"
  rm -rf "$FLINK_TARGET.partial"
  .venv/bin/pip install "${PIP_PROGRESS[@]}" --disable-pip-version-check --no-deps --target "$FLINK_TARGET.partial" apache-flink-libraries==2.3.0
  rm -rf "$FLINK_TARGET"
  mv "$FLINK_TARGET.partial" "$FLINK_TARGET"
  done_step
fi
mkdir -p "$HOME/.flinkctl"
echo "$FLINK_DIST" > "$HOME/.flinkctl/flink-home"

# Apache Hadoop 3.3.4's own client jars: a real peer of the embedded
# cluster's WebHDFS (`hadoop fs`, i.e. FsShell over WebHdfsFileSystem), and the
# Hadoop that the embedded cluster's node offers its containers (Flink reaches
# hdfs:// and webhdfs:// through it). They come inside PyPI's pyspark==3.5.8
# source archive (317 MB, downloaded once); only the four jars are kept, laid
# out as a Hadoop installation (share/hadoop/common/lib/), under ~/.flinkctl/,
# and recorded in ~/.flinkctl/hadoop-home, where `flinkctl local start` looks
# when no --hadoop-home is given.
HADOOP_HOME_DIR="$HOME/.flinkctl/hadoop-3.3.4"
HADOOP_LIB="$HADOOP_HOME_DIR/share/hadoop/common/lib"
HADOOP_JARS=(hadoop-client-api-3.3.4.jar hadoop-client-runtime-3.3.4.jar jcl-over-slf4j-2.0.7.jar slf4j-api-2.0.7.jar)
if ! (cd "$HADOOP_LIB" 2>/dev/null && ls "${HADOOP_JARS[@]}" >/dev/null 2>&1); then
  step "installing Apache Hadoop 3.3.4's client jars into $HADOOP_HOME_DIR (from pyspark==3.5.8's source archive, 317 MB, downloaded once)"
  DOWNLOADS="$HOME/.flinkctl/downloads"
  mkdir -p "$DOWNLOADS"
  if [ ! -f "$DOWNLOADS/pyspark-3.5.8.tar.gz" ]; then
    .venv/bin/pip download "${PIP_PROGRESS[@]}" --disable-pip-version-check --no-deps --no-binary :all: pyspark==3.5.8 -d "$DOWNLOADS.partial"
    mv "$DOWNLOADS.partial/pyspark-3.5.8.tar.gz" "$DOWNLOADS/" && rm -rf "$DOWNLOADS.partial"
  fi
  rm -rf "$HADOOP_HOME_DIR.partial"
  mkdir -p "$HADOOP_HOME_DIR.partial/share/hadoop/common/lib" "$HADOOP_HOME_DIR.partial/etc/hadoop"
  tar -xzf "$DOWNLOADS/pyspark-3.5.8.tar.gz" -C "$HADOOP_HOME_DIR.partial/share/hadoop/common/lib" --strip-components=3 \
    "${HADOOP_JARS[@]/#/pyspark-3.5.8/deps/jars/}"
  rm -rf "$HADOOP_HOME_DIR"
  mv "$HADOOP_HOME_DIR.partial" "$HADOOP_HOME_DIR"
  done_step
fi
echo "$HADOOP_HOME_DIR" > "$HOME/.flinkctl/hadoop-home"

# The Java runner that executes SQL scripts as Flink applications (built
# again only when its source changed).
RUNNER="$HOME/.flinkctl/flinkctl-sql-runner.jar"
if [ ! -f "$RUNNER" ] || [ deploy/sql-runner/SqlRunner.java -nt "$RUNNER" ] || [ deploy/sql-runner/build.sh -nt "$RUNNER" ]; then
  step "building the SQL runner jar"
  deploy/sql-runner/build.sh "$FLINK_DIST" "$RUNNER" >/dev/null
  done_step
fi

# flinkctl itself. A first build compiles about a thousand files (several
# minutes on two cores): on a terminal one line counts them; in a log every
# tenth of the way is a line. An up-to-date build prints one line.
BUILD_LOG=$(mktemp)
trap 'rm -f "$BUILD_LOG"' EXIT
STEP_START=$(date +%s)
set +e
swift build --build-tests "$@" 2>&1 | tee "$BUILD_LOG" | awk -v tty="$([ -t 1 ] && echo 1 || echo 0)" '
  /Compiling plugin|Write swift-version|Write sources/ { next }
  /^\[[0-9]+\/[0-9]+\] / {
    split(substr($1, 2, length($1) - 2), n, "/")
    if (!announced) { print "setup: building flinkctl (swift build --build-tests)…"; announced = 1 }
    if (tty) { printf "\rsetup: building: %d of %d steps", n[1], n[2]; fflush(); shown = 1 }
    else if (n[1] * 10 >= (last + 1) * n[2]) { last = int(n[1] * 10 / n[2]); printf "setup: building: %d of %d steps\n", n[1], n[2]; fflush() }
    next
  }
  /error:|warning: unreachable|^Build complete!|^error/ { if (shown) { printf "\n"; shown = 0 } print; fflush() }
'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "setup: swift build failed (exit $status); its output:" >&2
  cat "$BUILD_LOG" >&2
  exit "$status"
fi
if grep -v "Compiling plugin" "$BUILD_LOG" | grep -q "Compiling"; then echo "setup: built flinkctl in $(( $(date +%s) - STEP_START )) s"; fi
