"""deploy/k8s/*.yaml (docs/operations.md, "Kubernetes"): every object parses with the fields the API
requires, the Job backend's Role grants exactly what runner/compute/kubernetes.py calls and nothing
more, and the manifests agree with the code (labels, queues, service accounts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from runner.compute import kubernetes as kb

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# what the backend calls: create/read/list/delete Jobs (a watch is a list with watch=true), list
# and watch pods, read a pod's log
NEEDED = {
    ("batch", "jobs"): {"create", "get", "list", "watch", "delete"},
    ("", "pods"): {"get", "list", "watch"},
    ("", "pods/log"): {"get"},
}


def _objects() -> list[dict[str, Any]]:
    found = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def _by(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in _objects() if o["kind"] == kind}


def test_every_object_has_the_required_fields() -> None:
    objects = _objects()
    assert {o["kind"] for o in objects} >= {
        "Namespace", "ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy",
        "Deployment", "StatefulSet", "Service", "Job",
    }  # fmt: skip
    for o in objects:
        assert o["apiVersion"] and o["kind"] and o["metadata"]["name"], o
        if o["kind"] != "Namespace":
            assert o["metadata"]["namespace"] == "pipewright", o["metadata"]
    for o in [*_by("Deployment").values(), *_by("StatefulSet").values()]:
        template = o["spec"]["template"]
        assert o["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
        for c in template["spec"]["containers"]:
            assert c["name"] and c["image"], c


def test_web_workers_beat_and_the_store_are_there() -> None:
    deployments = _by("Deployment")
    assert {"web", "control", "workers", "beat", "redis"} <= set(deployments)
    assert {"postgres", "store"} <= set(_by("StatefulSet"))
    assert deployments["beat"]["spec"]["replicas"] == 1  # exactly one beat
    worker = deployments["workers"]["spec"]["template"]["spec"]
    command = " ".join(worker["containers"][0]["command"])
    assert "-Q compute-kubernetes,host.$PIPEWRIGHT_HOST_ID" in command  # its compute queue and its own
    env = {e["name"]: e for e in worker["containers"][0]["env"]}
    assert env["PIPEWRIGHT_HOST_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    config = _by("ConfigMap")["pipewright"]["data"]
    assert config["PIPEWRIGHT_COMPUTE"] == "kubernetes"


def test_the_job_backends_role_is_least_privilege() -> None:
    role = _by("Role")["pipewright-jobs"]
    granted: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        assert "resourceNames" not in rule or rule["resourceNames"]
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                assert "*" not in (group, resource) and "*" not in rule["verbs"], rule
                granted.setdefault((group, resource), set()).update(rule["verbs"])
    assert granted == NEEDED  # no secrets, no exec, no patch/update, nothing more
    assert not _by("ClusterRole") and not _by("ClusterRoleBinding")
    binding = _by("RoleBinding")["pipewright-jobs"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pipewright-jobs"}
    assert [s["name"] for s in binding["subjects"]] == ["pipewright-worker"]
    accounts = _by("ServiceAccount")
    assert accounts["pipewright-step"]["automountServiceAccountToken"] is False
    assert accounts["pipewright-web"]["automountServiceAccountToken"] is False
    users = {
        d: o["spec"]["template"]["spec"]["serviceAccountName"] for d, o in _by("Deployment").items() if d != "redis"
    }
    assert users == {
        "web": "pipewright-web",
        "beat": "pipewright-web",
        "control": "pipewright-worker",
        "workers": "pipewright-worker",
    }
    assert _by("ConfigMap")["pipewright"]["data"]["PIPEWRIGHT_K8S_STEP_SERVICE_ACCOUNT"] == "pipewright-step"


def test_step_pods_reach_only_the_store_and_dns() -> None:
    policy = _by("NetworkPolicy")["pipewright-steps"]["spec"]
    assert policy["podSelector"]["matchLabels"] == {kb.STEP_LABEL: "1"}  # the label every step Job's pod has
    assert policy["ingress"] == [] and set(policy["policyTypes"]) == {"Ingress", "Egress"}
    targets = [peer["podSelector"]["matchLabels"] for rule in policy["egress"] for peer in rule["to"]]
    assert targets == [{"app.kubernetes.io/name": "store"}, {"k8s-app": "kube-dns"}]
    store = _by("StatefulSet")["store"]["spec"]["template"]["metadata"]["labels"]
    assert store["app.kubernetes.io/name"] == "store"


def test_every_setting_the_manifests_give_is_one_pipewright_reads() -> None:
    """A misspelt name in a ConfigMap or Secret is silently ignored by the processes: each key must
    be an environment name pipewright/settings.py reads."""
    source = (Path(__file__).resolve().parents[2] / "pipewright" / "settings.py").read_text()
    given = [
        key
        for kind in ("ConfigMap", "Secret")
        for obj in _by(kind).values()
        for key in {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
    ]
    assert given and "PIPEWRIGHT_S3_ENDPOINT" in given
    others = {"POSTGRES_PASSWORD"}  # read by the PostgreSQL image, not by Pipewright
    unknown = [key for key in given if key not in others and f'"{key}"' not in source]
    assert not unknown, f"settings.py reads none of {unknown}"
