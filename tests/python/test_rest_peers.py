"""Clients nobody here wrote talk to the embedded cluster: Python's
yarn-api-client for the ResourceManager API, curl for the Services API."""
import json
import subprocess
import time

from yarn_api_client.resource_manager import ResourceManager


def curl(method, url, body=None):
    args = ["curl", "-sS", "-X", method, "-w", "\n%{http_code}", url]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    text, _, code = out.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else None)


def wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def service(name, count):
    return {
        "name": name, "version": "1.0", "lifetime": 3600,
        "components": [
            {"name": "jobmanager", "number_of_containers": 1, "launch_command": "sleep 600",
             "resource": {"cpus": 1, "memory": "128"}, "restart_policy": "ALWAYS"},
            {"name": "taskmanager", "number_of_containers": count, "launch_command": "sleep 600",
             "resource": {"cpus": 1, "memory": "128"}, "restart_policy": "ALWAYS"},
        ],
        "quicklinks": {"Flink Dashboard": "http://${SERVICE_NAME}.${USER}.${DOMAIN}:8081"},
    }


def test_yarn_api_client_reads_cluster_apps_and_report(cluster):
    url = cluster["url"]
    code, status = curl("POST", url + "/app/v1/services?user.name=alice", service("peer", 1))
    assert code == 202, status
    app_id = status["diagnostics"].split(": ")[1]

    rm = ResourceManager(service_endpoints=[url])
    info = rm.cluster_information().data["clusterInfo"]
    assert info["state"] == "STARTED" and info["haState"] == "ACTIVE"

    apps = rm.cluster_applications(states=["RUNNING"]).data["apps"]["app"]
    assert [a["id"] for a in apps] == [app_id]
    assert apps[0]["applicationType"] == "yarn-service" and apps[0]["user"] == "alice"

    report = rm.cluster_application(app_id).data["app"]
    assert report["name"] == "peer" and report["state"] == "RUNNING" and report["finalStatus"] == "UNDEFINED"

    metrics = rm.cluster_metrics().data["clusterMetrics"]
    assert metrics["appsRunning"] == 1 and metrics["totalNodes"] == 1

    nodes = rm.cluster_nodes().data["nodes"]["node"]
    assert len(nodes) == 1 and nodes[0]["state"] == "RUNNING"

    assert rm.cluster_applications(states=["KILLED"]).data["apps"] is None


def test_curl_drives_the_services_api(cluster):
    base = cluster["url"] + "/app/v1/services"
    code, status = curl("POST", base + "?user.name=bob", service("curlsvc", 0))
    assert code == 202 and status["state"] == "ACCEPTED" and status["uri"] == "/app/v1/services/curlsvc"

    def containers():
        _, svc = curl("GET", base + "/curlsvc")
        comp = next(c for c in svc["components"] if c["name"] == "taskmanager")
        return svc, [c for c in comp.get("containers", []) if c["state"] == "READY"]

    assert wait_for(lambda: containers()[0]["state"] == "STABLE")
    svc, _ = containers()
    assert svc["quicklinks"]["Flink Dashboard"] == "http://curlsvc.bob.localdomain:8081"
    assert 0 < svc["lifetime"] <= 3600

    code, status = curl("PUT", base + "/curlsvc/components/taskmanager?user.name=bob", {"number_of_containers": 3})
    assert code == 200 and status["diagnostics"] == "Updating component (taskmanager) size from 0 to 3"
    assert wait_for(lambda: len(containers()[1]) == 3)
    names = sorted(c["component_instance_name"] for c in containers()[1])
    assert names == ["taskmanager-0", "taskmanager-1", "taskmanager-2"]

    code, instances = curl("GET", base + "/curlsvc/component-instances")
    assert code == 200 and len(instances) == 4

    code, status = curl("PUT", base + "/curlsvc?user.name=bob", {"state": "STOPPED"})
    assert code == 200 and status["diagnostics"] == "Successfully stopped service curlsvc"
    code, status = curl("PUT", base + "/curlsvc?user.name=bob", {"state": "STOPPED"})
    assert code == 400 and "already stopped" in status["diagnostics"]
    code, status = curl("PUT", base + "/curlsvc?user.name=bob", {"state": "STARTED"})
    assert code == 200 and "successfully started" in status["diagnostics"]
    assert wait_for(lambda: len(containers()[1]) == 3)

    code, status = curl("DELETE", base + "/curlsvc?user.name=bob")
    assert code == 200 and status["diagnostics"] == "Successfully destroyed service curlsvc"
    code, status = curl("GET", base + "/curlsvc")
    assert code == 404 and "not found" in status["diagnostics"]

    code, version = curl("GET", base + "/version")
    assert code == 200 and "hadoop_version" in version
