"""A sample pipeline opened through the API runs end to end in real containers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

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
