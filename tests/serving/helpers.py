"""Shared pieces of the deployment tests: the iris training graph, a finished training run, the
supervisor running beside the test, and small HTTP helpers for a live Daphne."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from serving.models import Replica

TRAIN_GRAPH = {
    "nodes": [
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"}},
        {"id": "clean", "module": "builtin/clean-missing-data", "version": None, "params": {"mode": "mean"}},
        {"id": "norm", "module": "builtin/normalize-data", "version": None,
         "params": {"method": "zscore", "label_column": "target"}},
        {"id": "split", "module": "builtin/split-data", "version": None, "params": {"test_size": 0.3, "seed": 7}},
        {"id": "train", "module": "builtin/train-model", "version": None,
         "params": {"label_column": "target", "algorithm": "logistic_regression"}},
    ],
    "edges": [
        {"source": "imp", "source_port": "data", "target": "clean", "target_port": "data"},
        {"source": "clean", "source_port": "data", "target": "norm", "target_port": "data"},
        {"source": "norm", "source_port": "data", "target": "split", "target_port": "data"},
        {"source": "split", "source_port": "train", "target": "train", "target_port": "data"},
    ],
    "parameters": [],
}  # fmt: skip

SETOSA = {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}
VIRGINICA = {"sepal length (cm)": 6.7, "sepal width (cm)": 3.0, "petal length (cm)": 5.2, "petal width (cm)": 2.3}


def train_iris(client: Any) -> tuple[int, int]:
    """(pipeline id, run id) of a finished iris training run (Celery eager, Docker)."""
    created = client.post("/api/pipelines/", {"team": "acme", "name": "Iris", "graph": TRAIN_GRAPH}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    pipeline = created.json()["id"]
    started = client.post(f"/api/pipelines/{pipeline}/runs/", {}, format="json")
    assert started.status_code == 201, started.content
    run = client.get(f"/api/runs/{started.json()['id']}/").json()
    assert run["status"] == "succeeded", [(s["node"], s["status"]) for s in run["steps"]]
    return pipeline, run["id"]


def wait_ready(version_number: int, count: int, slug: str, timeout: float = 40) -> list[Replica]:
    deadline = time.monotonic() + timeout
    while True:
        rows = list(
            Replica.objects.filter(
                version__deployment__slug=slug, version__number=version_number, state=Replica.READY
            ).order_by("index")
        )
        if len(rows) >= count:
            return rows
        if time.monotonic() > deadline:
            states = list(Replica.objects.values_list("version__number", "index", "state", "last_error"))
            raise AssertionError(f"v{version_number}: {len(rows)} of {count} replicas ready: {states}")
        time.sleep(0.2)


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None
