"""A sample pipeline opened through the API runs end to end in real containers."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.management import call_command

from artifacts.backend import current
from runner.models import Run, StepRun

pytestmark = pytest.mark.docker


def _run_sample(client: Any, slug: str) -> dict[str, StepRun]:
    """Open a sample into acme, run it through the API, and return its steps (the run succeeded)."""
    call_command("load_library", verbosity=0)
    opened = client.post(f"/api/samples/{slug}/open", {"team": "acme"}, format="json")
    assert opened.status_code == 201 and opened.json()["runnable"], opened.content
    started = client.post(f"/api/pipelines/{opened.json()['id']}/runs/", {}, format="json")
    assert started.status_code == 201, started.content
    run = Run.objects.get(pk=started.json()["id"])
    steps = {s.node: s for s in StepRun.objects.filter(run=run)}
    assert run.status == "succeeded", {n: (s.status, s.error) for n, s in steps.items()}
    return steps


def test_the_iris_sample_runs_and_classifies_well(eager: Any, docker_compute: Any, as_alice: Any) -> None:
    steps = _run_sample(as_alice, "iris-classification")
    assert steps["evaluate"].metrics["accuracy"] > 0.85
    assert steps["importance"].metrics["top_feature"].startswith("petal")


def test_the_conditions_sample_runs_its_condition_and_its_exit_step(
    eager: Any, docker_compute: Any, as_alice: Any
) -> None:
    steps = _run_sample(as_alice, "conditions-and-exit")
    assert steps["profile"].status == "skipped" and "params.profile" in steps["profile"].error
    accuracy = steps["evaluate"].metrics["accuracy"]
    assert steps["report"].status == ("succeeded" if accuracy >= 0.9 else "skipped"), accuracy
    assert steps["notify"].status == "succeeded"


def test_the_for_each_over_a_sub_pipeline_sample_runs_the_whole_sub_pipeline_once_per_test_size(
    eager: Any, docker_compute: Any, as_alice: Any
) -> None:
    steps = _run_sample(as_alice, "for-each-sub-pipeline")
    node = steps["sizes"]
    inner = sorted(n for n in steps if n.startswith("sizes["))
    assert inner == [f"sizes[{i}].{s}" for i in range(3) for s in ("evaluate", "score", "split", "train")]
    assert [steps[f"sizes[{i}].split"].params["test_size"] for i in range(3)] == [0.2, 0.3, 0.4]
    assert node.metrics["items"] == 3 and node.metrics["items_succeeded"] == 3
    with current().open(node.outputs["items"], "data.csv") as fh:
        items = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))
    assert [(r["item"], r["test_size"], r["status"]) for r in items] == [
        ("0", "0.2", "succeeded"),
        ("1", "0.3", "succeeded"),
        ("2", "0.4", "succeeded"),
    ]
    assert all(float(r["accuracy"]) > 0.7 for r in items), items
    models = sorted(f.path.split("/")[0] for f in current().files(node.outputs["model"]))
    assert sorted(set(models)) == ["00000", "00001", "00002"]
