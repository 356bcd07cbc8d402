"""A dataset uploaded through the API feeds a pipeline: the pinned version's artifact is the input."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from artifacts import store
from runner.models import Run, StepRun
from tests.api.pipelines_helpers import upload_csv

pytestmark = pytest.mark.docker

GRAPH = {
    "nodes": [
        {"id": "d1", "dataset": "acme/people", "version": 1, "position": {"x": 0, "y": 0}},
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {}, "position": {"x": 0, "y": 100}},
        {"id": "sum", "module": "builtin/summarize-data", "version": None, "params": {}, "position": {"x": 0, "y": 9}},
    ],
    "edges": [
        {"source": "d1", "source_port": "data", "target": "imp", "target_port": "data"},
        {"source": "imp", "source_port": "data", "target": "sum", "target_port": "data"},
    ],
    "parameters": [],
}  # fmt: skip


def test_a_pinned_dataset_version_runs_through_import_and_summary(
    eager: Any, docker_compute: Any, as_alice: Any
) -> None:
    call_command("load_library", verbosity=0)
    v1 = upload_csv(as_alice, "people", content=b"name,age\nada,36\ngrace,45\nalan,41\n").json()["versions"][0]
    upload_csv(as_alice, "people", content=b"name,age\nonly,1\n")  # version 2: not the one pinned
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "People", "graph": GRAPH}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()

    started = as_alice.post(f"/api/pipelines/{created.json()['id']}/runs/", {}, format="json")
    assert started.status_code == 201, started.content
    run = Run.objects.get(pk=started.json()["id"])
    steps = {s.node: s for s in StepRun.objects.filter(run=run)}
    assert run.status == "succeeded", {n: (s.status, s.error) for n, s in steps.items()}
    assert steps["imp"].input_hashes == {"data": v1["artifact"]}  # version 1, not the newer upload

    summary = as_alice.get(f"/api/artifacts/{steps['sum'].outputs['summary']}/preview").json()
    text = str(summary)
    assert "age" in text and "name" in text, summary
    imported = store.path_for(steps["imp"].outputs["data"])
    assert any(imported.rglob("*")), "import-data wrote nothing"
