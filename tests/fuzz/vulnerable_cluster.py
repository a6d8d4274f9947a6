#!/usr/bin/env python3
"""A deliberately vulnerable stand-in for `flinkctl local start|stop`: the
fuzz campaign's own test (tests/fuzz/selftest.sh).

It serves, on 127.0.0.1 only, the few routes the campaign uses, with the bugs
the embedded cluster had before its security rewrite (commit 21e3228):

* WebHDFS decodes each path segment once and refuses only segments that are
  exactly '.' or '..': `..%2F..%2Fsecret` leaves the store, for reads and writes;
* a JSON body over 16 MiB gets a 500;
* a service `lifetime` whose milliseconds overflow Int64 kills the process,
  as Swift's overflow trap does;
* `{{VAR}}` expansion loops forever on `{"A":"{{A}}"}` and, single-threaded,
  the whole server with it (as the cluster's actor did);
* `{{VAR}}` falls back to the daemon's own environment, and a container's
  `echo` output lands in DIR/logs (and in the containerlogs answer).

Nothing here is part of flinkctl. Usage, as FLINKCTL_BIN:
  vulnerable_cluster.py local start --dir DIR --port 0 [--memory-mb N --vcores N --start-timeout S]
  vulnerable_cluster.py local stop --dir DIR [--timeout S]
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY = 16 * 1024 * 1024
INT64_MAX = 2 ** 63 - 1


def now_ms() -> int:
    return int(time.time() * 1000)


class State:
    def __init__(self, directory: str):
        self.dir = directory
        self.store = os.path.join(directory, "hdfs")
        self.logs = os.path.join(directory, "logs")
        self.cluster_ts = now_ms()
        self.seq = 0
        self.apps: dict[str, dict] = {}
        self.services: dict[str, dict] = {}


def expand(s: str, env: dict[str, str]) -> str:
    # The old LocalCluster.expand: replace the first {{NAME}} until none is left.
    while True:
        i = s.find("{{")
        j = s.find("}}", i + 2) if i >= 0 else -1
        if i < 0 or j < 0:
            return s
        name = s[i + 2:j]
        s = s[:i] + env.get(name, os.environ.get(name, "")) + s[j + 2:]


class Handler(BaseHTTPRequestHandler):
    server_version = "vulnerable-flinkctl"
    protocol_version = "HTTP/1.0"
    st: State

    def log_message(self, *a):
        pass

    # ------------------------------------------------------------ helpers
    def send_json(self, obj, status=200, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_bytes(self, data: bytes, status=200, ctype="application/octet-stream"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def remote(self, status, exc, msg):
        self.send_json({"RemoteException": {"exception": exc, "message": msg, "javaClassName": "java.io." + exc}}, status)

    def body(self) -> bytes | None:
        n = int(self.headers.get("Content-Length") or 0)
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(min(1 << 20, n - len(data)))
            if not chunk:
                break
            data += chunk
        return data

    def split(self):
        raw_path, _, raw_query = self.path.partition("?")
        q = {}
        for part in raw_query.split("&"):
            k, _, v = part.partition("=")
            q.setdefault(urllib.parse.unquote(k), urllib.parse.unquote(v))
        parts = [urllib.parse.unquote(p, errors="surrogateescape") for p in raw_path.split("/") if p]
        return parts, q

    # ------------------------------------------------------------ dispatch
    def handle_any(self, method: str):
        parts, q = self.split()
        st = self.st
        if parts[:2] == ["webhdfs", "v1"]:
            return self.webhdfs(method, parts[2:], q)
        if parts[:3] == ["ws", "v1", "cluster"]:
            p = parts[3:]
            if method == "GET" and p in ([], ["info"]):
                return self.send_json({"clusterInfo": {"id": st.cluster_ts, "startedOn": st.cluster_ts, "state": "STARTED",
                                                       "haState": "ACTIVE", "resourceManagerVersion": "3.4.1",
                                                       "hadoopVersion": "3.4.1"}})
            if method == "POST" and p == ["apps", "new-application"]:
                st.seq += 1
                return self.send_json({"application-id": f"application_{st.cluster_ts}_{st.seq:04d}",
                                       "maximum-resource-capability": {"memory": 2048, "vCores": 2}})
            if method == "POST" and p == ["apps"]:
                return self.submit(q)
            if method == "GET" and len(p) == 3 and p[0] == "apps" and p[2] == "appattempts":
                app = st.apps.get(p[1])
                if not app:
                    return self.remote(404, "NotFoundException", f"app {p[1]} not found")
                return self.send_json({"appAttempts": {"appAttempt": [{"id": 1, "containerId": app["container"]}]}})
            if method == "GET" and p == ["apps"]:
                return self.send_json({"apps": None})
            return self.remote(404, "NotFoundException", "No resource")
        if parts[:3] == ["ws", "v1", "node"] and len(parts) >= 5 and parts[3] == "containerlogs":
            d = os.path.join(st.logs, "c", parts[4])
            if len(parts) == 5:
                names = sorted(os.listdir(d)) if os.path.isdir(d) else []
                return self.send_json({"containerLogsInfo": {"containerLogInfo": [{"fileName": n, "fileSize": 0} for n in names]}})
            try:
                with open(os.path.join(d, parts[5]), "rb") as f:
                    return self.send_bytes(f.read(), ctype="text/plain")
            except OSError:
                return self.remote(404, "NotFoundException", "no log")
        if parts[:3] == ["app", "v1", "services"]:
            return self.services(method, parts[3:], q)
        return self.remote(404, "NotFoundException", "No resource")

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_other(self):
        self.send_json({"RemoteException": {"exception": "WebApplicationException", "message": "method not allowed"}}, 405)

    do_PATCH = do_OPTIONS = do_HEAD = do_TRACE = do_QUERY = do_other

    # ------------------------------------------------------------ RM
    def read_json(self):
        if int(self.headers.get("Content-Length") or 0) > MAX_BODY:
            self.body()
            self.remote(500, "WebApplicationException", "tooManyBytes")  # the old 500
            return None
        try:
            return json.loads(self.body() or b"")
        except ValueError as e:
            self.remote(400, "BadRequestException", f"bad JSON: {e}")
            return None

    def submit(self, q):
        if not q.get("user.name"):
            return self.remote(401, "AuthorizationException", "no user")
        s = self.read_json()
        if s is None:
            return
        try:
            app_id = s["application-id"]
            cmd = s["am-container-spec"]["commands"]["command"]
            cmd = " ".join(cmd) if isinstance(cmd, list) else str(cmd)
            entries = (s["am-container-spec"].get("environment") or {}).get("entry") or []
            entries = entries if isinstance(entries, list) else [entries]
            env = {str(e["key"]): str(e["value"]) for e in entries}
        except (KeyError, TypeError, AttributeError):
            return self.remote(400, "BadRequestException", "bad submission")
        st = self.st
        cid = "container_%d_%s_01_000001" % (st.cluster_ts, str(app_id)[-4:])
        for k in list(env):
            env[k] = expand(env[k], env)
        out = expand(cmd, env)
        d = os.path.join(st.logs, "c", cid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "stdout"), "w") as f:  # what `echo …` would print
            f.write((out[5:] if out.startswith("echo ") else "") + "\n")
        st.apps[str(app_id)] = {"container": cid}
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def services(self, method, p, q):
        if method == "GET" and p == []:
            return self.send_json(list(self.st.services.values()))
        if method == "GET" and p == ["version"]:
            return self.send_json({"hadoop_version": "3.4.1"})
        if method in ("POST", "PUT") and len(p) == (0 if method == "POST" else 1):
            if not q.get("user.name"):
                return self.send_json({"diagnostics": "no user"}, 401)
            s = self.read_json()
            if s is None:
                return
            if not isinstance(s, dict):
                return self.send_json({"diagnostics": "bad spec"}, 400)
            life = s.get("lifetime")
            if isinstance(life, int) and not isinstance(life, bool) and life > 0:
                if life * 1000 > INT64_MAX or now_ms() + life * 1000 > INT64_MAX:
                    os._exit(134)  # Swift: "Fatal error: arithmetic overflow"
            name = s.get("name") if method == "POST" else p[0]
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,62}", name):
                return self.send_json({"diagnostics": "bad name"}, 400)
            self.st.services[name] = {"name": name}
            return self.send_json({"uri": f"/app/v1/services/{name}", "diagnostics": "ok", "state": "ACCEPTED"},
                                  202 if method == "POST" else 200)
        if len(p) >= 1:
            return self.send_json({"diagnostics": f"Service {p[0]} not found", "code": 40400}, 404)
        return self.send_json({"diagnostics": "not allowed"}, 405)

    # ------------------------------------------------------------ WebHDFS, the old way
    def webhdfs(self, method, parts, q):
        if any(x in ("..", ".") or "\0" in x for x in parts):
            return self.remote(400, "IllegalArgumentException", "Invalid path")
        path = "/" + "/".join(parts)
        local = self.st.store + path  # no normalisation: "../../x" inside a segment escapes
        op = (q.get("op") or "").upper()
        if method == "GET" and op in ("GETFILESTATUS", "LISTSTATUS"):
            try:
                stt = os.lstat(local)
            except OSError:
                return self.remote(404, "FileNotFoundException", f"File does not exist: {path}")
            isdir = os.path.isdir(local)
            status = {"type": "DIRECTORY" if isdir else "FILE", "length": 0 if isdir else stt.st_size,
                      "modificationTime": stt.st_mtime_ns // 1_000_000, "pathSuffix": "", "permission": "755",
                      "owner": "root", "group": "supergroup", "accessTime": 0, "blockSize": 0, "replication": 1}
            if op == "GETFILESTATUS":
                return self.send_json({"FileStatus": status})
            names = sorted(os.listdir(local)) if isdir else [os.path.basename(local)]
            return self.send_json({"FileStatuses": {"FileStatus": [dict(status, pathSuffix=n) for n in names]}})
        if method == "GET" and op == "OPEN":
            if not os.path.isfile(local):
                return self.remote(404, "FileNotFoundException", f"File does not exist: {path}")
            if q.get("datanode") != "true":
                self.send_response(307)
                self.send_header("Location", self.path + "&datanode=true")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with open(local, "rb") as f:
                return self.send_bytes(f.read(1 << 20))
        if method == "PUT" and op in ("MKDIRS", "CREATE", "RENAME"):
            data = self.body()
            if not q.get("user.name"):
                return self.remote(401, "SecurityException", "no user")
            try:
                if op == "MKDIRS":
                    os.makedirs(local, exist_ok=True)
                    return self.send_json({"boolean": True})
                if op == "CREATE":
                    if os.path.exists(local) and q.get("overwrite", "").lower() != "true":
                        return self.remote(403, "FileAlreadyExistsException", f"{path} exists")
                    if q.get("datanode") != "true":
                        self.send_response(307)
                        self.send_header("Location", self.path + "&datanode=true")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    os.makedirs(os.path.dirname(local), exist_ok=True)
                    with open(local, "wb") as f:
                        f.write(data or b"")
                    self.send_response(201)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                dest = q.get("destination") or ""
                dparts = [x for x in dest.split("/") if x]
                if not dest.startswith("/") or any(x in ("..", ".") for x in dparts):
                    return self.remote(400, "IllegalArgumentException", "Invalid destination")
                if not os.path.exists(local):
                    return self.send_json({"boolean": False})
                os.rename(local, self.st.store + "/" + "/".join(dparts))
                return self.send_json({"boolean": True})
            except OSError as e:
                return self.remote(403, "IOException", str(e))
        if method == "DELETE" and op == "DELETE":
            if path == "/" or not os.path.lexists(local):
                return self.send_json({"boolean": False})
            try:
                if os.path.isdir(local) and not os.path.islink(local):
                    if q.get("recursive", "").lower() != "true" and os.listdir(local):
                        return self.remote(403, "PathIsNotEmptyDirectoryException", "not empty")
                    import shutil
                    shutil.rmtree(local)
                else:
                    os.unlink(local)
            except OSError as e:
                return self.remote(403, "IOException", str(e))
            return self.send_json({"boolean": True})
        return self.remote(400, "IllegalArgumentException", f"Invalid value for webhdfs parameter op: {op}")


def serve(directory: str, port: int):
    os.makedirs(os.path.join(directory, "hdfs"), exist_ok=True)
    Handler.st = State(directory)
    httpd = HTTPServer(("127.0.0.1", port), Handler)  # one thread: a hang blocks all, as the actor did
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    tmp = os.path.join(directory, "cluster.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"pid": os.getpid(), "url": url}, f)
    os.rename(tmp, os.path.join(directory, "cluster.json"))
    def on_term(*_):
        try:
            os.unlink(os.path.join(directory, "cluster.json"))
        finally:
            os._exit(0)
    signal.signal(signal.SIGTERM, on_term)
    httpd.serve_forever()


def opt(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default


def main(argv):
    if argv[1:3] == ["local", "serve"]:
        return serve(opt(argv, "--dir"), int(opt(argv, "--port", "0")))
    if argv[1:3] == ["local", "start"]:
        d = os.path.abspath(opt(argv, "--dir"))
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        info = os.path.join(d, "cluster.json")
        if os.path.exists(info):
            os.unlink(info)
        log = open(os.path.join(d, "logs", "cluster.log"), "ab")
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "local", "serve", "--dir", d,
                              "--port", opt(argv, "--port", "0")], stdout=log, stderr=log, cwd=d, start_new_session=True)
        deadline = time.time() + float(opt(argv, "--start-timeout", "20"))
        while time.time() < deadline:
            if os.path.exists(info):
                with open(info) as f:
                    url = json.load(f)["url"]
                print(f"Embedded YARN cluster running at {url} (pid {p.pid}, {opt(argv, '--memory-mb', '8192')} MB, "
                      f"{opt(argv, '--vcores', '8')} vcores)")
                print(f"Directory: {d}")
                return 0
            if p.poll() is not None:
                print("the cluster process exited at start", file=sys.stderr)
                return 3
            time.sleep(0.05)
        return 3
    if argv[1:3] == ["local", "stop"]:
        d = os.path.abspath(opt(argv, "--dir"))
        try:
            with open(os.path.join(d, "cluster.json")) as f:
                pid = json.load(f)["pid"]
        except (OSError, ValueError):
            print(f"No cluster is running from {d}.")
            return 0
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return 0
        deadline = time.time() + float(opt(argv, "--timeout", "30"))
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(f"Stopped the cluster (pid {pid}).")
                return 0
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
