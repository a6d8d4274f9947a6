#!/usr/bin/env python3
"""Path and JSON-body fuzzer for flinkctl's embedded YARN cluster.

Sends raw, un-normalised requests (its own HTTP/1.1 over a socket, so that
`..%2F`, overlong UTF-8, backslashes and raw UTF-8 reach the server exactly as
written) to 127.0.0.1 only:

* phase "paths": random paths made of `..`, `.`, `%2F`, `%252F`, `%00`,
  `%2e%2e`, overlong UTF-8, backslashes, very long and unicode names, mixed with
  the store's real directories and with targets outside the store (the fuzz
  root's canary files, `etc/passwd`, `proc/self/environ`), against every
  WebHDFS op (GETFILESTATUS, LISTSTATUS, OPEN, MKDIRS, CREATE with and without
  `datanode=true`, RENAME with a fuzzed `destination`, DELETE recursive), with
  and without `user.name`; plus the same kind of path under /ws/v1/node,
  /ws/v1/cluster/apps and /app/v1/services (reads only).
* phase "json": seeded, mutated JSON bodies (truncated, deeply nested, huge
  and negative numbers, wrong types, very long strings, `{{VAR}}`
  self-references, bodies over the server's limit) POSTed/PUT to every
  ResourceManager and Services route, and fuzzed query parameters.
* phase "harvest": reads back every container's logs (a `{{VAR}}` expansion
  of the daemon's environment would show there).

Failures: any 5xx; a request not answered in --request-timeout seconds; the
server dead or hung afterwards (then the cluster is restarted with
--restart-cmd, at most --max-restarts times); a read answered with what lies
outside the store (canary content, a listing or a stat of an outside path);
any change in the fuzz root outside the store after a request (a write that
escaped). Each is printed with the request that caused it. A connection the
server closed without an answer while it stays healthy is counted, not failed.

Writes are only sent with paths that fuzzsafety.WriteGuard accepts (they
cannot leave the fuzz root whatever the server does with them), and container
commands in bodies are reduced to `echo …` (fuzzsafety.sanitize_body).

Every response body is appended to OUT/bodies.bin (for the secret-canary
scan), every request to OUT/requests.jsonl, the summary to OUT/fuzz_paths.json.
The seed is printed; FUZZ_SEED=N (or --seed N) replays the same choices.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import random
import re
import select
import socket
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzsafety as fs  # noqa: E402

# ============================================================================ HTTP


@dataclass
class Resp:
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    timed_out: bool = False
    elapsed: float = 0.0


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        j = data.find(b"\r\n", i)
        if j < 0:
            break
        try:
            n = int(data[i:j].split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += data[j + 2:j + 2 + n]
        i = j + 2 + n + 2
    return bytes(out)


def _complete(raw: bytes) -> bool:
    """Whether `raw` holds a whole HTTP answer (so a server that keeps the
    connection open after it does not make us wait)."""
    sep = raw.find(b"\r\n\r\n")
    if sep < 0:
        return False
    head = raw[:sep].lower()
    body = raw[sep + 4:]
    if head.startswith(b"http/1.1 1"):  # 100 Continue and friends: more to come
        return _complete(body)
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        k = k.strip()
        if k == b"content-length":
            try:
                return len(body) >= int(v.strip())
            except ValueError:
                return False
        if k == b"transfer-encoding" and b"chunked" in v:
            return body.endswith(b"0\r\n\r\n")
    status = head.split(b" ", 2)[1:2]
    return status in ([b"204"], [b"304"])


def http(host: str, port: int, method: str, target: bytes, body: bytes | None = None,
         headers: list[tuple[str, str]] | None = None, timeout: float = 10.0, max_read: int = 8 << 20) -> Resp:
    """One request on a fresh connection (Connection: close), the target sent
    byte for byte. Reads while it writes, as curl does: an early answer (413
    before the whole body is sent) is taken and the rest of the body dropped."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    r = Resp()
    try:
        s = socket.create_connection((host, port), timeout=min(3.0, timeout))
    except OSError as e:
        r.error = f"connect: {e.__class__.__name__}: {e}"
        r.elapsed = time.monotonic() - t0
        return r
    data = bytearray()
    try:
        hdrs = [("Host", f"{host}:{port}"), ("User-Agent", "flinkctl-fuzz"), ("Connection", "close")]
        hdrs += headers or []
        if body is not None:
            hdrs.append(("Content-Length", str(len(body))))
        head = method.encode() + b" " + target + b" HTTP/1.1\r\n"
        head += b"".join(k.encode() + b": " + v.encode("utf-8", "surrogateescape") + b"\r\n" for k, v in hdrs) + b"\r\n"
        out = memoryview(head + (body or b""))
        sent = 0
        s.setblocking(False)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                r.timed_out = True
                break
            rl, wl, _ = select.select([s], [s] if sent < len(out) else [], [], min(left, 1.0))
            if rl:
                try:
                    chunk = s.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    chunk = None
                except ConnectionResetError:
                    break
                if chunk == b"":
                    break
                if chunk:
                    data += chunk
                    if len(data) > max_read or _complete(bytes(data)):
                        break
            if wl:
                try:
                    sent += s.send(out[sent:sent + (1 << 18)])
                except (BlockingIOError, InterruptedError):
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    sent = len(out)  # the server stopped reading: its answer may follow
    except OSError as e:
        r.error = f"{e.__class__.__name__}: {e}"
    finally:
        s.close()
    r.elapsed = time.monotonic() - t0
    raw = bytes(data)
    if raw.lower().startswith(b"http/1.1 100"):
        raw = raw[raw.find(b"\r\n\r\n") + 4:]
    sep = raw.find(b"\r\n\r\n")
    if sep < 0:
        if not r.timed_out and r.error is None:
            r.error = "connection closed without an answer" if not raw else f"unparsable answer {raw[:80]!r}"
        return r
    lines = raw[:sep].split(b"\r\n")
    try:
        r.status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        r.error = f"bad status line {lines[0][:80]!r}"
        return r
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        r.headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    rest = raw[sep + 4:]
    if "chunked" in r.headers.get("transfer-encoding", "").lower():
        rest = _dechunk(rest)
    elif "content-length" in r.headers:
        try:
            rest = rest[:int(r.headers["content-length"])]
        except ValueError:
            pass
    r.body = rest
    return r


# ============================================================================ vocabulary

DOTDOT = ["..", "..", "..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e", "%c0%ae%c0%ae",
          "%e0%80%ae%e0%80%ae", "%EF%BC%8E%EF%BC%8E", "\uff0e\uff0e"]
SEP = ["/", "/", "%2F", "%2F", "%2f", "%252F", "%25252F", "%c0%af", "%e0%80%af", "\\", "%5C", "%5c",
       "%2F%2F", "%EF%BC%8F", "\uff0f"]
SPECIAL = [".", "%2e", "%00", "%00.txt", "..%00", "%", "%zz", "%%", "%3F", "%23", "%20", "+", "~", ";", ";x=1",
           ".webhdfs-x", "*", "%22", "%27", "%0a", "%0d%0a", "%ff", "%c3", "%c0%80", "%7F", "a:b", "%3A",
           "CON", "...", "....", ".%00.", "%2e%00%2e", "%u002e%u002e", "%%32%65", "%252e"]
UNICODE = ["\u00fc", "\u65e5\u672c\u8a9e", "\U0001F642", "\u202e", "e\u0301", "\ufeff", "\u03a9", "\u0130",
           "\u2215", "\u2044", "\uff0e", "\U0010FFFF", "\u200b", "\ud7ff"]
READ_TARGETS = ["etc/passwd", "etc/hostname", "proc/self/environ", "proc/self/cmdline", "etc"]
REAL_DIRS = ["", "fuzz", "fuzz/a", "fuzz/a/b"]
REAL_NAMES = ["fuzz", "a", "b", "file.txt", "inner.txt", "user", "tmp"]
# "{owner}" is the store's owner (the cluster's Unix user, HDFS's superuser),
# who may write anywhere; "fuzz" is an ordinary user.
USER_NAMES = ["{owner}"] * 7 + ["fuzz"] * 2 + ["root", "hdfs", "a%00b", "..%2F..", "%2e%2e", "x" * 300, "%E2%80%AE", "%3Cscript%3E",
                              "fuzz%26user.name%3Dother", "", "%20"]
PERMISSIONS = ["755", "644", "0", "000", "1777", "7777", "9999", "-1", "abc", "01777", "17777", "%00", "0o755",
               "777777777777777777777", "%2e"]
INTERESTING_NUMBERS = [0, -1, 1, 2, 9223372036854775807, 9223372036854775808, -9223372036854775808,
                       -9223372036854775809, 2 ** 64, 10 ** 30, 2147483647, 2147483648, -2147483649, 9223372036854776,
                       9223372036854775, 1.5, -0.0, 1e308]
INTERESTING_STRINGS = ["", "0", "-1", "9223372036854775807", "9223372036854775807G", "9223372036854775807Gi",
                       "9007199254740993M", "-9223372036854775808", "1e400", "NaN", "KILLED", "STOPPED", "STARTED",
                       "FLEX", "RUNNING", "\u0000", "\u00fc\U0001F642", "{{A}}", "{{FLINKCTL_FUZZ_SECRET}}",
                       "<LOG_DIR>", "<CPS>", "{{", "}}{{", "{{{{A}}}}", "..", "../../etc/passwd", "/etc/passwd",
                       "hdfs:///../../secret", "hdfs:///fuzz/file.txt", "file:///etc/hostname", "%2e%2e%2f"]
FIELD_NAMES = ["application-id", "application-name", "queue", "priority", "am-container-spec", "unmanaged-AM",
               "max-app-attempts", "resource", "application-type", "application-tags", "memory", "vCores",
               "name", "version", "description", "lifetime", "components", "configuration", "state", "quicklinks",
               "number_of_containers", "launch_command", "restart_policy", "artifact", "env", "files", "cpus",
               "dependencies", "kerberos_principal", "user", "id", "launch_time", "containers"]


# ============================================================================ the fuzzer


class Stop(Exception):
    pass


class Fuzzer:
    def __init__(self, args):
        self.args = args
        with open(args.manifest) as f:
            self.m = json.load(f)
        self.rng = random.Random(args.seed)
        self.set_url(args.url)
        self.root = self.m["root"]
        self.dir = self.m["dir"]
        self.store = self.m["store"]
        protected = fs.excluded_in_dir(self.dir) + [self.m["secret_file"]]
        protected = [p for p in protected if posixpath.normpath(p) != posixpath.normpath(self.store)]
        self.guard = fs.WriteGuard(self.root, self.dir, self.store, self.m["victims"], protected)
        self.markers = [m.encode() for m in self.m["markers"]] + [b"root:x:0:0:"]
        self.unique_names = {os.path.basename(p) for p in self.m["victims"] + [self.m["secret_file"]]}
        self.unique_names |= {"cluster.json", "cluster.lock"}
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.req_log = open(os.path.join(self.out, "requests.jsonl"), "a")
        self.bodies = open(os.path.join(self.out, "bodies.bin"), "ab")
        self.count = 0
        self.by_status: dict[str, int] = {}
        self.failures: list[dict] = []
        self.dropped: list[dict] = []
        self.restarts = 0
        self.dead = False
        self.t_start = time.monotonic()
        self.deadline = self.t_start + args.duration
        self.snap = fs.snapshot(self.root, self.dir)
        self.mark_log()
        self.apps: list[str] = []
        self.services: dict[str, list[str]] = {}
        self.containers: set[str] = set()
        self.phase = "setup"
        self.harness_errors: list[str] = []
        try:
            import pwd
            self.owner = pwd.getpwuid(os.geteuid()).pw_name
        except Exception:
            self.owner = "root"

    # ------------------------------------------------------------------ plumbing

    def set_url(self, url: str):
        u = urlsplit(url)
        if u.hostname not in ("127.0.0.1", "localhost", "::1") or u.scheme != "http":
            raise SystemExit(f"fuzz_paths: refusing to send traffic to {url}: loopback http only")
        self.host = "127.0.0.1" if u.hostname == "localhost" else u.hostname
        self.port = u.port
        self.url = url

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def alive(self, timeout: float = 3.0) -> bool:
        r = http(self.host, self.port, "GET", b"/ws/v1/cluster/info", timeout=timeout)
        return r.status == 200

    def daemon_pid_alive(self) -> bool | None:
        try:
            with open(self.m["pid_file"]) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    return False
        except OSError:
            return False
        return True

    def log_path(self) -> str:
        return os.path.join(self.dir, "logs", "cluster.log")

    def mark_log(self):
        try:
            self.log_offset = os.path.getsize(self.log_path())
        except OSError:
            self.log_offset = 0

    def crash_report(self) -> str:
        """What the cluster's log says since the last (re)start about a crash:
        a Swift runtime failure and the first frames of the thread that crashed.
        (Swift's backtracer keeps a crashing process alive for a while.)"""
        text = ""
        for _ in range(10):  # the backtracer writes the reason last
            time.sleep(0.5)
            try:
                with open(self.log_path(), "rb") as f:
                    f.seek(self.log_offset)
                    text = f.read(1 << 20).decode("utf-8", "replace")
            except OSError:
                return ""
            if "*** Signal" not in text or "runtime failure" in text or "Fatal error" in text:
                break
        lines = text.splitlines()
        why = [ln.strip(" *") for ln in lines if ln.lstrip(" *").startswith(("Swift runtime failure", "Fatal error"))]
        why = why or [ln.strip(" *") for ln in lines if ln.startswith("*** Signal")]
        if not why:
            return ""
        frames = []
        for i, ln in enumerate(lines):
            if ln.rstrip().endswith("crashed:"):
                frames = [re.sub(r"\s+", " ", x.strip()) for x in lines[i + 1:i + 12] if " at /" in x][:3]
                break
        return "; ".join(why[-1:] + frames)

    @staticmethod
    def show_target(target: bytes) -> str:
        s = target.decode("utf-8", "backslashreplace")
        return s if len(s) <= 400 else s[:300] + f"…[{len(s)} chars]…" + s[-60:]

    @staticmethod
    def show_body(body: bytes | None) -> str | None:
        if body is None:
            return None
        s = body[:300].decode("utf-8", "backslashreplace")
        return s + (f"…[{len(body)} bytes]" if len(body) > 300 else "")

    def fail(self, kind: str, method: str, target: bytes, body: bytes | None, resp: Resp | None, note: str = ""):
        rec = {
            "kind": kind, "phase": self.phase, "n": self.count,
            "request": {"method": method, "target": self.show_target(target),
                        "body": self.show_body(body), "body_bytes": None if body is None else len(body)},
            "answer": None if resp is None else {
                "status": resp.status, "error": resp.error, "timed_out": resp.timed_out,
                "seconds": round(resp.elapsed, 2), "body": self.show_body(resp.body)},
            "note": note,
        }
        self.failures.append(rec)
        if len(self.failures) > self.args.print_failures:
            if len(self.failures) == self.args.print_failures + 1:
                print(f"fuzz_paths: (more failures: see fuzz_paths.json)", flush=True)
            return
        ans = rec["answer"] or {}
        print(f"fuzz_paths: FAILURE [{kind}] #{self.count} {method} {rec['request']['target']}"
              + (f" body={rec['request']['body']!r}" if body is not None else "")
              + f" -> status={ans.get('status')} error={ans.get('error')} timed_out={ans.get('timed_out')}"
              + (f" answer={ans.get('body')!r}" if ans.get("body") else "")
              + (f" ({note})" if note else ""), flush=True)

    def recover(self, why: str):
        if self.restarts >= self.args.max_restarts or not self.args.restart_cmd or self.time_left() < 3:
            print(f"fuzz_paths: server {why}; no restart left, stopping", flush=True)
            self.dead = True
            raise Stop()
        self.restarts += 1
        print(f"fuzz_paths: server {why}; restarting the cluster ({self.restarts}/{self.args.max_restarts})", flush=True)
        try:
            p = subprocess.run(self.args.restart_cmd, shell=True, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            self.dead = True
            raise Stop()
        url = (p.stdout.strip().splitlines() or [""])[-1].strip()
        if p.returncode != 0 or not url.startswith("http"):
            print(f"fuzz_paths: restart failed: {p.stderr.strip()[-400:]}", flush=True)
            self.dead = True
            raise Stop()
        self.set_url(url)
        self.mark_log()
        self.snap = fs.snapshot(self.root, self.dir)
        self.seed_store()

    def call(self, method: str, target: bytes, body: bytes | None, headers) -> tuple[Resp, bool]:
        """The request, in a thread: when it has no answer after --stall-check
        seconds and GET /ws/v1/cluster/info gets none either, the server is
        stuck as a whole and is not waited for any longer."""
        box: dict = {}

        def run():
            box["r"] = http(self.host, self.port, method, target, body, headers, timeout=self.args.request_timeout)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(self.args.stall_check)
        if t.is_alive():
            t0 = time.monotonic()
            if not self.alive(3.0) and t.is_alive():
                waited = self.args.stall_check + (time.monotonic() - t0)
                return Resp(timed_out=True, elapsed=waited,
                            error=f"no answer after {waited:.0f} s, and none to GET /ws/v1/cluster/info either"), True
            t.join()
        return box.get("r") or Resp(error="no result"), False

    def send(self, method: str, target: str | bytes, body: bytes | None = None,
             headers: list[tuple[str, str]] | None = None, write: bool = False) -> Resp:
        if self.dead:
            raise Stop()
        if isinstance(target, str):
            target = target.encode("utf-8", "surrogateescape")
        self.count += 1
        r, stuck = self.call(method, target, body, headers)
        key = str(r.status) if r.status is not None else ("timeout" if r.timed_out else "error")
        self.by_status[key] = self.by_status.get(key, 0) + 1
        self.req_log.write(json.dumps({"n": self.count, "phase": self.phase, "method": method,
                                       "target": self.show_target(target), "body_bytes": None if body is None else len(body),
                                       "status": r.status, "error": r.error, "timed_out": r.timed_out,
                                       "ms": int(r.elapsed * 1000)}) + "\n")
        if r.body:
            self.bodies.write(r.body[:1 << 20] + b"\n")
        if r.status is not None and r.status >= 500:
            self.fail("5xx", method, target, body, r)
        if r.timed_out or r.status is None:
            if not stuck and self.alive():
                if r.timed_out:
                    self.fail("hang", method, target, body, r,
                              f"no answer within {self.args.request_timeout:g} s; the server still answers other calls")
                else:
                    self.dropped.append({"method": method, "target": self.show_target(target), "error": r.error})
            else:
                pid_alive = self.daemon_pid_alive()
                trap = self.crash_report()
                kind = "crash" if pid_alive is False or trap else "hang"
                note = ("the cluster process died" if pid_alive is False
                        else "the cluster process is crashing" if trap
                        else "the server stopped answering GET /ws/v1/cluster/info")
                if trap:
                    note += ": " + trap
                self.fail(kind, method, target, body, r, note)
                self.recover(note)
                return r
        if write or method not in ("GET", "HEAD"):
            after = fs.snapshot(self.root, self.dir)
            changes = fs.diff(self.snap, after)
            if changes:
                self.fail("escape-write", method, target, body, r, "outside the store: " + "; ".join(changes[:8]))
                self.snap = after
        return r

    # ------------------------------------------------------------------ store seeds

    def seed_store(self):
        r = http(self.host, self.port, "GET", b"/webhdfs/v1/?op=GETFILESTATUS")
        try:
            self.owner = json.loads(r.body)["FileStatus"]["owner"] or self.owner
        except Exception:
            pass
        u = quote(self.owner, safe="")
        for d in ("fuzz/a/b", "user/fuzz", "tmp"):
            http(self.host, self.port, "PUT", f"/webhdfs/v1/{d}?op=MKDIRS&permission=777&user.name={u}".encode())
        for f in ("fuzz/file.txt", "fuzz/a/inner.txt"):
            http(self.host, self.port, "PUT", f"/webhdfs/v1/{f}?op=CREATE&overwrite=true&datanode=true&user.name={u}".encode(),
                 body=b"seed file of the fuzz campaign\n")

    # ------------------------------------------------------------------ path generation

    def sep(self) -> str:
        return self.rng.choice(SEP)

    def join(self, parts: list[str], style_sep: str | None = None) -> str:
        out = ""
        for i, p in enumerate(parts):
            if i:
                out += style_sep if style_sep is not None and self.rng.random() < 0.7 else self.sep()
            out += p
        return out

    def enc_path(self, path: str, style_sep: str | None = None) -> str:
        return self.join([p for p in path.split("/") if p], style_sep)

    def long_name(self) -> str:
        n = self.rng.choice([255, 256, 1024, 4096, 8192, 10000])
        alphabet = self.rng.choice(["A", "abcdefghij", "%41", ".", "\u00fc"])
        s = ""
        while len(s) < n:
            s += alphabet if len(alphabet) > 1 and alphabet != "abcdefghij" else self.rng.choice(alphabet)
        return s[:n]

    def unicode_name(self) -> str:
        name = "".join(self.rng.choice(UNICODE) for _ in range(self.rng.randint(1, 4)))
        mode = self.rng.random()
        if mode < 0.5:
            return quote(name.encode("utf-8", "surrogatepass"), safe="")
        if mode < 0.8:
            return name  # raw UTF-8 in the request line
        return quote(name.encode("utf-16-le", "surrogatepass"), safe="")  # not UTF-8 at all

    def traversal_tail(self, target_abs: str) -> str:
        pre = self.rng.choice(REAL_DIRS)
        pre_parts = [p for p in pre.split("/") if p]
        rel = posixpath.relpath(target_abs, self.store)
        parts = rel.split("/")
        ups = 0
        while ups < len(parts) and parts[ups] == "..":
            ups += 1
        rest = parts[ups:]
        extra = self.rng.randint(0, 3) if not target_abs.startswith(self.root) else 0
        dot = self.rng.choice(DOTDOT)
        style = self.sep()
        dots = [dot if self.rng.random() < 0.8 else self.rng.choice(DOTDOT) for _ in range(ups + len(pre_parts) + extra)]
        return self.join(pre_parts + dots + rest, style)

    def absolute_tail(self, target_abs: str) -> str:
        style = self.sep()
        lead = self.rng.choice(["%2F", "%2F", "%252F", "/", "%5C", "%c0%af", "%2F%2F"])
        return lead + self.enc_path(target_abs, style)

    def soup_tail(self) -> str:
        n = self.rng.randint(1, 8)
        toks = []
        for _ in range(n):
            c = self.rng.random()
            if c < 0.25:
                toks.append(self.rng.choice(DOTDOT))
            elif c < 0.45:
                toks.append(self.rng.choice(REAL_NAMES))
            elif c < 0.7:
                toks.append(self.rng.choice(SPECIAL))
            elif c < 0.85:
                toks.append(self.unicode_name())
            else:
                toks.append(self.rng.choice(READ_TARGETS))
        out = ""
        for t in toks:
            out += t + (self.sep() if self.rng.random() < 0.8 else "")
        return out

    def outside_targets(self) -> list[str]:
        return self.m["victims"] + [self.m["secret_file"], self.dir + "/cluster.json"]

    def random_tail(self) -> tuple[str, str]:
        c = self.rng.random()
        if c < 0.40:
            if self.rng.random() < 0.6:
                t = self.rng.choice(self.outside_targets())
            else:
                t = "/" + self.rng.choice(READ_TARGETS)
            return self.traversal_tail(t), "traversal"
        if c < 0.55:
            t = self.rng.choice(self.outside_targets() + ["/" + x for x in READ_TARGETS])
            return self.absolute_tail(t), "absolute"
        if c < 0.80:
            return self.soup_tail(), "soup"
        if c < 0.90:
            return self.join([self.rng.choice(["fuzz", "tmp"]), self.long_name()] +
                             ([self.long_name()] if self.rng.random() < 0.2 else [])), "long"
        return self.join([self.rng.choice(REAL_NAMES), self.unicode_name()]), "unicode"

    def query(self, op: str, extra: list[tuple[str, str]]) -> str:
        params = [("op", op if self.rng.random() < 0.9 else self.rng.choice([op.lower(), op.title(), op + "%00", op + " ", ""]))]
        r = self.rng.random()
        if r < 0.8:
            params.append(("user.name", self.rng.choice(USER_NAMES).replace("{owner}", quote(self.owner, safe=""))))
        params += extra
        self.rng.shuffle(params)
        q = "&".join(f"{k}={v}" for k, v in params)
        if self.rng.random() < 0.03:
            q += "&op=" + self.rng.choice(["OPEN", "DELETE", "GETFILESTATUS"])
        return q

    # ------------------------------------------------------------------ path phase

    def path_request(self):
        tail, how = self.random_tail()
        prefix = "/webhdfs/v1/"
        if self.rng.random() < 0.04:
            prefix = self.rng.choice(["/webhdfs/v1//", "/webhdfs%2Fv1/", "//webhdfs/v1/", "/webhdfs/v1/%2e/",
                                      "/%2e%2e/webhdfs/v1/", "/webhdfs/v1/.%2F", "/WEBHDFS/v1/"])
        ops = ["GETFILESTATUS", "LISTSTATUS", "OPEN", "MKDIRS", "CREATE", "CREATE", "RENAME", "DELETE"]
        op = self.rng.choice(ops)
        write = op in ("MKDIRS", "CREATE", "RENAME", "DELETE")
        extra: list[tuple[str, str]] = []
        dest_tail = None
        if write:
            # Judge the whole path after /webhdfs/v1/, odd prefixes included.
            full_tail = prefix[len("/webhdfs/v1/"):] + tail if prefix.startswith("/webhdfs/v1/") else None
            if full_tail is None or not self.guard.path_ok(full_tail):
                op, write = self.rng.choice(["GETFILESTATUS", "LISTSTATUS", "OPEN"]), False
            elif op == "RENAME":
                dt, _ = self.random_tail()
                dest_tail = dt
                if not self.guard.path_ok(dt) or fs.dotdot_count(dt) > 2:
                    dest_tail = self.rng.choice(["fuzz/renamed", "tmp/r" + str(self.rng.randint(0, 99))])
                extra.append(("destination", "/" + dest_tail))
        if op == "OPEN":
            if self.rng.random() < 0.7:
                extra.append(("datanode", "true"))
            if self.rng.random() < 0.1:
                extra.append(("offset", self.rng.choice(["-1", "9223372036854775807", "0"])))
        elif op == "MKDIRS" and self.rng.random() < 0.5:
            extra.append(("permission", self.rng.choice(PERMISSIONS)))
        elif op == "CREATE":
            if self.rng.random() < 0.6:
                extra.append(("datanode", "true"))
            if self.rng.random() < 0.5:
                extra.append(("overwrite", self.rng.choice(["true", "false", "TRUE", "1"])))
            if self.rng.random() < 0.3:
                extra.append(("permission", self.rng.choice(PERMISSIONS)))
        elif op == "DELETE":
            extra.append(("recursive", "true" if self.rng.random() < 0.85 else "false"))
        method = {"GETFILESTATUS": "GET", "LISTSTATUS": "GET", "OPEN": "GET", "MKDIRS": "PUT", "CREATE": "PUT",
                  "RENAME": "PUT", "DELETE": "DELETE"}[op]
        if write and op == "RENAME" and dest_tail is not None:
            # The destination is a query value: the server decodes it (maybe twice).
            if not self.guard.path_ok(dest_tail):
                return
        target = prefix + tail + "?" + self.query(op, extra)
        body = None
        if op == "CREATE":
            body = self.rng.choice([b"", b"fuzz-create\n", os.urandom(self.rng.randint(1, 64))])
        r = self.send(method, target, body=body, write=write)
        if r.status is not None and 200 <= r.status < 300 and not write:
            self.check_read(op, tail, target.encode("utf-8", "surrogateescape"), r, "datanode=true" in target)

    def check_read(self, op: str, tail: str, target: bytes, r: Resp, on_datanode: bool):
        for mk in self.markers:
            if mk in r.body:
                self.fail("traversal-read", "GET", target, None, r, "the answer holds a canary marker of a file outside the store")
                return
        outside = [t for t in fs.candidate_targets(self.store, tail)
                   if not fs._within(t, self.store) and os.path.lexists(t)]
        if not outside:
            return
        if op == "OPEN" and on_datanode:
            for t in outside:
                try:
                    if os.path.isfile(t) and not t.startswith("/proc/"):
                        with open(t, "rb") as f:
                            content = f.read(1 << 20)
                        if content and content == r.body:
                            self.fail("traversal-read", "GET", target, None, Resp(status=r.status, elapsed=r.elapsed),
                                      f"the answer is the content of {t} ({len(content)} bytes), outside the store")
                            return
                except OSError:
                    pass
        if op == "LISTSTATUS":
            try:
                names = {e.get("pathSuffix") for e in json.loads(r.body)["FileStatuses"]["FileStatus"]}
            except Exception:
                return
            hit = names & self.unique_names
            if hit:
                self.fail("traversal-list", "GET", target, None, r, f"the listing names {sorted(hit)}, outside the store")
        if op == "GETFILESTATUS":
            try:
                st = json.loads(r.body)["FileStatus"]
            except Exception:
                return
            for t in outside:
                try:
                    ls = os.lstat(t)
                except OSError:
                    continue
                isdir = os.path.isdir(t) and not os.path.islink(t)
                same_type = (st.get("type") == "DIRECTORY") == isdir
                if same_type and st.get("modificationTime") == ls.st_mtime_ns // 1_000_000 and (
                        isdir or st.get("length") == ls.st_size):
                    self.fail("traversal-stat", "GET", target, None, r, f"the status is that of {t}, outside the store")
                    return

    def other_prefix_request(self):
        tail, _ = self.random_tail()
        prefix = self.rng.choice(["/ws/v1/node/containerlogs/", "/ws/v1/node/containerlogs/container_1_0001_01_000001/",
                                  "/node/containerlogs/", "/ws/v1/cluster/apps/", "/ws/v1/cluster/nodes/",
                                  "/app/v1/services/", "/app/v1/services/fuzz/component-instances/",
                                  "/ws/v1/cluster/apps/application_1_0001/",
                                  "/ws/v1/node/containers/", "/ws/v1/applicationhistory/containers/",
                                  "/ws/v1/applicationhistory/containerlogs/", "/ws/v1/applicationhistory/apps/",
                                  "/ws/v1/applicationhistory/apps/application_1_0001/appattempts/"])
        if self.containers and "containerlogs/" in prefix and self.rng.random() < 0.5:
            base = "/ws/v1/applicationhistory/containerlogs/" if "applicationhistory" in prefix else "/ws/v1/node/containerlogs/"
            prefix = f"{base}{self.rng.choice(sorted(self.containers))}/"
        q = "?user.name=fuzz" if self.rng.random() < 0.5 else ""
        r = self.send("GET", prefix + tail + q)
        if r.status is not None and 200 <= r.status < 300:
            for mk in self.markers:
                if mk in r.body:
                    self.fail("traversal-read", "GET", (prefix + tail).encode("utf-8", "surrogateescape"), None, r,
                              "the answer holds a canary marker of a file outside the store")

    def guarded(self, fn):
        """One generated request; a bug of the fuzzer itself is reported, not fatal."""
        try:
            fn()
        except Stop:
            raise
        except Exception:
            self.harness_errors.append(traceback.format_exc(limit=4))
            if len(self.harness_errors) <= 3:
                print(f"fuzz_paths: fuzzer error (not a server failure):\n{self.harness_errors[-1]}", flush=True)
            if len(self.harness_errors) > 50:
                raise Stop()

    def run_paths(self, until: float, max_req: int):
        self.phase = "paths"
        start = self.count
        while time.monotonic() < until and self.count - start < max_req:
            if self.rng.random() < 0.12:
                self.guarded(self.other_prefix_request)
            else:
                self.guarded(self.path_request)

    # ------------------------------------------------------------------ JSON phase

    def new_app_id(self) -> str | None:
        r = self.send("POST", "/ws/v1/cluster/apps/new-application?user.name=fuzz")
        try:
            return json.loads(r.body)["application-id"]
        except Exception:
            return None

    def seed_objects(self):
        for i, (policy, cmd) in enumerate((("ALWAYS", "sleep 20"), ("NEVER", "true"))):
            name = f"fz{self.args.seed % 100000}s{i}"
            body = {"name": name, "version": "1.0", "lifetime": 600,
                    "components": [{"name": "c", "number_of_containers": 1, "launch_command": cmd,
                                    "resource": {"cpus": 1, "memory": "64"}, "restart_policy": policy}],
                    "configuration": {"env": {"FZ": "1"}}}
            r = self.send("POST", "/app/v1/services?user.name=fuzz", json.dumps(body).encode(),
                          [("Content-Type", "application/json")])
            if r.status in (200, 202):
                self.services[name] = ["c"]
        app = self.new_app_id()
        if app:
            r = self.send("POST", "/ws/v1/cluster/apps?user.name=fuzz", json.dumps(self.app_seed(app)).encode(),
                          [("Content-Type", "application/json")])
            if r.status == 202:
                self.apps.append(app)

    def app_seed(self, app_id: str) -> dict:
        return {"application-id": app_id, "application-name": "fuzz-app", "queue": "default",
                "application-type": "YARN", "max-app-attempts": 1, "priority": 0,
                "resource": {"memory": 64, "vCores": 1},
                "am-container-spec": {
                    "commands": {"command": "echo fuzz-am <LOG_DIR>"},
                    "environment": {"entry": [{"key": "FUZZ", "value": "1"}]},
                    "local-resources": {"entry": []}},
                "application-tags": {"tag": ["fuzz"]}}

    def service_seed(self, name: str) -> dict:
        return {"name": name, "version": "1.0", "lifetime": 300, "queue": "default",
                "components": [{"name": "c", "number_of_containers": 1, "launch_command": "echo svc {{FZ}}",
                                "resource": {"cpus": 1, "memory": "64"}, "restart_policy": "NEVER"}],
                "configuration": {"env": {"FZ": "1"}}, "quicklinks": {"ui": "http://${NM_HOST}/x"}}

    def interesting(self):
        c = self.rng.random()
        if c < 0.4:
            return self.rng.choice(INTERESTING_NUMBERS)
        if c < 0.75:
            return self.rng.choice(INTERESTING_STRINGS)
        if c < 0.85:
            return "A" * self.rng.choice([1000, 70000, 300000])
        if c < 0.9:
            return self.rng.choice([True, False, None])
        return self.rng.choice([[], {}, [1, "a", None], {"a": {"b": [1]}}, {"entry": {"key": "A", "value": "{{A}}"}}])

    def all_paths(self, obj, path=()):
        yield path
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield from self.all_paths(v, path + (k,))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                yield from self.all_paths(v, path + (i,))

    @staticmethod
    def get_at(obj, path):
        for p in path:
            obj = obj[p]
        return obj

    def mutate(self, obj):
        for _ in range(self.rng.randint(1, 3)):
            paths = list(self.all_paths(obj))
            path = self.rng.choice(paths)
            c = self.rng.random()
            if not path:
                if c < 0.1:
                    return self.interesting()
                continue
            parent = self.get_at(obj, path[:-1])
            key = path[-1]
            if c < 0.45:
                parent[key] = self.interesting()
            elif c < 0.6 and isinstance(parent, dict):
                del parent[key]
            elif c < 0.7 and isinstance(parent, dict):
                parent[self.rng.choice(FIELD_NAMES)] = self.interesting()
            elif c < 0.8:
                v = parent[key]
                parent[key] = self.rng.choice([[v], {"value": v}, str(v), None])
            elif c < 0.9:
                # targeted: the numbers the server multiplies or counts with
                target = self.rng.choice(["lifetime", "number_of_containers", "memory", "cpus", "vCores",
                                          "max-app-attempts", "priority", "launch_time"])
                tgt = parent if isinstance(parent, dict) else obj
                if isinstance(tgt, dict):
                    tgt[target] = self.rng.choice([9223372036854775807, 9223372036854776, 9223372036854775,
                                                   -9223372036854775808, -2, 0, 10001, 2 ** 63, "9223372036854775807G",
                                                   "9007199254740993Gi", "9223372036854775807"])
        return obj

    def env_attack(self, body: dict, route: str):
        choice = self.rng.choice([
            {"A": "{{A}}"}, {"A": "{{B}}", "B": "{{A}}"}, {"A": "x{{A}}"}, {"A": "{{A}}{{A}}"},
            {"A": "{{FLINKCTL_FUZZ_SECRET}}"}, {"A": "{{"}, {"A": "}}{{A"}, {"A": "{{{{A}}}}"},
            {"A": "{{HOME}}{{PATH}}"}, {"A": "<LOG_DIR>{{A}}"}, {"A": "{{ A }}"}])
        cmd = self.rng.choice(["echo {{A}}", "echo {{FLINKCTL_FUZZ_SECRET}}", "echo <LOG_DIR> {{A}}", "echo {{B}}"])
        if route == "app":
            spec = body.get("am-container-spec") if isinstance(body, dict) else None
            if isinstance(body, dict) and not isinstance(spec, dict):
                spec = body["am-container-spec"] = {}
            if isinstance(spec, dict):
                spec["environment"] = {"entry": [{"key": k, "value": v} for k, v in choice.items()]}
                spec["commands"] = {"command": cmd}
        elif isinstance(body, dict):
            if not isinstance(body.get("configuration"), dict):
                body["configuration"] = {}
            body["configuration"]["env"] = dict(choice)
            comps = body.get("components")
            for c in comps if isinstance(comps, list) else []:
                if isinstance(c, dict):
                    c["launch_command"] = cmd

    def serialize(self, obj) -> tuple[bytes, str]:
        c = self.rng.random()
        text = json.dumps(obj, ensure_ascii=self.rng.random() < 0.5)
        if c < 0.80:
            return text.encode(), "json"
        if c < 0.86:
            b = text.encode()
            return b[:self.rng.randint(0, max(0, len(b) - 1))], "truncated"
        if c < 0.90:
            n = self.rng.choice([100, 1000, 10000, 100000, 1000000])
            kind = self.rng.random()
            if kind < 0.5:
                return b"[" * n + b"1" + b"]" * n, f"nested-arrays-{n}"
            return b'{"a":' * n + b"1" + b"}" * n, f"nested-objects-{n}"
        if c < 0.94:
            b = bytearray(text.encode())
            for _ in range(self.rng.randint(1, 4)):
                if b:
                    b[self.rng.randrange(len(b))] = self.rng.choice(b'{}[]":,0\\\x00\xff')
            return bytes(b), "flipped"
        if c < 0.96:
            if text.startswith("{") and len(text) > 2:
                return (text[:-1] + ', "name": 1, "name": "x"}').encode(), "duplicate-keys"
            return text.encode(), "json"
        if c < 0.98:
            return self.rng.choice([b"", b"null", b"[]", b"\"x\"", b"1e400", b"{\"lifetime\": 1e400}",
                                    b"\xff\xfe{\x00}\x00", b"{\"state\": \"KILLED\"", b"-"]), "odd"
        return text.encode("utf-16"), "utf-16"

    def json_request(self):
        c = self.rng.random()
        user = "?user.name=fuzz" if self.rng.random() < 0.88 else ""
        hdrs = [("Content-Type", self.rng.choice(["application/json"] * 8 + ["text/plain", "application/xml"]))]
        route, method, target, body_obj = None, None, None, None
        if c < 0.20:
            app = (self.new_app_id() if self.rng.random() < 0.6 else None) or self.rng.choice(
                (self.apps or ["application_1_0001"]) + ["application_0_0000", "application_x", "", "../../etc"])
            route, method, target = "app", "POST", "/ws/v1/cluster/apps" + user
            body_obj = self.app_seed(app)
        elif c < 0.25:
            route, method, target = "new", "POST", "/ws/v1/cluster/apps/new-application" + user
            body_obj = {"x": 1}
        elif c < 0.35:
            app = self.rng.choice((self.apps or ["application_1_0001"]) + ["application_9_9999"])
            route, method, target = "state", "PUT", f"/ws/v1/cluster/apps/{app}/state" + user
            body_obj = {"state": self.rng.choice(["KILLED", "KILLED", "RUNNING", "FINISHED", ""])}
        elif c < 0.55:
            name = self.rng.choice([f"fz{self.rng.randint(0, 10 ** 6)}", "Bad_Name", "a" * 64, "", "fz-ok"])
            route, method, target = "service", "POST", "/app/v1/services" + user
            body_obj = self.service_seed(name)
        elif c < 0.70:
            name = self.rng.choice(sorted(self.services) or ["fz-none"])
            route, method, target = "service-put", "PUT", f"/app/v1/services/{name}" + user
            body_obj = self.rng.choice([{"state": "STOPPED"}, {"state": "STARTED"}, {"lifetime": 120},
                                        {"state": "FLEX", "components": [{"name": "c", "number_of_containers": 2}]},
                                        {"name": name, "lifetime": 60}])
        elif c < 0.80:
            name = self.rng.choice(sorted(self.services) or ["fz-none"])
            comp = self.rng.choice(self.services.get(name, ["c"]) + ["nope"])
            route, method, target = "flex", "PUT", f"/app/v1/services/{name}/components/{comp}" + user
            body_obj = {"name": comp, "number_of_containers": self.rng.choice([0, 1, 2])}
        elif c < 0.82:
            name = self.rng.choice(sorted(self.services) or ["fz-none"])
            self.send("DELETE", f"/app/v1/services/{name}" + user)
            self.services.pop(name, None)
            return
        elif c < 0.95:
            self.query_request()
            return
        else:
            meth = self.rng.choice(["PATCH", "OPTIONS", "HEAD", "TRACE", "DELETE", "POST", "PUT"])
            path = self.rng.choice(["/ws/v1/cluster/info", "/ws/v1/cluster/apps", "/app/v1/services/version",
                                    "/ws/v1/cluster/nodes", "/app/v1/services", "/ws/v1/cluster/metrics"])
            self.send(meth, path + user, body=b"{}" if meth in ("POST", "PUT", "PATCH") else None)
            return

        if self.rng.random() < 0.85:
            body_obj = self.mutate(body_obj)
        if self.rng.random() < 0.2 and route in ("app", "service", "service-put"):
            self.env_attack(body_obj, "app" if route == "app" else "service")
        body_obj = fs.sanitize_body(body_obj)
        if self.big_left > 0 and self.rng.random() < 0.02:
            self.big_left -= 1
            pad = "A" * (17 * 1024 * 1024)
            body = (json.dumps(body_obj if isinstance(body_obj, dict) else {"v": body_obj})[:-1]
                    + (", " if isinstance(body_obj, dict) and body_obj else "") + '"padding": "' + pad + '"}').encode()
            how = "huge-17MiB"
        else:
            body, how = self.serialize(body_obj)
        r = self.send(method, target, body, hdrs)
        if route == "app" and r.status == 202 and isinstance(body_obj, dict):
            aid = body_obj.get("application-id")
            if isinstance(aid, str):
                self.apps.append(aid)
        if route == "service" and r.status in (200, 202) and isinstance(body_obj, dict) and isinstance(body_obj.get("name"), str):
            comps = [c.get("name") for c in body_obj.get("components") or [] if isinstance(c, dict) and isinstance(c.get("name"), str)]
            self.services[body_obj["name"]] = comps or ["c"]

    def query_request(self):
        c = self.rng.random()
        big = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-1", "0", "abc", "", "1e3",
               "%00", "99999999999999999999999", "1", "%2d1"]
        if c < 0.4:
            params = []
            for name, vals in (("limit", big), ("states", ["RUNNING,ACCEPTED", "NOPE", ",,,", "%00", "running", "A" * 5000]),
                               ("user", ["fuzz", "%00", "A" * 5000]), ("queue", ["default", "..", "%2F"]),
                               ("applicationTypes", ["YARN,yarn-service", ",", "%E2%80%AE"]),
                               ("state", ["KILLED"]), ("finishedTimeBegin", big)):
                if self.rng.random() < 0.4:
                    params.append(f"{name}={self.rng.choice(vals)}")
            self.send("GET", "/ws/v1/cluster/apps?" + "&".join(params))
        elif c < 0.6 and self.containers:
            cid = self.rng.choice(sorted(self.containers))
            f = self.rng.choice(["stdout", "stderr", "launch_container.sh", "..", "%2e%2e", "..%2F..%2Fcluster.json",
                                 "%2Fetc%2Fpasswd", "stdout%00"])
            self.send("GET", f"/ws/v1/node/containerlogs/{cid}/{f}?start={self.rng.choice(big)}")
        elif c < 0.8:
            nid = self.rng.choice(["127.0.0.1:8041", "%00", "..", "A" * 5000, "x:99999999999999999999"])
            self.send("GET", f"/ws/v1/cluster/nodes/{nid}")
        else:
            name = self.rng.choice(sorted(self.services) + ["..", "%2e%2e", "A" * 5000, "%00", "version%2F..%2F"])
            self.send("GET", f"/app/v1/services/{name}" + self.rng.choice(["", "/component-instances"]))

    def run_probes(self, until: float):
        """Known ways in, each sent once before the random bodies: the daemon's
        environment through {{VAR}}, bodies over the limit, the numbers the
        server multiplies, self-referencing {{VAR}}. The ones that may kill or
        hang the server come last (a restart follows each)."""
        self.phase = "json-probes"
        ct = [("Content-Type", "application/json")]
        pad = "A" * (17 * 1024 * 1024)

        def app_body(env: dict, cmd: str, **extra) -> bytes | None:
            app = self.new_app_id()
            if not app:
                return None
            b = self.app_seed(app)
            b["am-container-spec"]["environment"] = {"entry": [{"key": k, "value": v} for k, v in env.items()]}
            b["am-container-spec"]["commands"] = {"command": cmd}
            b.update(extra)
            return json.dumps(fs.sanitize_body(b)).encode()

        def svc_body(**over) -> bytes:
            b = self.service_seed(f"fzp{self.rng.randint(0, 10 ** 6)}")
            b.update(over)
            return json.dumps(fs.sanitize_body(b)).encode()

        def post_app(body):
            if body is not None:
                r = self.send("POST", "/ws/v1/cluster/apps?user.name=fuzz", body, ct)
                if r.status == 202:
                    self.apps.append(json.loads(body)["application-id"])

        svc = sorted(self.services)[0] if self.services else "fz-none"
        probes = [
            lambda: post_app(app_body({"S": "{{FLINKCTL_FUZZ_SECRET}}"}, "echo env {{S}} cmd {{FLINKCTL_FUZZ_SECRET}}")),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz",
                              svc_body(configuration={"env": {"S": "{{FLINKCTL_FUZZ_SECRET}}"}},
                                       components=[{"name": "c", "number_of_containers": 1, "restart_policy": "NEVER",
                                                    "launch_command": "echo {{S}} {{FLINKCTL_FUZZ_SECRET}}",
                                                    "resource": {"cpus": 1, "memory": "64"}}]), ct),
            lambda: self.send("POST", "/ws/v1/cluster/apps?user.name=fuzz", ('{"application-id": "x", "p": "' + pad + '"}').encode(), ct),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz", ('{"name": "x", "p": "' + pad + '"}').encode(), ct),
            lambda: self.send("PUT", f"/app/v1/services/{svc}?user.name=fuzz", ('{"lifetime": 1, "p": "' + pad + '"}').encode(), ct),
            lambda: self.send("PUT", "/ws/v1/cluster/apps/application_1_0001/state?user.name=fuzz", ('{"state": "KILLED", "p": "' + pad + '"}').encode(), ct),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz", svc_body(components=[
                {"name": "c", "number_of_containers": 1, "launch_command": "echo m", "restart_policy": "NEVER",
                 "resource": {"cpus": 1, "memory": "9223372036854775807G"}}]), ct),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz", svc_body(components=[
                {"name": "c", "number_of_containers": 9223372036854775807, "launch_command": "echo n",
                 "resource": {"cpus": 1, "memory": "64"}}]), ct),
            lambda: self.send("PUT", f"/app/v1/services/{svc}?user.name=fuzz", json.dumps({"lifetime": 9223372036854775807}).encode(), ct),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz", svc_body(lifetime=9223372036854775807), ct),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz", svc_body(lifetime=9223372036854776), ct),
            lambda: post_app(app_body({"A": "{{A}}"}, "echo {{A}}")),
            lambda: post_app(app_body({"A": "{{B}}", "B": "{{A}}"}, "echo {{B}}")),
            lambda: self.send("POST", "/app/v1/services?user.name=fuzz",
                              svc_body(configuration={"env": {"A": "x{{A}}"}}), ct),
        ]
        for p in probes:
            if time.monotonic() >= until or self.dead:
                break
            self.guarded(p)
        self.big_left = max(0, self.big_left - 4)
        self.phase = "json"

    def run_json(self, until: float, max_req: int):
        self.phase = "json"
        start = self.count
        self.guarded(self.seed_objects)
        self.run_probes(until)
        while time.monotonic() < until and self.count - start < max_req:
            self.guarded(self.json_request)

    # ------------------------------------------------------------------ harvest

    def run_harvest(self, until: float, max_req: int):
        self.phase = "harvest"
        start = self.count

        def budget():
            return time.monotonic() < until and self.count - start < max_req

        for app in list(self.apps):
            if not budget():
                return
            r = self.send("GET", f"/ws/v1/cluster/apps/{app}/appattempts")
            try:
                for a in json.loads(r.body)["appAttempts"]["appAttempt"]:
                    if a.get("containerId"):
                        self.containers.add(a["containerId"])
            except Exception:
                pass
        for name in list(self.services):
            if not budget():
                return
            r = self.send("GET", f"/app/v1/services/{name}/component-instances")
            try:
                for c in json.loads(r.body):
                    if c.get("id"):
                        self.containers.add(c["id"])
            except Exception:
                pass
        for cid in sorted(self.containers):
            for f in ("", "/stdout", "/stderr"):
                if not budget():
                    return
                self.send("GET", f"/ws/v1/node/containerlogs/{cid}{f}")
        if budget():
            self.send("GET", "/ws/v1/cluster/apps")
            self.send("GET", "/app/v1/services")

    # ------------------------------------------------------------------ main

    def run(self):
        self.big_left = self.args.big_bodies
        total = self.args.duration
        t0 = time.monotonic()
        phases = [p.strip() for p in self.args.phases.split(",") if p.strip()]
        shares = {"paths": 0.55, "json": 0.35, "harvest": 0.10}
        norm = sum(shares[p] for p in phases) or 1
        try:
            self.seed_store()
            self.snap = fs.snapshot(self.root, self.dir)
            at = t0
            for p in phases:
                at += total * shares[p] / norm
                until = min(at, self.deadline)
                n = int(self.args.max_requests * shares[p] / norm)
                try:
                    if p == "paths":
                        self.run_paths(until, n)
                    elif p == "json":
                        self.run_json(until, n)
                    elif p == "harvest":
                        self.run_harvest(until, n)
                except Stop:
                    if self.dead:
                        break
        except Stop:
            pass
        except Exception:
            self.harness_errors.append(traceback.format_exc(limit=6))
            print(f"fuzz_paths: fuzzer error (not a server failure):\n{self.harness_errors[-1]}", flush=True)
        finally:
            self.req_log.close()
            self.bodies.close()
        return self.summary(time.monotonic() - t0)

    def summary(self, seconds: float) -> int:
        kinds: dict[str, int] = {}
        for f in self.failures:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
        out = {"seed": self.args.seed, "requests": self.count, "seconds": round(seconds, 1),
               "by_status": dict(sorted(self.by_status.items())), "failures": self.failures,
               "failure_kinds": kinds, "dropped": self.dropped[:50], "dropped_count": len(self.dropped),
               "restarts": self.restarts, "server_dead_at_end": self.dead, "url": self.url,
               "harness_errors": self.harness_errors[:10], "harness_error_count": len(self.harness_errors)}
        with open(os.path.join(self.out, "fuzz_paths.json"), "w") as f:
            json.dump(out, f, indent=1)
        print(f"fuzz_paths: seed {self.args.seed}: {self.count} requests in {seconds:.1f} s, "
              f"statuses {out['by_status']}, {len(self.dropped)} dropped connections, {self.restarts} restarts")
        if self.failures:
            print(f"fuzz_paths: {len(self.failures)} failures: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        else:
            print("fuzz_paths: no failure")
        return 1 if self.failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the cluster, http://127.0.0.1:PORT")
    ap.add_argument("--manifest", required=True, help="JSON written by checks.py setup")
    ap.add_argument("--out", required=True, help="directory for requests.jsonl, bodies.bin, fuzz_paths.json")
    ap.add_argument("--seed", type=int, default=None, help="default: $FUZZ_SEED, else random")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds for all phases")
    ap.add_argument("--max-requests", type=int, default=4000)
    ap.add_argument("--request-timeout", type=float, default=10.0, help="seconds before a request counts as hung")
    ap.add_argument("--stall-check", type=float, default=7.0,
                    help="seconds without an answer after which the server's liveness is probed")
    ap.add_argument("--restart-cmd", default=None, help="shell command that restarts the cluster and prints its URL")
    ap.add_argument("--max-restarts", type=int, default=6)
    ap.add_argument("--big-bodies", type=int, default=4, help="bodies over the server's 16 MiB limit to send")
    ap.add_argument("--phases", default="paths,json,harvest")
    ap.add_argument("--print-failures", type=int, default=40, help="failures printed in full (all go to fuzz_paths.json)")
    args = ap.parse_args()
    if args.seed is None:
        env = os.environ.get("FUZZ_SEED")
        args.seed = int(env) if env else random.SystemRandom().randrange(1, 2 ** 31)
    print(f"fuzz_paths: seed {args.seed} (FUZZ_SEED={args.seed} replays it), {args.duration:g} s, "
          f"at most {args.max_requests} requests, against {args.url}", flush=True)
    return Fuzzer(args).run()


if __name__ == "__main__":
    sys.exit(main())
