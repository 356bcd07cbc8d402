"""The run dock while a run is live: the selected step's log tails in, and Cancel stops the run."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.e2e.test_run_iris import node, worker  # noqa: F401  (the Celery worker fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.docker]

SLOW = """
import time
import pandas as pd


def azureml_main(dataframe1=None, dataframe2=None):
    for i in range(600):
        print(f"tick {i}", flush=True)
        time.sleep(0.1)
    return pd.DataFrame({"a": [1]})
"""

GRAPH = {
    "nodes": [
        {"id": "slow", "module": "builtin/execute-python-script", "version": None, "params": {"script": SLOW},
         "position": {"x": 0, "y": 0}},
        {"id": "after", "module": "builtin/summarize-data", "version": None, "params": {},
         "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "slow", "source_port": "result", "target": "after", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


def test_it_tails_the_log_live_and_cancels_from_the_dock(
    as_alice: Any,
    live_url: str,
    worker: None,  # noqa: F811
    page: Any,
) -> None:
    call_command("load_library", verbosity=0)
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Slow", "graph": GRAPH}, format="json")
    assert created.status_code == 201, created.content
    assert not created.json().get("errors"), created.json()["errors"]

    page.set_viewport_size({"width": 1400, "height": 1100})  # room for the canvas above the run dock
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{created.json()['id']}")
    node(page, "slow").wait_for()
    page.get_by_test_id("cancel-run").wait_for()
    assert page.get_by_test_id("cancel-run").is_disabled()  # nothing to cancel yet

    page.get_by_test_id("run-button").click()
    node(page, "slow").click()
    # the log grows while the step is still running: the tail is live, not fetched at the end
    page.wait_for_function(
        "() => /tick 5\\b/.test(document.querySelector('[data-testid=log-text]')?.textContent ?? '')", timeout=120_000
    )
    assert "run-running" in node(page, "slow").get_attribute("class")
    assert page.get_by_test_id("step-status").get_attribute("data-status") == "running"
    seen = page.get_by_test_id("log-text").inner_text()
    page.wait_for_function(
        "n => (document.querySelector('[data-testid=log-text]').textContent.match(/tick/g) || []).length > n",
        arg=seen.count("tick"),
    )
    text = page.get_by_test_id("log-text").inner_text()
    ticks = [line for line in text.splitlines() if line.startswith("tick")]
    assert ticks == [f"tick {i}" for i in range(len(ticks))]  # in order, nothing doubled or lost

    page.get_by_test_id("cancel-run").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-dock]').dataset.runStatus === 'canceled'", timeout=60_000
    )
    page.wait_for_function(
        "() => document.querySelector('.react-flow__node[data-id=\"slow\"] [data-testid=canvas-node]')"
        ".classList.contains('run-canceled')",
        timeout=30_000,
    )
    after = node(page, "after").get_attribute("class")
    assert "run-canceled" in after or "run-skipped" in after, after
    assert page.get_by_test_id("cancel-run").is_disabled()
    run_id = page.get_by_test_id("run-dock").get_attribute("data-run-id")
    assert as_alice.get(f"/api/runs/{run_id}/").json()["status"] == "canceled"
