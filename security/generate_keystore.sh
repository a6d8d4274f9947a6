#!/usr/bin/env bash
# Drop-in for a vendor's generate_keystore.sh: creates a CA and a node certificate with
# `flinkctl security keystore generate`, writes flink.keystore, flink.truststore, ca.pem and
# ca.keystore into FLINK_CONF_DIR/tls (mode 0600), and fills the security.ssl.* keys of the Flink
# configuration (config.yaml for Flink 2.x, flink-conf.yaml for 1.x), keeping the rest of the file.
#
# Usage: security/generate_keystore.sh [FLINK_CONF_DIR]
#   FLINK_CONF_DIR       default: $FLINK_CONF_DIR, then ./conf
# Environment:
#   FLINKCTL             flinkctl binary (default: flinkctl on PATH)
#   PASSWORD_FILE        keystore password, first line (default: FLINK_CONF_DIR/tls/.password,
#                        created with a random password, mode 0600, when missing)
#   VALIDITY_DAYS        node certificate validity (default 365)
#   KEY_TYPE             rsa2048 (default) or ec-p256
#   SANS                 e.g. "dns:jm.example.com,dns:tm1.example.com,ip:10.0.0.5" (default: this host, localhost, loopback)
#   FORCE=1              replace an existing keystore directory (a new CA)
# The password never appears on a command line: flinkctl reads it from the file.
set -euo pipefail

conf_dir="${1:-${FLINK_CONF_DIR:-conf}}"
flinkctl="${FLINKCTL:-flinkctl}"
tls_dir="$conf_dir/tls"
password_file="${PASSWORD_FILE:-$tls_dir/.password}"

if [[ ! -d "$conf_dir" ]]; then
    echo "generate_keystore.sh: $conf_dir is not a directory (give the Flink conf directory)" >&2
    exit 2
fi
if [[ -f "$conf_dir/config.yaml" ]]; then
    config="$conf_dir/config.yaml"
elif [[ -f "$conf_dir/flink-conf.yaml" ]]; then
    config="$conf_dir/flink-conf.yaml"
else
    config="$conf_dir/config.yaml"
fi

if [[ ! -s "$password_file" ]]; then
    mkdir -p "$(dirname "$password_file")"
    chmod 0700 "$(dirname "$password_file")"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$password_file")
    echo "generate_keystore.sh: wrote a random keystore password to $password_file (mode 0600)" >&2
fi

args=(security keystore generate --out "$tls_dir" --password-file "$password_file"
      --validity "${VALIDITY_DAYS:-365}" --key-type "${KEY_TYPE:-rsa2048}" --conf "$config")
[[ -n "${SANS:-}" ]] && args+=(--san "$SANS")
[[ "${FORCE:-0}" == 1 ]] && args+=(--force)

exec "$flinkctl" "${args[@]}"
