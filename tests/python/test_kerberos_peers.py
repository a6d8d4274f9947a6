"""Python's requests-gssapi, a SPNEGO client nobody here wrote, against the
embedded cluster in Kerberos mode, with a real MIT KDC started for the test."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests
from requests_gssapi import HTTPSPNEGOAuth

from conftest import flinkctl_binary

REALM = "FLINKCTL.TEST"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def realm():
    """A realm in a temporary directory: kdb5_util create -s, krb5kdc -n on a
    loopback port, principals HTTP/localhost and alice with keytabs."""
    d = tempfile.mkdtemp(prefix="flinkctl-kdc-")
    port = free_port()
    with open(os.path.join(d, "kdc.conf"), "w") as f:
        f.write(f"""[kdcdefaults]
 kdc_listen = 127.0.0.1:{port}
 kdc_tcp_listen = 127.0.0.1:{port}
[realms]
 {REALM} = {{
  database_name = {d}/principal
  key_stash_file = {d}/stash
  acl_file = {d}/kadm5.acl
  supported_enctypes = aes256-cts-hmac-sha1-96:normal
 }}
[logging]
 kdc = FILE:{d}/kdc.log
""")
    with open(os.path.join(d, "krb5.conf"), "w") as f:
        f.write(f"""[libdefaults]
 default_realm = {REALM}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 dns_canonicalize_hostname = false
 rdns = false
 udp_preference_limit = 1
[realms]
 {REALM} = {{
  kdc = 127.0.0.1:{port}
 }}
""")
    env = dict(os.environ, KRB5_CONFIG=f"{d}/krb5.conf", KRB5_KDC_PROFILE=f"{d}/kdc.conf",
               KRB5CCNAME=f"FILE:{d}/alice.cc")
    master = uuid.uuid4().hex  # protects only this throw-away database; given on stdin
    subprocess.run(["kdb5_util", "create", "-s", "-r", REALM], input=f"{master}\n{master}\n", text=True,
                   env=env, check=True, capture_output=True)
    kdc = subprocess.Popen(["krb5kdc", "-n", "-r", REALM], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
        queries = ["addprinc -randkey HTTP/localhost", "addprinc -randkey alice",
                   f"ktadd -k {d}/http.keytab HTTP/localhost", f"ktadd -k {d}/alice.keytab alice"]
        subprocess.run(["kadmin.local", "-r", REALM], input="\n".join(queries) + "\n", text=True,
                       env=env, check=True, capture_output=True)
        for k in ("http.keytab", "alice.keytab"):
            os.chmod(os.path.join(d, k), 0o600)
        yield {"dir": d, "env": env}
    finally:
        kdc.kill()
        kdc.wait()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def secured_cluster(realm):
    directory = tempfile.mkdtemp(prefix="flinkctl-pytest-krb-")
    binary = flinkctl_binary()
    d = realm["dir"]
    subprocess.run([binary, "local", "start", "--dir", directory, "--port", "0", "--kerberos",
                    "--keytab", f"{d}/http.keytab", "--principal", f"HTTP/localhost@{REALM}"],
                   check=True, stdout=subprocess.DEVNULL, env=realm["env"])
    with open(os.path.join(directory, "cluster.json")) as f:
        info = json.load(f)
    try:
        yield {"url": info["url"], "realm": realm}
    finally:
        subprocess.run([binary, "local", "stop", "--dir", directory], stdout=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def test_requests_gssapi_authenticates_with_spnego(secured_cluster, monkeypatch):
    url = secured_cluster["url"]
    env = secured_cluster["realm"]["env"]
    d = secured_cluster["realm"]["dir"]
    assert url.startswith("http://localhost:")

    bare = requests.get(url + "/ws/v1/cluster/info?user.name=alice", timeout=10)
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"] == "Negotiate"

    subprocess.run(["kinit", "-kt", f"{d}/alice.keytab", "alice"], env=env, check=True)
    # python-gssapi reads krb5.conf and the cache from this process's environment.
    monkeypatch.setenv("KRB5_CONFIG", env["KRB5_CONFIG"])
    monkeypatch.setenv("KRB5CCNAME", env["KRB5CCNAME"])
    session = requests.Session()
    session.auth = HTTPSPNEGOAuth()
    ok = session.get(url + "/ws/v1/cluster/info", timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.json()["clusterInfo"]["haState"] == "ACTIVE"
    assert session.cookies.get("hadoop.auth", "").startswith('"u=alice&p=alice@FLINKCTL.TEST&t=kerberos&e=')

    created = session.post(url + "/app/v1/services", timeout=10, json={
        "name": "py-krb", "version": "1.0",
        "components": [{"name": "taskmanager", "number_of_containers": 1, "launch_command": "sleep 60",
                        "resource": {"cpus": 1, "memory": "64"}, "restart_policy": "ALWAYS"}]})
    assert created.status_code == 202, created.text
    assert session.get(url + "/app/v1/services/py-krb", timeout=10).json()["user"] == "alice"
    assert session.delete(url + "/app/v1/services/py-krb", timeout=10).status_code == 200
