"""Schemathesis hooks for the fuzz campaign (SCHEMATHESIS_HOOKS=tests/fuzz/st_hooks.py).

before_call: sets `user.name` to the cluster's own user in four calls in five
that have none or an empty one, and keeps schemathesis harmless. WebHDFS paths and RENAME
destinations that could leave the store (any '..' after any decoding, or a
decoded absolute segment outside the fuzz root) are swapped for a plain name
under /st/ -- traversal is fuzz_paths.py's job, where every write is guarded.
JSON bodies go through fuzzsafety.sanitize_body: container commands become
`echo …`, no http(s) URL reaches a container, file names stay plain.

after_call / after_network_error: every answer's status and body (and every
connection failure) is recorded in $FUZZ_ST_RECORD_DIR/st-responses.jsonl and
st-bodies.bin, which run.sh scans for 5xx answers and the secret canaries.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import sys
import threading

import schemathesis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzsafety as fs  # noqa: E402

with open(os.environ["FUZZ_MANIFEST"]) as _f:
    _M = json.load(_f)
_REC = os.environ["FUZZ_ST_RECORD_DIR"]
_PROTECTED = [p for p in fs.excluded_in_dir(_M["dir"]) + [_M["secret_file"]] if p != _M["store"]]
_GUARD = fs.WriteGuard(_M["root"], _M["dir"], _M["store"], [], _PROTECTED)
_LOCK = threading.Lock()
_RNG = random.Random(int(os.environ.get("FUZZ_SEED", "1")))
try:
    _OWNER = pwd.getpwuid(os.geteuid()).pw_name
except KeyError:
    _OWNER = "root"
_N = [0]


def _safe_path(value) -> bool:
    s = str(value)
    return fs.dotdot_count(s) == 0 and _GUARD.path_ok(s)


@schemathesis.hook
def before_call(context, case, kwargs):
    # Most calls as the store's owner, so that writes get past simple
    # authentication and HDFS permissions; the rest as generated (often none).
    if isinstance(case.query, dict) or case.query is None:
        q = case.query if case.query is not None else {}
        if not str(q.get("user.name") or "").strip() and _RNG.random() < 0.8:
            q["user.name"] = _OWNER
            case.query = q
    if case.operation.path.startswith("/webhdfs/"):
        params = case.path_parameters if case.path_parameters is not None else {}
        if "path" in params and not _safe_path(params["path"]):
            with _LOCK:
                _N[0] += 1
                params["path"] = f"st/guarded-{_N[0]}"
        if isinstance(case.query, dict) and "destination" in case.query:
            d = str(case.query["destination"])
            if not _safe_path(d.lstrip("/")) or d.lstrip("/").startswith(("/", "%2F", "%2f")):
                case.query["destination"] = "/st/destination"
    if isinstance(case.body, (dict, list)):
        case.body = fs.sanitize_body(case.body)


def _record(entry: dict, body: bytes | None):
    with _LOCK:
        with open(os.path.join(_REC, "st-responses.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
        if body:
            with open(os.path.join(_REC, "st-bodies.bin"), "ab") as f:
                f.write(body[:1 << 20] + b"\n")


@schemathesis.hook
def after_call(context, case, response):
    req = response.request
    body = response.content or b""
    _record({"method": req.method, "url": req.url, "status": response.status_code,
             "seconds": round(response.elapsed, 3), "body": body[:300].decode("utf-8", "replace")}, body)


@schemathesis.hook
def after_network_error(context, case, request):
    _record({"method": request.method, "url": request.url, "status": None,
             "error": "network error (no answer: connection refused or reset, or timed out)"}, None)
