"""HdfsCLI (PyPI `hdfs`), a WebHDFS client nobody here wrote, against the embedded cluster."""
import os

from hdfs import InsecureClient
from hdfs.util import HdfsError


def test_hdfscli_writes_reads_lists_and_deletes(cluster):
    client = InsecureClient(cluster["url"], user="carol")
    client.makedirs("/user/carol/staging", permission="700")
    assert client.status("/user/carol/staging")["permission"] == "700"

    # HdfsCLI's write is the two-step CREATE (it follows the DataNode redirect itself).
    payload = os.urandom(200_000)
    client.write("/user/carol/staging/job.jar", data=payload, permission="600")
    with client.read("/user/carol/staging/job.jar") as reader:
        assert reader.read() == payload
    status = client.status("/user/carol/staging/job.jar")
    assert status["type"] == "FILE" and status["length"] == len(payload) and status["permission"] == "600"
    assert client.list("/user/carol/staging") == ["job.jar"]

    # Writing over an existing file without overwrite is refused, as by HDFS.
    try:
        client.write("/user/carol/staging/job.jar", data=b"x")
        raise AssertionError("write over an existing file succeeded")
    except HdfsError as e:
        assert "already exists" in str(e)
    client.write("/user/carol/staging/job.jar", data=b"x", overwrite=True)
    with client.read("/user/carol/staging/job.jar") as reader:
        assert reader.read() == b"x"

    # Rename, as HdfsCLI calls it; HDFS answers false (HdfsCLI raises) onto an existing file.
    client.write("/user/carol/staging/next.tmp", data=b"y")
    client.rename("/user/carol/staging/next.tmp", "/user/carol/staging/next")
    assert sorted(client.list("/user/carol/staging")) == ["job.jar", "next"]
    try:
        client.rename("/user/carol/staging/next", "/user/carol/staging/job.jar")
        raise AssertionError("rename over an existing file succeeded")
    except HdfsError as e:
        assert "Unable to rename" in str(e)

    assert client.status("/user/carol/nope", strict=False) is None
    # Her home was made for her; /user is the cluster's, so the home stays, as in HDFS.
    home = client.status("/user/carol")
    assert home["owner"] == "carol" and home["permission"] == "755"
    try:
        client.delete("/user/carol", recursive=True)
        raise AssertionError("carol deleted her home directory from /user")
    except HdfsError as e:
        assert "Permission denied" in str(e)
    assert client.delete("/user/carol/staging", recursive=True) is True
    assert client.delete("/user/carol/staging", recursive=True) is False
    assert not os.path.exists(os.path.join(cluster["dir"], "hdfs", "user", "carol", "staging"))

    # Another user reads nothing of hers, through the same client library.
    client.write("/user/carol/secret", data=b"s", permission="600")
    dave = InsecureClient(cluster["url"], user="dave")
    try:
        with dave.read("/user/carol/secret") as reader:
            reader.read()
        raise AssertionError("dave read carol's 600 file")
    except HdfsError as e:
        assert "Permission denied" in str(e)
