#!/usr/bin/env bash
# Figures for Kerberos on the embedded cluster, each with a baseline from the
# same run (these machines are noisy):
#   1. creating a test realm (kdb5_util create -s, 3 principals with keytabs,
#      krb5kdc -n listening) — the cost each Kerberos test pays;
#   2. `flinkctl security kinit` from a keytab, against MIT `kinit -kt`;
#   3. `flinkctl yarn cluster --keytab … --principal …` against the Kerberized
#      cluster (login + SPNEGO + 2 requests), against the same command on a
#      simple-auth cluster;
#   4. 300 GETs from one Python requests-gssapi session: with the hadoop.auth
#      cookie reused, with SPNEGO on every request (cookies cleared), and on a
#      simple-auth cluster.
# Uses the debug build unless FLINKCTL_BIN says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${FLINKCTL_BIN:-$PWD/.build/debug/flinkctl}"
[ -x "$BIN" ] || swift build --product flinkctl >/dev/null
PY="$PWD/.venv/bin/python"
D=$(mktemp -d /tmp/flinkctl-bench-krb-XXXXXX)
KDC_PID=""
cleanup() {
  "$BIN" local stop --dir "$D/secure" >/dev/null 2>&1 || true
  "$BIN" local stop --dir "$D/simple" >/dev/null 2>&1 || true
  [ -n "$KDC_PID" ] && kill -9 "$KDC_PID" 2>/dev/null || true
  rm -rf "$D"
}
trap cleanup EXIT

REALM=FLINKCTL.BENCH
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$D/kdc.conf" <<CONF
[kdcdefaults]
 kdc_listen = 127.0.0.1:$PORT
 kdc_tcp_listen = 127.0.0.1:$PORT
[realms]
 $REALM = {
  database_name = $D/principal
  key_stash_file = $D/stash
  acl_file = $D/kadm5.acl
 }
[logging]
 kdc = FILE:$D/kdc.log
CONF
cat > "$D/krb5.conf" <<CONF
[libdefaults]
 default_realm = $REALM
 dns_lookup_kdc = false
 dns_canonicalize_hostname = false
 rdns = false
 udp_preference_limit = 1
[realms]
 $REALM = {
  kdc = 127.0.0.1:$PORT
 }
CONF
export KRB5_CONFIG="$D/krb5.conf" KRB5_KDC_PROFILE="$D/kdc.conf" KRB5CCNAME="FILE:$D/none"

now() { date +%s.%N; }
ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
median_ms() { # median wall time in ms of N runs of a command
  local n=$1; shift
  python3 - "$n" "$@" <<'PY'
import statistics, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(times):.1f}")
PY
}

T0=$(now)
printf 'm%s\nm%s\n' "$PORT" "$PORT" | kdb5_util create -s -r "$REALM" >/dev/null 2>&1
printf 'addprinc -randkey HTTP/localhost\naddprinc -randkey alice\naddprinc -randkey bob\nktadd -k %s/http.keytab HTTP/localhost\nktadd -k %s/alice.keytab alice\nktadd -k %s/bob.keytab bob\n' "$D" "$D" "$D" \
  | kadmin.local -r "$REALM" >/dev/null 2>&1
chmod 600 "$D"/*.keytab
krb5kdc -n -r "$REALM" >/dev/null 2>&1 &
KDC_PID=$!
disown "$KDC_PID"
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT),0.1)" 2>/dev/null; do sleep 0.01; done
T1=$(now)
echo "1. test realm ready (create, 3 principals + keytabs, KDC listening): $(ms "$T0" "$T1") ms"

echo "2. keytab login, median of 20: flinkctl security kinit $(median_ms 20 "$BIN" security kinit --keytab "$D/alice.keytab" --principal alice --ccache "FILE:$D/cc") ms;" \
     "MIT kinit -kt $(median_ms 20 kinit -kt "$D/alice.keytab" -c "FILE:$D/cc2" alice) ms"

"$BIN" local start --dir "$D/secure" --port 0 --kerberos --keytab "$D/http.keytab" --principal "HTTP/localhost@$REALM" >/dev/null
"$BIN" local start --dir "$D/simple" --port 0 >/dev/null
SECURE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$D/secure/cluster.json")
SIMPLE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$D/simple/cluster.json")
echo "3. flinkctl yarn cluster, median of 20: Kerberized with --keytab $(median_ms 20 "$BIN" yarn cluster --rm "$SECURE" --keytab "$D/alice.keytab" --principal alice) ms;" \
     "simple auth $(median_ms 20 "$BIN" yarn cluster --rm "$SIMPLE") ms"

KRB5CCNAME="FILE:$D/cc2" "$PY" - "$SECURE" "$SIMPLE" <<'PY'
import sys, time, requests
from requests_gssapi import HTTPSPNEGOAuth
secure, simple = sys.argv[1], sys.argv[2]
def rate(url, auth=None, clear=False, n=300):
    s = requests.Session()
    s.auth = auth
    s.get(url + "/ws/v1/cluster/info").raise_for_status()
    t = time.perf_counter()
    for _ in range(n):
        if clear:
            s.cookies.clear()
        s.get(url + "/ws/v1/cluster/info").raise_for_status()
    return n / (time.perf_counter() - t)
print(f"4. requests/s from one requests-gssapi session: hadoop.auth cookie reused {rate(secure, HTTPSPNEGOAuth()):.0f}; "
      f"SPNEGO on every request {rate(secure, HTTPSPNEGOAuth(), clear=True):.0f}; simple auth {rate(simple):.0f}")
PY
