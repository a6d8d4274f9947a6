"""Fixtures that start the embedded cluster through the built flinkctl binary."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def flinkctl_binary():
    path = os.environ.get("FLINKCTL_BIN", os.path.join(ROOT, ".build", "debug", "flinkctl"))
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"flinkctl binary not found at {path}; build it first (swift build)")
    return path


@pytest.fixture
def cluster():
    directory = tempfile.mkdtemp(prefix="flinkctl-pytest-")
    binary = flinkctl_binary()
    subprocess.run([binary, "local", "start", "--dir", directory, "--port", "0"], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(directory, "cluster.json")) as f:
        info = json.load(f)
    try:
        yield {"url": info["url"], "dir": directory, "binary": binary}
    finally:
        subprocess.run([binary, "local", "stop", "--dir", directory], stdout=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)
