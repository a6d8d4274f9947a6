#!/usr/bin/env bash
# Benchmark: `flinkctl security keystore generate` against
#   (a) the keytool command sequence that produces the same two files (a CA, a node key pair signed by
#       it, flink.keystore with the chain, flink.truststore with the CA as trusted entry), and
#   (b) the floor: two bare key generations with `openssl genpkey` (a CA key and a node key).
# for RSA-2048 and EC P-256, side by side in one run, and prints medians and ratios.
#
# Usage: scripts/bench-keystore.sh [REPS] [KEYTOOL_REPS]     (defaults 9 and 3)
#   FLINKCTL=path   binary to measure (default: the release build, built by scripts/build-release.sh)
# Not a timed test: numbers depend on the machine and its load; RSA key generation has a wide spread.
set -euo pipefail

reps="${1:-9}"
keytool_reps="${2:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# The release build as it ships (scripts/build-release.sh), unless FLINKCTL names another.
flinkctl="${FLINKCTL:-$("$root/scripts/build-release.sh")}"
[[ -x "$flinkctl" ]] || { echo "bench-keystore.sh: no flinkctl binary at $flinkctl (swift build first)" >&2; exit 2; }
command -v keytool > /dev/null || { echo "bench-keystore.sh: keytool not found" >&2; exit 2; }
command -v openssl > /dev/null || { echo "bench-keystore.sh: openssl not found" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pw="$work/password"
echo "bench-password-1" > "$pw"
chmod 600 "$pw"

# Runs "$@" once; appends "wall cpu" seconds to the file named by $result.
measure() {
    local out
    out="$( { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2>&1; } 2>&1 )"
    awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }' <<< "$out" >> "$result"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

flinkctl_generate() {  # key type
    rm -rf "$work/f"
    "$flinkctl" security keystore generate --out "$work/f" --password-file "$pw" --key-type "$1" \
        --san dns:node1.example.com,dns:localhost,ip:127.0.0.1
}

keytool_sequence() {  # keyalg args...
    local d="$work/k"
    rm -rf "$d" && mkdir -p "$d"
    local common=(-storetype PKCS12 -storepass:file "$pw")
    keytool -genkeypair -alias ca -dname "CN=bench CA,O=flinkctl" "$@" -validity 3650 -ext bc:c=ca:true,pathlen:0 \
        -ext ku:c=keyCertSign,cRLSign -keystore "$d/ca.keystore" "${common[@]}"
    keytool -exportcert -rfc -alias ca -keystore "$d/ca.keystore" "${common[@]}" -file "$d/ca.pem"
    keytool -genkeypair -alias flink -dname "CN=node1.example.com,O=flinkctl" "$@" -validity 365 \
        -keystore "$d/flink.keystore" "${common[@]}"
    keytool -certreq -alias flink -keystore "$d/flink.keystore" "${common[@]}" -file "$d/node.csr"
    keytool -gencert -rfc -alias ca -keystore "$d/ca.keystore" "${common[@]}" -infile "$d/node.csr" -outfile "$d/node.pem" \
        -validity 365 -ext SAN=dns:node1.example.com,dns:localhost,ip:127.0.0.1 -ext EKU=serverAuth,clientAuth
    cat "$d/node.pem" "$d/ca.pem" > "$d/chain.pem"
    keytool -importcert -alias flink -file "$d/chain.pem" -keystore "$d/flink.keystore" "${common[@]}" -noprompt
    keytool -importcert -alias ca -file "$d/ca.pem" -keystore "$d/flink.truststore" "${common[@]}" -noprompt
}

openssl_floor() {  # genpkey args...
    openssl genpkey "$@" -out "$work/k1.pem"
    openssl genpkey "$@" -out "$work/k2.pem"
}

declare -A wall cpu
run_case() {  # name reps command...
    local name="$1" n="$2"
    shift 2
    result="$work/$name.times"
    : > "$result"
    for ((i = 0; i < n; i++)); do measure "$@"; done
    wall[$name]="$(cut -d' ' -f1 "$result" | median)"
    cpu[$name]="$(cut -d' ' -f2 "$result" | median)"
}

# Check once that the keytool sequence really yields the two files, listed as keytool would.
keytool_sequence -keyalg EC -groupname secp256r1 > /dev/null 2>&1
keytool -list -keystore "$work/k/flink.keystore" -storetype PKCS12 -storepass:file "$pw" | grep -q PrivateKeyEntry
keytool -list -keystore "$work/k/flink.truststore" -storetype PKCS12 -storepass:file "$pw" | grep -q trustedCertEntry

# Warm-up (page cache, JIT-free binaries): not counted.
flinkctl_generate ec-p256 > /dev/null
openssl_floor -algorithm EC -pkeyopt ec_paramgen_curve:P-256

for kind in rsa ec; do
    if [[ $kind == rsa ]]; then
        run_case flinkctl-rsa "$reps" flinkctl_generate rsa2048
        run_case openssl-rsa "$reps" openssl_floor -algorithm RSA -pkeyopt rsa_keygen_bits:2048
        run_case keytool-rsa "$keytool_reps" keytool_sequence -keyalg RSA -keysize 2048
    else
        run_case flinkctl-ec "$reps" flinkctl_generate ec-p256
        run_case openssl-ec "$reps" openssl_floor -algorithm EC -pkeyopt ec_paramgen_curve:P-256
        run_case keytool-ec "$keytool_reps" keytool_sequence -keyalg EC -groupname secp256r1
    fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

echo "flinkctl: $flinkctl"
echo "machine: $(nproc) cores, $(uname -sr); reps: $reps (flinkctl, openssl), $keytool_reps (keytool); medians"
printf '%-42s %10s %10s\n' "command" "wall s" "cpu s"
for kind in rsa ec; do
    printf '%-42s %10s %10s\n' "flinkctl keystore generate ($kind)" "${wall[flinkctl-$kind]}" "${cpu[flinkctl-$kind]}"
    printf '%-42s %10s %10s\n' "keytool sequence, 7 calls ($kind)" "${wall[keytool-$kind]}" "${cpu[keytool-$kind]}"
    printf '%-42s %10s %10s\n' "2 x openssl genpkey ($kind)" "${wall[openssl-$kind]}" "${cpu[openssl-$kind]}"
done
echo
for kind in rsa ec; do
    echo "$kind: flinkctl / openssl floor = $(ratio "${wall[flinkctl-$kind]}" "${wall[openssl-$kind]}")x wall;" \
        "keytool / flinkctl = $(ratio "${wall[keytool-$kind]}" "${wall[flinkctl-$kind]}")x wall, $(ratio "${cpu[keytool-$kind]}" "${cpu[flinkctl-$kind]}")x cpu"
done
