"""A failed step in a real container says why: the exception and the user's line, not only the
exit code (runner/failures.py over the step's log)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from runner.models import Run, StepRun

pytestmark = pytest.mark.docker

SCRIPT = """import pandas as pd


def azureml_main(dataframe1=None, dataframe2=None):
    frame = dataframe1.copy()
    frame["ratio"] = float("abc")
    return frame
"""


def test_a_python_step_that_raises_names_the_exception_and_its_line(
    eager: Any, docker_compute: Any, as_alice: Any
) -> None:
    call_command("load_library", verbosity=0)
    graph = {
        "nodes": [
            {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"}},
            {"id": "py", "module": "builtin/execute-python-script", "version": None, "params": {"script": SCRIPT}},
        ],
        "edges": [{"source": "imp", "source_port": "data", "target": "py", "target_port": "dataset1"}],
        "parameters": [],
    }
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Raises", "graph": graph}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    started = as_alice.post(f"/api/pipelines/{created.json()['id']}/runs/", {}, format="json")
    run = Run.objects.get(pk=started.json()["id"])
    py = StepRun.objects.get(run=run, node="py")
    assert run.status == "failed" and py.status == "failed" and py.exit_code == 1
    expected = "ValueError: could not convert string to float: 'abc' (at script.py line 6); exited with code 1"
    assert py.error == expected
    assert run.error == f"step(s) failed: py — {expected}"
    body = as_alice.get(f"/api/runs/{run.pk}/").json()
    assert next(s for s in body["steps"] if s["node"] == "py")["error"] == expected
