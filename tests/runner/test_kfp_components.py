"""Imported Kubeflow components run as pipeline steps in real containers (the step image), fed by
and feeding built-in modules: a v1 component (concat, if/isPresent, typed values), a v2 IR
component, and a built-in module exported as component.yaml and imported back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from artifacts import store
from runner.models import Run, StepRun

pytestmark = pytest.mark.docker

COMPONENTS = Path(__file__).resolve().parent.parent / "kfp_components"


def rows(sha: str) -> list[dict[str, str]]:
    folder = store.path_for(sha)
    (only,) = [p for p in folder.iterdir()]
    with only.open() as f:
        return list(csv.DictReader(f))


def test_imported_components_run_in_docker(eager: Any, docker_compute: Any, as_alice: Any) -> None:
    call_command("load_library", verbosity=0)
    for component in ("filter_rows_v1.yaml", "word_count_v2.yaml"):
        made = as_alice.post(
            "/api/modules/import/kfp", {"team": "acme", "yaml": (COMPONENTS / component).read_text()}, format="json"
        )
        assert made.status_code == 201, made.json()
    split = as_alice.get("/api/modules/builtin/split-data/").json()["default_version"]
    exported = as_alice.get(f"/api/modules/builtin/split-data/versions/{split}/component.yaml")
    assert exported.status_code == 200
    made = as_alice.post(
        "/api/modules/import/kfp",
        {"team": "acme", "name": "split-from-kfp", "yaml": exported.content.decode()},
        format="json",
    )
    assert made.status_code == 201, made.json()
    graph = {
        "nodes": [
            {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"}},
            {
                "id": "filter",
                "module": "acme/filter-rows",
                "version": None,
                "params": {"column": "target", "threshold": 1, "verbose": True},
            },
            {"id": "words", "module": "acme/word-count", "version": None, "params": {"uppercase": True}},
            {"id": "split", "module": "acme/split-from-kfp", "version": None, "params": {"test_size": 0.25}},
        ],
        "edges": [
            {"source": "imp", "source_port": "data", "target": "filter", "target_port": "input_data"},
            {"source": "imp", "source_port": "data", "target": "words", "target_port": "text"},
            {"source": "filter", "source_port": "filtered_data", "target": "split", "target_port": "data"},
        ],
        "parameters": [],
    }
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "KFP", "graph": graph}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    started = as_alice.post(f"/api/pipelines/{created.json()['id']}/runs/", {}, format="json")
    assert started.status_code == 201, started.json()
    run = Run.objects.get(pk=started.json()["id"])
    steps = {s.node: s for s in StepRun.objects.filter(run=run)}
    assert run.status == "succeeded", {n: (s.status, s.error) for n, s in steps.items()}
    filtered = rows(steps["filter"].outputs["filtered_data"])
    assert len(filtered) == 100 and {r["target"] for r in filtered} == {"1", "2"}
    count_folder = store.path_for(steps["filter"].outputs["row_count"])
    assert (count_folder / "data").read_text() == "100"
    counts = rows(steps["words"].outputs["counts"])
    assert counts and all(r["word"] == r["word"].upper() for r in counts)
    train, test = rows(steps["split"].outputs["train"]), rows(steps["split"].outputs["test"])
    assert (len(train), len(test)) == (75, 25)
