#!/usr/bin/env bash
# Renews Flink's TLS certificates when they are about to expire; safe to run from cron.
#
# Usage: security/renew-certificates.sh TLS_DIR [WARN_DAYS]
#   TLS_DIR     the directory `flinkctl security keystore generate` wrote (flink.keystore, flink.truststore,
#               ca.pem, ca.keystore)
#   WARN_DAYS   renew what expires within this many days (default 30)
# Environment:
#   FLINKCTL        flinkctl binary (default: flinkctl on PATH)
#   PASSWORD_FILE   keystore password, first line (default: TLS_DIR/.password)
#   LOG_FILE        append the log here as well as to stderr
#   POST_RENEW_HOOK command run after a renewal
#   REDEPLOY_SAVEPOINT_DIR  after a renewal, every Flink deployment with a RUNNING job on the cluster
#                   (FLINKCTL_RM, HADOOP_CONF_DIR or the embedded one) is redeployed with
#                   `flinkctl redeploy NAME --savepoint DIR`: stopped with a savepoint and started from
#                   it, so its JVMs load the new certificates without losing state
#
# Exit codes, for monitoring:
#   0  nothing expires within WARN_DAYS
#   1  certificates were renewed (Flink must be restarted or redeployed to use them)
#   2  a file is unreadable (wrong password, damaged), or renewal failed: a person must look
# Example crontab line:
#   17 3 * * * /opt/flinkctl/security/renew-certificates.sh /opt/flink/conf/tls 30 || mail -s "flink TLS" ops@example.com < /dev/null
set -uo pipefail

tls_dir="${1:?usage: renew-certificates.sh TLS_DIR [WARN_DAYS]}"
warn_days="${2:-30}"
flinkctl="${FLINKCTL:-flinkctl}"
password_file="${PASSWORD_FILE:-$tls_dir/.password}"

log() {
    local line
    line="$(date -u +%Y-%m-%dT%H:%M:%SZ) renew-certificates: $*"
    echo "$line" >&2
    if [[ -n "${LOG_FILE:-}" ]]; then echo "$line" >> "$LOG_FILE"; fi
}

# One run at a time: cron may start the next before a slow one ends.
exec 9> "$tls_dir/.renew.lock" || { log "cannot create $tls_dir/.renew.lock"; exit 2; }
if ! flock -n 9; then
    log "another renewal is running in $tls_dir; skipping"
    exit 0
fi

files=("$tls_dir/flink.keystore" "$tls_dir/flink.truststore" "$tls_dir/ca.pem")
report="$("$flinkctl" security cert check --warn-days "$warn_days" --password-file "$password_file" --output json "${files[@]}")"
status=$?
case $status in
    0)
        log "all certificates in $tls_dir are valid for more than $warn_days days"
        exit 0
        ;;
    1 | 2)
        if grep -q '"state" : "unreadable"' <<< "$report"; then
            log "cannot read a file in $tls_dir (wrong password or damaged file); not renewing"
            grep '"error"' <<< "$report" >&2
            exit 2
        fi
        ;;
    *)
        log "flinkctl security cert check failed with exit code $status"
        exit 2
        ;;
esac

log "a certificate in $tls_dir expires within $warn_days days (or has expired); renewing"
if ! output="$("$flinkctl" security cert renew "$tls_dir" --password-file "$password_file" --warn-days "$warn_days" 2>&1)"; then
    log "renewal failed: $output"
    exit 2
fi
log "$output"

if ! "$flinkctl" security cert check --warn-days "$warn_days" --password-file "$password_file" "${files[@]}" > /dev/null; then
    log "certificates still expire within $warn_days days after renewal (is --validity shorter than WARN_DAYS?)"
    exit 2
fi
if [[ -n "${REDEPLOY_SAVEPOINT_DIR:-}" ]]; then
    if ! running="$("$flinkctl" list --output json | python3 -c 'import json, sys; print("\n".join(r["name"] for r in json.load(sys.stdin) if r.get("jobState") == "RUNNING"))')"; then
        log "cannot list Flink deployments to redeploy"
        exit 2
    fi
    for name in $running; do
        log "redeploying $name with a savepoint in $REDEPLOY_SAVEPOINT_DIR"
        if ! out="$("$flinkctl" redeploy "$name" --savepoint "$REDEPLOY_SAVEPOINT_DIR" 2>&1)"; then
            log "redeploy of $name failed: $out"
            exit 2
        fi
        log "$out"
    done
fi
if [[ -n "${POST_RENEW_HOOK:-}" ]]; then
    log "running POST_RENEW_HOOK"
    if ! bash -c "$POST_RENEW_HOOK"; then
        log "POST_RENEW_HOOK failed"
        exit 2
    fi
fi
exit 1
