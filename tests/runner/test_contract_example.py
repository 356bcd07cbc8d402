"""The module of API.md's spec example, published through the API as written and run in Docker."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from artifacts import store
from runner.models import Run, StepRun

pytestmark = pytest.mark.docker

SPEC = {
    "name": "split-example",
    "version": "1.0.0",
    "display_name": "Split Data",
    "category": "Data Transformation",
    "description": "Split rows into train and test sets.",
    "inputs": [{"name": "data", "type": "DataFrame"}],
    "outputs": [{"name": "train", "type": "DataFrame"}, {"name": "test", "type": "DataFrame"}],
    "parameters": {
        "test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1},
        "seed": {"type": "integer", "default": 42},
    },
    "runtime": {
        "image": "pipewright/python-ml:1",
        "command": ["python", "/module/split.py"],  # `python`, as the contract's example has it
        "resources": {"cpu": 1, "memory": "1g"},
        "timeout": 600,
        "retries": 1,
    },
    "deterministic": True,
}

SPLIT = """
import glob, json, os
import pandas as pd

params = json.load(open("/in/params.json"))
frame = pd.read_csv(glob.glob("/in/data/*.csv")[0])
test = frame.sample(frac=params["test_size"], random_state=params["seed"])
frame.drop(test.index).to_csv("/out/train/data.csv", index=False)
test.to_csv("/out/test/data.csv", index=False)
json.dump({"train_rows": len(frame) - len(test), "test_rows": len(test)}, open("/out/metrics.json", "w"))
print("split", len(frame), "rows")
"""


def test_the_contracts_example_module_publishes_and_runs(eager: Any, docker_compute: Any, as_alice: Any) -> None:
    call_command("load_library", verbosity=0)
    made = as_alice.post("/api/modules/", {"team": "acme", "name": "split-example"}, format="json")
    assert made.status_code == 201, made.content
    published = as_alice.post(
        "/api/modules/acme/split-example/versions/", {"spec": SPEC, "files": {"split.py": SPLIT}}, format="json"
    )
    assert published.status_code == 201, published.content
    graph = {
        "nodes": [
            {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"}},
            {"id": "split", "module": "acme/split-example", "version": None, "params": {"test_size": 0.3}},
        ],
        "edges": [{"source": "imp", "source_port": "data", "target": "split", "target_port": "data"}],
        "parameters": [],
    }
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Example", "graph": graph}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    started = as_alice.post(f"/api/pipelines/{created.json()['id']}/runs/", {}, format="json")
    run = Run.objects.get(pk=started.json()["id"])
    split = StepRun.objects.get(run=run, node="split")
    assert run.status == "succeeded", (split.status, split.error)
    assert split.metrics == {"train_rows": 105, "test_rows": 45}
    assert set(split.outputs) == {"train", "test"} and all(store.exists(s) for s in split.outputs.values())
