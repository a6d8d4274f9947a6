#!/usr/bin/env python3
"""The fuzz campaign's set-up and checks, called by run.sh.

  setup ROOT DIR WORK        canaries, secrets and WORK/manifest.json
  snapshot ROOT DIR OUT      the fuzz root outside the cluster's own subtrees
  alive URL [SECONDS]        GET /ws/v1/cluster/info answered 200 in time?
  watchdog WORK LIMIT_MB     kills the daemon (WORK/daemon.pid) past LIMIT_MB resident
  reap ROOT                  kills processes left running in ROOT (containers)
  report WORK ROOT DIR ST_RC prints one "CHECK PASS|FAIL name: detail" line per check

The secrets never reach the fuzzers: the env secret only the daemon's
environment (through WORK/env-secret, read by cluster.sh), the file secret only
its file; `report` is what looks for them, in every recorded answer body and
in every file under DIR/logs.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzsafety as fs  # noqa: E402

OLD_TIME = 981173106  # 2001-02-03: a canary whose mtime moves was touched


def setup(root: str, cluster_dir: str, work: str) -> int:
    os.makedirs(cluster_dir, exist_ok=True)
    tag = secrets.token_hex(4)
    victims = []

    def canary(path: str, text: str, mode: int = 0o644) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        os.utime(path, (OLD_TIME, OLD_TIME))
        return path

    markers = []
    for rel in (f"outside-canary-{tag}.txt", f"canary-dir-{tag}/nested-canary-{tag}.txt"):
        marker = f"FLINKCTL-FUZZ-CANARY-{secrets.token_hex(8)}"
        markers.append(marker)
        victims.append(canary(os.path.join(root, rel), f"{marker}\nA canary of the fuzz campaign: nothing may read or change it.\n"))
    victims.append(os.path.join(root, f"canary-dir-{tag}"))
    marker = f"FLINKCTL-FUZZ-CANARY-{secrets.token_hex(8)}"
    markers.append(marker)
    victims.append(canary(os.path.join(cluster_dir, f"beside-store-canary-{tag}.txt"), f"{marker}\nBeside the store, in DIR.\n"))
    os.utime(os.path.join(root, f"canary-dir-{tag}"), (OLD_TIME, OLD_TIME))

    file_secret = "FLINKCTL-FILE-SECRET-" + secrets.token_hex(16)
    secret_file = canary(os.path.join(root, f"secret-canary-{tag}.key"), file_secret + "\n", 0o600)
    env_secret = secrets.token_hex(16)
    for name, value in (("env-secret", env_secret), ("file-secret", file_secret)):
        p = os.path.join(work, name)
        with open(p, "w") as f:
            f.write(value)
        os.chmod(p, 0o600)
    manifest = {
        "root": root, "dir": cluster_dir, "store": os.path.join(cluster_dir, "hdfs"),
        "victims": victims, "secret_file": secret_file, "markers": markers,
        "env_secret_name": "FLINKCTL_FUZZ_SECRET", "pid_file": os.path.join(work, "daemon.pid"),
    }
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return 0


def snapshot(root: str, cluster_dir: str, out: str) -> int:
    with open(out, "w") as f:
        json.dump(fs.snapshot(root, cluster_dir), f)
    return 0


def alive(url: str, seconds: float = 1.0) -> bool:
    try:
        t0 = time.monotonic()
        with urllib.request.urlopen(url.rstrip("/") + "/ws/v1/cluster/info", timeout=seconds) as r:
            ok = r.status == 200 and b"clusterInfo" in r.read()
        return ok and time.monotonic() - t0 <= seconds
    except Exception:
        return False


def rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def watchdog(work: str, limit_mb: int) -> int:
    """Keeps a runaway daemon from eating the machine: SIGKILL past limit_mb."""
    log = os.path.join(work, "watchdog.log")
    stop = os.path.join(work, "watchdog.stop")
    t_end = time.monotonic() + 3600
    while not os.path.exists(stop) and time.monotonic() < t_end:
        try:
            with open(os.path.join(work, "daemon.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pid = 0
        if pid > 0:
            mb = rss_mb(pid)
            if mb > limit_mb:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
                with open(log, "a") as f:
                    f.write(f"killed the cluster process {pid}: {mb} MB resident, over {limit_mb} MB\n")
        time.sleep(0.1)
    return 0


def reap(root: str) -> int:
    """Kills, by pid, the processes the campaign's cluster left in ROOT (its
    containers, in their own sessions, outlive a killed cluster process)."""
    me = {os.getpid(), os.getppid()}
    root = os.path.realpath(root)
    for _ in range(3):
        found = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) in me:
                continue
            try:
                cwd = os.readlink(f"/proc/{d}/cwd")
            except OSError:
                continue
            if cwd == root or cwd.startswith(root + "/"):
                found.append(int(d))
        if not found:
            return 0
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.2)
    return 0


# ----------------------------------------------------------------------------- report

class Report:
    def __init__(self):
        self.lines = []

    def check(self, ok: bool, name: str, detail: str = ""):
        print(f"CHECK {'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def report(work: str, root: str, cluster_dir: str, st_rc: str) -> int:
    rep = Report()
    # --- the path/JSON fuzzer
    summ_path = os.path.join(work, "fuzz_paths.json")
    try:
        with open(summ_path) as f:
            summ = json.load(f)
    except (OSError, ValueError):
        summ = None
    if summ is None:
        rep.check(False, "path/JSON fuzzer finished", "no summary (it crashed or was killed: see its output above)")
    else:
        fails = summ["failures"]

        def of(*kinds):
            return [f for f in fails if f["kind"] in kinds]

        def show(fl):
            return "; ".join(f"{f['request']['method']} {f['request']['target'][:160]} -> "
                             f"{(f['answer'] or {}).get('status')}" for f in fl[:5]) + (f" (+{len(fl) - 5} more)" if len(fl) > 5 else "")

        rep.check(summ["requests"] > 0, "path/JSON fuzzer sent requests", f"{summ['requests']} requests, seed {summ['seed']}")
        f5 = of("5xx")
        rep.check(not f5, "no 5xx answer (path/JSON fuzzer)", f"{len(f5)}: {show(f5)}" if f5 else "")
        fh = of("hang", "crash")
        rep.check(not fh, "server never died or hung (path/JSON fuzzer)", f"{len(fh)}: " + "; ".join(
            f"[{f['kind']}] {f['request']['method']} {f['request']['target'][:160]} body={str(f['request']['body'])[:160]!r}"
            for f in fh[:5]) if fh else "")
        ft = of("traversal-read", "traversal-list", "traversal-stat")
        rep.check(not ft, "no read outside the store (path fuzzer)", f"{len(ft)}: {show(ft)}" if ft else "")
        fw = of("escape-write")
        rep.check(not fw, "no write outside the store (path fuzzer)", f"{len(fw)}: " + "; ".join(
            f"{f['request']['method']} {f['request']['target'][:160]}: {f['note'][:200]}" for f in fw[:5]) if fw else "")

    # --- schemathesis
    st_records = []
    for line in _read(os.path.join(work, "st-responses.jsonl")).splitlines():
        try:
            st_records.append(json.loads(line))
        except ValueError:
            pass
    if st_rc == "skipped":
        rep.check(False, "schemathesis ran", "skipped: no time left or no server")
    else:
        rep.check(bool(st_records), "schemathesis sent requests", f"{len(st_records)} recorded")
        rep.check(st_rc == "0", "schemathesis run passed (not_a_server_error, no errors)", f"exit code {st_rc}" if st_rc != "0" else "")
        s5 = [r for r in st_records if (r.get("status") or 0) >= 500]
        rep.check(not s5, "no 5xx answer (schemathesis)", f"{len(s5)}: " + "; ".join(
            f"{r['method']} {r['url'][:200]} -> {r['status']} {str(r.get('body'))[:160]!r}" for r in s5[:5]) if s5 else "")
        se = [r for r in st_records if r.get("error")]
        rep.check(not se, "no connection failure (schemathesis)", f"{len(se)}: " + "; ".join(
            f"{r['method']} {r['url'][:200]}: {r['error'][:120]}" for r in se[:5]) if se else "")

    # --- the cluster's own log: a Swift trap (overflow, force unwrap, …) leaves its trace there
    log = _read(os.path.join(cluster_dir, "logs", "cluster.log")).decode("utf-8", "replace").splitlines()
    traps = []
    for i, ln in enumerate(log):
        if ln.lstrip(" *").startswith(("Swift runtime failure", "Fatal error")):
            where = ""
            for j in range(i, min(i + 400, len(log))):
                if log[j].rstrip().endswith("crashed:"):
                    where = next((" ".join(x.split()) for x in log[j + 1:j + 12] if " at /" in x and "runtime failure" not in x), "")
                    break
            traps.append(ln.strip(" *") + (f" ({where})" if where else ""))
    rep.check(not traps, "no runtime failure in the cluster's log", f"{len(traps)}: " + "; ".join(traps[:3]) if traps else "")

    # --- the daemon's memory
    wd = _read(os.path.join(work, "watchdog.log")).decode(errors="replace").strip()
    rep.check(not wd, "cluster process stayed under the memory limit", wd.splitlines()[0] if wd else "")

    # --- the file system outside the store
    try:
        with open(os.path.join(work, "baseline.json")) as f:
            before = json.load(f)
        with open(os.path.join(work, "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        rep.check(False, "baseline snapshot", str(e))
        return 0
    after = fs.snapshot(root, cluster_dir)
    canary_rel = {os.path.relpath(p, root) for p in manifest["victims"] + [manifest["secret_file"]]}
    changed = [c for c in fs.diff({k: v for k, v in before.items() if k in canary_rel},
                                  {k: v for k, v in after.items() if k in canary_rel})]
    rep.check(not changed, "canaries outside the store unchanged (content, mtime, mode)", "; ".join(changed[:10]))
    dir_rel = os.path.relpath(cluster_dir, root)
    outside = [c for c in fs.diff(before, after) if c.split(" ", 1)[1].split(" (")[0] not in canary_rel]
    in_root = [c for c in outside if not c.split(" ", 1)[1].startswith(dir_rel + "/")]
    in_dir = [c for c in outside if c.split(" ", 1)[1].startswith(dir_rel + "/")]
    rep.check(not in_root, "nothing new or changed beside DIR (the fuzz root's listing)", "; ".join(in_root[:10]))
    rep.check(not in_dir, "nothing new or changed in DIR outside hdfs/, containers/, logs/, filecache/, state",
              "; ".join(in_dir[:10]))

    # --- the secrets
    env_secret = _read(os.path.join(work, "env-secret")).strip()
    file_secret = _read(os.path.join(work, "file-secret")).strip()
    bodies = [os.path.join(work, "bodies.bin"), os.path.join(work, "st-bodies.bin")]
    logs = []
    for dirpath, _, files in os.walk(os.path.join(cluster_dir, "logs")):
        logs += [os.path.join(dirpath, f) for f in files]

    def where(secret: bytes, paths: list[str]) -> list[str]:
        hits = []
        for p in paths:
            try:
                with open(p, "rb") as f:
                    prev = b""
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        if secret in prev[-len(secret):] + chunk:
                            hits.append(p)
                            break
                        prev = chunk
            except OSError:
                pass
        return hits

    for label, secret in (("daemon's environment secret", env_secret), ("secret canary file", file_secret)):
        if not secret:
            rep.check(False, f"{label} set up", "missing")
            continue
        hb = where(secret, bodies)
        rep.check(not hb, f"{label} in no response body", "found in " + ", ".join(os.path.basename(h) for h in hb) if hb else "")
        hl = where(secret, logs)
        rep.check(not hl, f"{label} in no file under DIR/logs",
                  "found in " + ", ".join(os.path.relpath(h, cluster_dir) for h in hl[:5]) if hl else "")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "setup":
        return setup(*rest)
    if cmd == "snapshot":
        return snapshot(*rest)
    if cmd == "alive":
        return 0 if alive(rest[0], float(rest[1]) if len(rest) > 1 else 1.0) else 1
    if cmd == "watchdog":
        return watchdog(rest[0], int(rest[1]))
    if cmd == "reap":
        return reap(rest[0])
    if cmd == "report":
        return report(*rest)
    print(f"checks.py: unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
