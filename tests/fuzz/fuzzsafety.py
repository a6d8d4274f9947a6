"""Shared by the fuzz campaign's Python parts (fuzz_paths.py, st_hooks.py, checks.py).

Two jobs:

* Keep the campaign harmless to the machine it runs on. The server under test
  may well have the path traversal it is being fixed for, and it runs as
  whoever runs CI (root). So a write (MKDIRS, CREATE, RENAME, DELETE) is only
  ever sent when every way the server could read its path -- decoded once,
  twice or until nothing changes, overlong UTF-8 taken as '/' or '.',
  backslashes and fullwidth look-alikes taken as separators, cut at a NUL, a
  decoded segment taken as an absolute path -- lands inside the fuzz root and
  on nothing the harness needs. Container commands in JSON bodies become
  `echo …` with no shell syntax, and no URL but hdfs:// and file:// reaches a
  body (a container would fetch it: traffic stays on this machine).
* Snapshot the fuzz root outside the store, so a write that escaped is seen
  (and, in fuzz_paths.py, pinned on the request that did it).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import unicodedata
from urllib.parse import unquote_to_bytes

# ----------------------------------------------------------------------------- decoding

_OVERLONG = [
    (b"\xe0\x80\xaf", b"/"), (b"\xc0\xaf", b"/"), (b"\xc1\x9c", b"\\"), (b"\xe0\x81\x9c", b"\\"),
    (b"\xe0\x80\xae", b"."), (b"\xc0\xae", b"."), (b"\xc0\x80", b"\x00"),
]


def aggressive_decode(raw: str | bytes, rounds: int = 6) -> str:
    """The most decoded reading of a path or query value any server could make."""
    b = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    s = ""
    for _ in range(rounds):
        nb = unquote_to_bytes(b)
        for bad, good in _OVERLONG:
            nb = nb.replace(bad, good)
        s = nb.decode("utf-8", "replace")
        s = unicodedata.normalize("NFKC", s)
        s = s.replace("\\", "/").replace("\u2215", "/").replace("\u2044", "/").replace("\uff0f", "/")
        s = s.replace("\u2024", ".").replace("\uff0e", ".").replace("\ufe52", ".")
        nb2 = s.encode("utf-8", "surrogateescape")
        if nb2 == b:
            break
        b = nb2
    return s


def _within(path: str, root: str) -> bool:
    path = posixpath.normpath(path)
    root = posixpath.normpath(root)
    return path == root or path.startswith(root + "/")


def candidate_targets(store: str, raw_tail: str) -> list[str]:
    """Every local path the server might act on for `/webhdfs/v1/<raw_tail>`
    (or a RENAME destination): relative to the store, and each decoded
    segment that starts with '/' taken as an absolute path; each also cut at
    a NUL. Normalised lexically ('..' applied): the kernel resolves '..' the
    same way once the directories exist, and there are no symlinks here."""
    decoded = aggressive_decode(raw_tail)
    texts = {decoded}
    for i, ch in enumerate(decoded):
        if ch == "\x00":
            texts.add(decoded[:i])
    out: set[str] = set()
    for t in texts:
        out.add(posixpath.normpath(store + "/" + t.lstrip("/")) if t.strip("/") else posixpath.normpath(store))
        # A raw segment that decodes to an absolute path (".../%2Fetc%2Fx/...").
        raw_segments = raw_tail.split("/")
        for k, seg in enumerate(raw_segments):
            d = aggressive_decode(seg)
            if d.startswith("/") or (k == 0 and raw_tail.startswith("/")):
                rest = "/".join(aggressive_decode(x) for x in raw_segments[k + 1:])
                p = d + ("/" + rest if rest else "")
                if "\x00" in p:
                    p = p.split("\x00", 1)[0]
                out.add(posixpath.normpath("/" + p.lstrip("/")))
    return sorted(out)


def dotdot_count(raw: str) -> int:
    d = aggressive_decode(raw)
    return sum(1 for i in range(len(d) - 1) if d[i] == "." and d[i + 1] == ".")


class WriteGuard:
    """Decides whether a write may be sent with a given path."""

    def __init__(self, root: str, cluster_dir: str, store: str, victims: list[str], protected: list[str]):
        self.root = posixpath.normpath(root)
        self.dir = posixpath.normpath(cluster_dir)
        self.store = posixpath.normpath(store)
        self.victims = {posixpath.normpath(v) for v in victims}
        self.protected = [posixpath.normpath(p) for p in protected]

    def target_ok(self, target: str) -> bool:
        t = posixpath.normpath(target)
        if _within(t, self.store):
            return True
        if not _within(t, self.root):
            return False
        # Never the fuzz root, the cluster directory or anything above the store.
        if _within(self.store, t):
            return False
        for p in self.protected:
            if _within(t, p):
                return False
        if t in self.victims or any(_within(t, v) for v in self.victims):
            return True
        # A new name beside the canaries: the write would show as "something new appeared".
        return not os.path.lexists(t)

    def path_ok(self, raw_tail: str) -> bool:
        # Two '..' reach the fuzz root from the store; more could reach the machine.
        if dotdot_count(raw_tail) > 2:
            return False
        return all(self.target_ok(t) for t in candidate_targets(self.store, raw_tail))


# ----------------------------------------------------------------------------- JSON bodies

_SAFE_CMD_CHARS = re.compile(r"[^A-Za-z0-9 _.,:=+@%^{}-]")
_TOKEN = re.compile(r"(<LOG_DIR>|<CPS>|\{\{[A-Za-z0-9_]*\}\})")
_SAFE_VALUE_CHARS = re.compile(r"[^A-Za-z0-9 _.,:=+@%^{}/-]")
# Daemon environment variables a body may name as {{VAR}}: the secret canary
# (its leak is what is looked for) and a few whose values are plain paths.
DAEMON_VARS = {"FLINKCTL_FUZZ_SECRET", "HOME", "USER", "PATH", "PWD", "CONTAINER_ID", "LOG_DIRS", "LOCAL_DIRS", "NM_HOST"}
SEED_COMMANDS = {"sleep 5", "sleep 20", "true"}


def _keep_vars(s: str, allowed: set[str]) -> str:
    def repl(m: re.Match) -> str:
        tok = m.group(0)
        if tok.startswith("{{"):
            return tok if tok[2:-2] in allowed else ""
        return tok
    for _ in range(20):  # removing one {{X}} may join the halves of another
        t = _TOKEN.sub(repl, s)
        if t == s:
            break
        s = t
    return s


def _filter(s: str, bad: re.Pattern) -> str:
    """Drops the characters `bad` matches, except inside YARN's markers."""
    return "".join(p if _TOKEN.fullmatch(p or "x") else bad.sub("", p) for p in _TOKEN.split(s))


def safe_command(cmd: str, env_names: set[str]) -> str:
    """`echo` and the command's words: no shell syntax survives, only
    `{{VAR}}` (of the body's own environment or a few known names) and
    YARN's `<LOG_DIR>` / `<CPS>` markers, which the server expands."""
    if cmd in SEED_COMMANDS:
        return cmd
    allowed = DAEMON_VARS | env_names | {"A", "B", "C"}
    words = _keep_vars(_filter(cmd, _SAFE_CMD_CHARS), allowed)
    return words if words.startswith("echo ") else "echo " + words


def safe_env_key(k: str) -> str:
    k = re.sub(r"[^A-Za-z0-9_]", "", k)
    if not k or k[0].isdigit() or k.upper().startswith(("BASH", "LD_", "ENV", "SHELLOPTS", "PS4", "PROMPT", "IFS", "CDPATH", "GLOBIGNORE")):
        k = "FZ_" + k
    return k


def safe_env_value(v: str, env_names: set[str]) -> str:
    """No shell syntax either: a value may end up in a command through {{VAR}}."""
    return _keep_vars(_filter(v, _SAFE_VALUE_CHARS), DAEMON_VARS | env_names | {"A", "B", "C"})


_URL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def safe_source(s: str) -> str:
    """Sources a container fetches: only hdfs:// and local paths (no network)."""
    m = _URL.match(s)
    if m and m.group(1).lower() not in ("hdfs", "file"):
        return "hdfs:///fuzz-missing"
    return s


def _env_names(obj) -> set[str]:
    names: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("environment", "env"):
                if isinstance(v, dict):
                    for kk in v.keys():
                        if isinstance(kk, str):
                            names.add(safe_env_key(kk))
                    ent = v.get("entry")
                    for e in (ent if isinstance(ent, list) else [ent]):
                        if isinstance(e, dict) and isinstance(e.get("key"), str):
                            names.add(safe_env_key(e["key"]))
            names |= _env_names(v)
    elif isinstance(obj, list):
        for v in obj:
            names |= _env_names(v)
    return names


def sanitize_body(obj, _names: set[str] | None = None, _key: str | None = None):
    """Returns a copy of a JSON body that is safe to send: see the module doc."""
    names = _env_names(obj) if _names is None else _names
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("command", "launch_command"):
                if isinstance(v, str):
                    v = safe_command(v, names)
                elif isinstance(v, list):
                    v = [safe_command(x, names) if isinstance(x, str) else sanitize_body(x, names) for x in v]
                else:
                    v = sanitize_body(v, names)
            elif k in ("environment", "env"):
                v = _sanitize_env(v, names)
            elif k == "local-resources":
                v = _sanitize_resources(v, names)
            elif k == "dest_file" and isinstance(v, str):
                v = safe_file_name(v)
            elif k in ("resource", "src_file", "uri", "id", "keytab") and isinstance(v, str):
                v = safe_source(v)
            else:
                v = sanitize_body(v, names, k)
            out[k] = v
        return out
    if isinstance(obj, list):
        return [sanitize_body(x, names, _key) for x in obj]
    if isinstance(obj, str) and "://" in obj:
        return safe_source(obj)
    return obj


def safe_file_name(name: str) -> str:
    """A name inside a container's directory: no '/', no '..', nothing odd."""
    name = re.sub(r"[^A-Za-z0-9._-]", "", name).lstrip(".")
    return name or "fuzz-file"


def _sanitize_resources(v, names: set[str]):
    if isinstance(v, dict):
        out = {}
        for kk, vv in v.items():
            if kk == "entry":
                ents = vv if isinstance(vv, list) else [vv]
                clean = []
                for e in ents:
                    if isinstance(e, dict):
                        e = sanitize_body(dict(e), names)
                        if isinstance(e.get("key"), str):
                            e["key"] = safe_file_name(e["key"])
                    else:
                        e = sanitize_body(e, names)
                    clean.append(e)
                out[kk] = clean if isinstance(vv, list) else clean[0]
            else:
                out[kk] = sanitize_body(vv, names)
        return out
    return sanitize_body(v, names)


def _sanitize_env(v, names: set[str]):
    if isinstance(v, dict):
        out = {}
        for kk, vv in v.items():
            if kk == "entry":
                ents = vv if isinstance(vv, list) else [vv]
                clean = []
                for e in ents:
                    if isinstance(e, dict):
                        e = dict(e)
                        if isinstance(e.get("key"), str):
                            e["key"] = safe_env_key(e["key"])
                        if isinstance(e.get("value"), str):
                            e["value"] = safe_env_value(e["value"], names)
                        elif "value" in e:
                            e["value"] = sanitize_body(e["value"], names)
                    clean.append(e)
                out[kk] = clean if isinstance(vv, list) else clean[0]
            elif isinstance(vv, str):
                out[safe_env_key(kk) if isinstance(kk, str) else kk] = safe_env_value(vv, names)
            else:
                out[safe_env_key(kk) if isinstance(kk, str) else kk] = sanitize_body(vv, names)
        return out
    return sanitize_body(v, names)


# ----------------------------------------------------------------------------- file system

def excluded_in_dir(cluster_dir: str) -> list[str]:
    """What the cluster itself writes in DIR: not compared before/after."""
    return [os.path.join(cluster_dir, n) for n in
            ("hdfs", "containers", "logs", "filecache", "state", "cluster.json", "cluster.lock")]


def snapshot(root: str, cluster_dir: str) -> dict[str, list]:
    """Every entry under `root` but the cluster's own subtrees: type, size,
    mtime (ns), mode and, for files, a sha256 of the content."""
    skip = {posixpath.normpath(p) for p in excluded_in_dir(cluster_dir)}
    out: dict[str, list] = {}
    for dirpath, dirnames, filenames in os.walk(root, topdown=True, followlinks=False):
        keep = []
        for d in dirnames:
            p = posixpath.normpath(os.path.join(dirpath, d))
            if p not in skip:
                keep.append(d)
        dirnames[:] = keep
        for name in dirnames + filenames:
            p = posixpath.normpath(os.path.join(dirpath, name))
            if p in skip or p.startswith(tuple(s + "/" for s in skip)):
                continue
            # cluster.json and the state files are rewritten atomically (name.tmp → name).
            if posixpath.dirname(p) == posixpath.normpath(cluster_dir) and (
                    name.startswith("cluster.json") or name.startswith(".cluster") or name.endswith(".tmp")):
                continue
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            # A directory's size and mtime follow its entries, which are compared themselves.
            isdir = stat.S_ISDIR(st.st_mode)
            entry = [stat.S_IFMT(st.st_mode), 0 if isdir else st.st_size, 0 if isdir else st.st_mtime_ns,
                     stat.S_IMODE(st.st_mode)]
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                try:
                    with open(p, "rb") as f:
                        for chunk in iter(lambda: f.read(1 << 20), b""):
                            h.update(chunk)
                    entry.append(h.hexdigest())
                except OSError:
                    entry.append("?")
            out[os.path.relpath(p, root)] = entry
    return out


def diff(before: dict, after: dict) -> list[str]:
    changes = []
    for k in sorted(set(before) | set(after)):
        if k not in after:
            changes.append(f"removed {k}")
        elif k not in before:
            changes.append(f"new {k}")
        elif before[k] != after[k]:
            changes.append(f"changed {k} ({_what(before[k], after[k])})")
    return changes


def _what(a: list, b: list) -> str:
    names = ["type", "size", "mtime", "mode", "content"]
    return ", ".join(n for n, x, y in zip(names, a, b) if x != y) or "?"
